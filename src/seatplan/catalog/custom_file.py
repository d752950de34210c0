"""Custom catalog files: an organization's own products and plans, in TOML (docs/catalog.md).

Parsing reports every problem of a file at once, each with the place it was found, so an
administrator fixes a file in one pass instead of one error per attempt. The file's shape
is the Pydantic schema of `file_schema`; this module reads, reports and writes.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import tomli_w
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from seatplan.catalog.file_limits import (
    MAX_FILE_BYTES,
    MAX_NAME,
    MAX_NESTING,
    MAX_PROBLEMS,
    shown,
    too_deep,
)
from seatplan.catalog.file_schema import FORMAT_VERSION, TABLES, CatalogDocument
from seatplan.catalog.file_scope import EXAMPLE_GUID, PROBLEM, FileScope, join, kind
from seatplan.catalog.model import (
    Catalog,
    Dependency,
    ExclusiveSet,
    LocationRestriction,
    Product,
    ServicePlan,
)

_LINE = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")


@dataclass(frozen=True, slots=True)
class CatalogProblem:
    """One problem of a catalog file: a line number or a key path, and what is wrong."""

    where: str
    message: str


class CatalogFileError(Exception):
    """A catalog file with problems; nothing of it may be imported."""

    def __init__(self, problems: list[CatalogProblem], source: str = "<text>") -> None:
        super().__init__(problems)
        self.problems = problems
        self.source = source

    def __str__(self) -> str:
        return "\n".join(f"{self.source}:{p.where}: {p.message}" for p in self.problems)


def parse_catalog_file(path: Path, base: Catalog) -> Catalog:
    """The items of the catalog file at `path`, with references resolved against `base`."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CatalogFileError([_too_large()], str(path))
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogFileError([CatalogProblem("0", f"cannot read: {error}")], str(path)) from None
    return parse_catalog_text(text, base, str(path))


def parse_catalog_text(text: str, base: Catalog, source: str = "<text>") -> Catalog:
    """The items of a catalog file's text (only them: merge them into `base` to use them).

    Raises `CatalogFileError` listing every problem found.
    """
    if len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        raise CatalogFileError([_too_large()], source)
    line = too_deep(text)
    if line is not None:
        message = f"arrays and inline tables nest more than {MAX_NESTING} deep"
        raise CatalogFileError([CatalogProblem(str(line), message)], source)
    try:
        raw = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = _LINE.search(message)
        # "at end of document": point at its last line that has something on it.
        where = found.group(1) if found else str(max(1, len(text.rstrip().splitlines())))
        if found:
            message = f"{message[: found.start()]} (column {found.group(2)})"
        raise CatalogFileError(
            [CatalogProblem(where, f"invalid TOML: {message}")], source
        ) from None
    try:
        document = CatalogDocument.model_validate(raw, context=FileScope(base))
    except ValidationError as error:
        raise CatalogFileError(_problems(error), source) from None
    return _catalog(document)


def _too_large() -> CatalogProblem:
    return CatalogProblem("0", f"the file is larger than {MAX_FILE_BYTES // 1024 // 1024} MiB")


def _catalog(document: CatalogDocument) -> Catalog:
    return Catalog(
        plans=tuple(ServicePlan(p.id, p.name, p.friendly_name or p.name) for p in document.plans),
        products=tuple(
            Product(p.sku_id, p.sku_part_number, p.display_name, tuple(p.plans))
            for p in document.products
        ),
        exclusive_sets=tuple(
            ExclusiveSet(s.name, frozenset(s.plans)) for s in document.exclusive_sets
        ),
        dependencies=tuple(
            Dependency(d.plan, tuple(frozenset(alt) for alt in d.requires_any_of))
            for d in document.dependencies
        ),
        location_restrictions=tuple(
            LocationRestriction(
                plan_ids=None if r.plans is None else frozenset(r.plans),
                prohibited=frozenset(r.prohibited or ()),
                allowed=None if r.allowed is None else frozenset(r.allowed),
                note=r.note or "",
            )
            for r in document.location_restrictions
        ),
    )


