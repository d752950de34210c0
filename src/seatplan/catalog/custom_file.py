"""Custom catalog files: an organization's own products and plans, in TOML (docs/catalog.md).

Parsing reports every problem of a file at once, each with the place it was found, so an
administrator fixes a file in one pass instead of one error per attempt.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

from seatplan.catalog._toml_checks import Checks, join
from seatplan.catalog.model import (
    Catalog,
    Dependency,
    ExclusiveSet,
    LocationRestriction,
    Product,
    ServicePlan,
)

_FORMAT_VERSION = 1
_TOP = ("version", "plans", "products", "exclusive_sets", "dependencies", "location_restrictions")
_T = TypeVar("_T")
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
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogFileError([CatalogProblem("0", f"cannot read: {error}")], str(path)) from None
    return parse_catalog_text(text, base, str(path))


def parse_catalog_text(text: str, base: Catalog, source: str = "<text>") -> Catalog:
    """The items of a catalog file's text (only them: merge them into `base` to use them).

    Raises `CatalogFileError` listing every problem found.
    """
    try:
        document = tomllib.loads(text.removeprefix("\ufeff"))
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
    checks = Checks(base)
    catalog = _Reader(checks).read(document)
    if checks.problems:
        problems = [CatalogProblem(where, message) for where, message in checks.problems]
        raise CatalogFileError(problems, source)
    return catalog


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
        return json.dumps(name)

    def refs(plan_ids: Iterable[UUID]) -> str:
        return "[" + ", ".join(ref(plan_id) for plan_id in plan_ids) + "]"

    def codes(values: Iterable[str]) -> str:
        return json.dumps(sorted(values))

    q = json.dumps
    lines = [f"version = {_FORMAT_VERSION}"]
    for p in catalog.plans:
        lines += ["", "[[plans]]", f"id = {q(str(p.id))}", f"name = {q(p.name)}"]
        lines.append(f"friendly_name = {q(p.friendly_name)}")
    for d in catalog.products:
        lines += ["", "[[products]]", f"sku_id = {q(str(d.sku_id))}"]
        lines.append(f"sku_part_number = {q(d.sku_part_number)}")
        lines += [f"display_name = {q(d.display_name)}", f"plans = {refs(d.plan_ids)}"]
    for s in catalog.exclusive_sets:
        lines += [
            "",
            "[[exclusive_sets]]",
            f"name = {q(s.name)}",
            f"plans = {refs(sorted(s.plan_ids))}",
        ]
    for dep in catalog.dependencies:
        alternatives = ", ".join(refs(sorted(alt)) for alt in dep.requires_any_of)
        lines += ["", "[[dependencies]]", f"plan = {ref(dep.plan_id)}"]
        lines.append(f"requires_any_of = [{alternatives}]")
    for r in catalog.location_restrictions:
        plans = '"*"' if r.plan_ids is None else refs(sorted(r.plan_ids))
        lines += ["", "[[location_restrictions]]", f"plans = {plans}"]
        if r.allowed is not None:
            lines.append(f"allowed = {codes(r.allowed)}")
        else:
            lines.append(f"prohibited = {codes(r.prohibited)}")
        if r.note:
            lines.append(f"note = {q(r.note)}")
    return "\n".join(lines) + "\n"


class _Reader:
    """Reads each section of a parsed document into catalog items, noting problems."""

    def __init__(self, checks: Checks) -> None:
        self.c = checks

    def read(self, document: dict[str, Any]) -> Catalog:
        self.c.table("", document, _TOP)
        version = document.get("version", _FORMAT_VERSION)
        if version != _FORMAT_VERSION or isinstance(version, bool):
            self.c.problem("version", f"unsupported version {version!r} (expected 1)")
        # Plans first: the other sections refer to them.
        plans = [p for w, t in self.c.tables(document, "plans") if (p := self.plan(w, t))]
        return Catalog(
            plans=tuple(plans),
            products=self.items(document, "products", self.product),
            exclusive_sets=self.items(document, "exclusive_sets", self.exclusive_set),
            dependencies=self.items(document, "dependencies", self.dependency),
            location_restrictions=self.items(document, "location_restrictions", self.location),
        )

    def items(
        self, document: dict[str, Any], key: str, read: Callable[[str, dict[str, Any]], _T | None]
    ) -> tuple[_T, ...]:
        return tuple(item for w, t in self.c.tables(document, key) if (item := read(w, t)))

    def plan(self, where: str, table: dict[str, Any]) -> ServicePlan | None:
        c = self.c
        c.table(where, table, ("id", "name", "friendly_name"))
        plan_id = c.guid(where, table, "id")
        name = c.string(where, table, "name")
        friendly = c.string(where, table, "friendly_name", required=False)
        if not c.declare_plan(where, plan_id, name) or plan_id is None or name is None:
            return None
        return ServicePlan(plan_id, name, friendly or name)

    def product(self, where: str, table: dict[str, Any]) -> Product | None:
        c = self.c
        c.table(where, table, ("sku_id", "sku_part_number", "display_name", "plans"))
        sku_id = c.guid(where, table, "sku_id")
        part = c.string(where, table, "sku_part_number")
        display = c.string(where, table, "display_name")
        plans = c.refs(where, table, "plans", at_least=1, what="a product")
        declared = c.declare_product(where, sku_id, part)
        if not declared or sku_id is None or part is None or display is None or plans is None:
            return None
        return Product(sku_id, part, display, tuple(plans))

    def exclusive_set(self, where: str, table: dict[str, Any]) -> ExclusiveSet | None:
        c = self.c
        c.table(where, table, ("name", "plans"))
        name = c.string(where, table, "name")
        plans = c.refs(where, table, "plans", at_least=2, what="an exclusive set")
        if name is not None and not c.unique("set", join(where, "name"), name, repr(name)):
            return None
        if name is None or plans is None:
            return None
        return ExclusiveSet(name, frozenset(plans))

    def dependency(self, where: str, table: dict[str, Any]) -> Dependency | None:
        c = self.c
        c.table(where, table, ("plan", "requires_any_of"))
        plan = c.plan_ref(where, table, "plan")
        alternatives = c.alternatives(where, table, "requires_any_of", plan)
        where_plan = join(where, "plan")
        if plan is not None and not c.unique("dependency", where_plan, str(plan), "this plan"):
            return None
        if plan is None or alternatives is None:
            return None
        return Dependency(plan, tuple(frozenset(alt) for alt in alternatives))

    def location(self, where: str, table: dict[str, Any]) -> LocationRestriction | None:
        c = self.c
        c.table(where, table, ("plans", "prohibited", "allowed", "note"))
        plans: frozenset[UUID] | None = None
        valid = True
        if table.get("plans") != "*":
            found = c.refs(where, table, "plans", at_least=1, what='a restriction (or "*")')
            valid = found is not None
            plans = frozenset(found or ())
        prohibited = c.countries(where, table, "prohibited")
        allowed = c.countries(where, table, "allowed")
        note = c.string(where, table, "note", required=False)
        if "prohibited" in table and "allowed" in table:
            c.problem(where, "use either prohibited or allowed, not both")
            valid = False
        elif "prohibited" not in table and "allowed" not in table:
            c.problem(where, "needs prohibited or allowed locations")
            valid = False
        if not valid or (prohibited is None and allowed is None):
            return None
        return LocationRestriction(plans, prohibited or frozenset(), allowed, note or "")