def _problems(error: ValidationError) -> list[CatalogProblem]:
    """Pydantic's errors as the documented problems, a table's unknown keys first."""
    errors = error.errors(include_url=False)
    paths = [tuple(found["loc"]) for found in errors]

    def order(index: int) -> tuple[int, int]:
        if errors[index]["type"] != "extra_forbidden":
            return (index, 1)
        table = paths[index][:-1]
        return (next(i for i, path in enumerate(paths) if path[: len(table)] == table), 0)

    problems = []
    for index in sorted(range(len(errors)), key=order)[:MAX_PROBLEMS]:
        where = ""
        for key in paths[index]:
            where = join(where, key)
        problems.append(CatalogProblem(where, _message(errors[index])))
    if len(errors) > MAX_PROBLEMS:
        problems.append(CatalogProblem("0", f"and {len(errors) - MAX_PROBLEMS} more problems"))
    return problems


def _message(error: ErrorDetails) -> str:
    """The message of one of Pydantic's errors, in the words of the documentation."""
    loc, value, type_ = error["loc"], error["input"], error["type"]
    match type_:
        case _ if type_ == PROBLEM:
            return str(error.get("ctx", {})["message"])
        case "missing":
            return f"missing required key {loc[-1]!r}"
        case "extra_forbidden":
            known = list(TABLES[str(loc[0])].model_fields) if len(loc) > 1 else list(_TOP)
            close = difflib.get_close_matches(str(loc[-1])[:MAX_NAME], known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return f"unknown key {shown(loc[-1])}{hint}"
        case "string_type":
            return f"expected a string, got {kind(value)}"
        case "string_too_short":
            return "must not be empty"
        case "string_too_long":
            return f"longer than {error.get('ctx', {})['max_length']} characters"
        case "too_long":
            return f"at most {error.get('ctx', {})['max_length']} tables"
        case "string_pattern_mismatch":
            return f"{shown(value)} is not a GUID (like {EXAMPLE_GUID})"
        case "list_type" if len(loc) == 1:
            return f"expected an array of tables ([[{loc[0]}]]), got {kind(value)}"
        case "list_type":
            return f"expected an array, got {kind(value)}"
        case "model_type" | "dict_type":
            return f"expected a table, got {kind(value)}"
    return error["msg"]


_TOP = tuple(CatalogDocument.model_fields)


def format_catalog_text(catalog: Catalog, base: Catalog) -> str:
    """`catalog` as a catalog file that `parse_catalog_text` reads back (with `base`).

    Plans are named when the name is unambiguous, else referred to by id.
    """
    own = {plan.id: plan.name for plan in catalog.plans}

    def ref(plan_id: UUID) -> str:
        name = own.get(plan_id)
        if name is None:
            known = base.plan(plan_id)
            unique = known is not None and len(base.plans_named(known.name)) == 1
            name = known.name if known is not None and unique else str(plan_id)
        return name

    def refs(plan_ids: Iterable[UUID]) -> list[str]:
        return [ref(plan_id) for plan_id in plan_ids]

    def restriction(rule: LocationRestriction) -> dict[str, Any]:
        table: dict[str, Any] = {
            "plans": "*" if rule.plan_ids is None else refs(sorted(rule.plan_ids))
        }
        if rule.allowed is not None:
            table["allowed"] = sorted(rule.allowed)
        else:
            table["prohibited"] = sorted(rule.prohibited)
        if rule.note:
            table["note"] = rule.note
        return table

    document: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "plans": [
            {"id": str(plan.id), "name": plan.name, "friendly_name": plan.friendly_name}
            for plan in catalog.plans
        ],
        "products": [
            {
                "sku_id": str(product.sku_id),
                "sku_part_number": product.sku_part_number,
                "display_name": product.display_name,
                "plans": refs(product.plan_ids),
            }
            for product in catalog.products
        ],
        "exclusive_sets": [
            {"name": exclusive.name, "plans": refs(sorted(exclusive.plan_ids))}
            for exclusive in catalog.exclusive_sets
        ],
        "dependencies": [
            {
                "plan": ref(dependency.plan_id),
                "requires_any_of": [refs(sorted(alt)) for alt in dependency.requires_any_of],
            }
            for dependency in catalog.dependencies
        ],
        "location_restrictions": [restriction(r) for r in catalog.location_restrictions],
    }
    # An empty section is left out: TOML would write it as `plans = []`.
    return tomli_w.dumps({key: value for key, value in document.items() if value != []})
