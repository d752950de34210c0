"""What a catalog file declared so far, and the catalog it refers to.

The schema's validators (`file_schema`) share one `FileScope` through Pydantic's
validation context: it resolves plan references and remembers the keys already used, so
a clash names the place where the key was first used.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import defaultdict
from datetime import date, time
from typing import Any
from uuid import UUID

from pydantic import ValidationError, ValidationInfo
from pydantic_core import InitErrorDetails, PydanticCustomError

from seatplan.catalog.file_limits import MAX_NAME
from seatplan.catalog.model import Catalog

GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
EXAMPLE_GUID = "6fd2c87f-b296-42f0-b197-1e91e994b900"
#: The error type of every message written here (Pydantic's own types are translated).
PROBLEM = "catalog_file"
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def join(where: str, key: str | int) -> str:
    """The key path of `key` inside `where`: `products[2].plans[1]`."""
    if isinstance(key, int):
        return f"{where}[{key}]"
    part = key if _BARE_KEY.fullmatch(key) else json.dumps(key)
    return f"{where}.{part}" if where else part


def kind(value: object) -> str:
    """The TOML name of a value's type, with its article, for messages."""
    kinds = ((bool, "a boolean"), (int, "an integer"), (float, "a float"), (str, "a string"))
    for type_, name in (*kinds, (list, "an array"), (dict, "a table"), (date | time, "a date")):
        if isinstance(value, type_):
            return name
    return type(value).__name__


def problem(message: str) -> PydanticCustomError:
    """A problem to raise from a validator; the path is where the validator runs."""
    return PydanticCustomError(PROBLEM, "{message}", {"message": message})


#: A problem below the value being validated: its relative path, message and value.
Located = tuple[tuple[str | int, ...], str, object]


def problems_at(found: list[Located]) -> ValidationError:
    """Several problems below the value being validated, each at its own path."""
    details = [
        InitErrorDetails(type=problem(message), loc=loc, input=value)
        for loc, message, value in found
    ]
    return ValidationError.from_exception_data("catalog file", details)


def with_problem(
    error: ValidationError, message: str, value: object, first: bool = False
) -> ValidationError:
    """`error`'s problems and one more about the value being validated itself."""
    details: list[InitErrorDetails] = []
    for found in error.errors(include_url=False):
        context = found.get("ctx") or {}
        # Pydantic's own errors are rebuilt from their type; ours from their message.
        mine = found["type"] == PROBLEM
        type_ = problem(str(context["message"])) if mine else found["type"]
        detail = InitErrorDetails(type=type_, loc=found["loc"], input=found["input"])
        if context and not mine:
            detail["ctx"] = context
        details.append(detail)
    added = InitErrorDetails(type=problem(message), loc=(), input=value)
    details = [added, *details] if first else [*details, added]
    return ValidationError.from_exception_data("catalog file", details)


def scope_of(info: ValidationInfo) -> FileScope:
    scope = info.context
    assert isinstance(scope, FileScope), "validate catalog files with a FileScope context"
    return scope


class FileScope:
    """The base catalog, the file's own plans, and the keys each section already used."""

    def __init__(self, base: Catalog) -> None:
        self.base = base
        self.where = ""  # the table being validated: `products[2]`
        self._plan_by_name: dict[str, UUID] = {}  # the file's own plans, by casefolded name
        self._plan_ids: set[UUID] = set()
        self._tables: dict[str, int] = defaultdict(int)
        self._seen: dict[str, dict[str, str]] = defaultdict(dict)
        self._names: list[str] | None = None

    def enter(self, section: str) -> None:
        """The next table of `section` is being validated (tables come in file order)."""
        self.where = join(section, self._tables[section])
        self._tables[section] += 1

    def path(self, *keys: str | int) -> str:
        where = self.where
        for key in keys:
            where = join(where, key)
        return where

    def unique(self, namespace: str, key: str, label: str, at: str) -> None:
        """Raise when `key` was already used in `namespace` of this file."""
        where = self.path(at)
        first = self._seen[namespace].setdefault(key, where)
        if first != where:
            raise problem(f"{label} is already used at {first}")

    def declare_plan(self, plan_id: UUID, name: str) -> None:
        """Record a plan of the file, unless it is another plan of the base catalog."""
        found: list[Located] = []
        known = self.base.plan(plan_id)
        if known is not None and known.name.casefold() != name.casefold():
            found.append((("id",), f"{plan_id} is already the id of {known.name}", plan_id))
        others = [p for p in self.base.plans_named(name) if p.id != plan_id]
        if others:
            message = f"{name!r} is already plan {others[0].id}: refer to it, do not declare it"
            found.append((("name",), message, name))
        if found:
            raise problems_at(found)
        self._plan_by_name[name.casefold()] = plan_id
        self._plan_ids.add(plan_id)
        self._names = None

    def declare_product(self, sku_id: UUID, part: str) -> None:
        """Raise when the product is another product of the base catalog."""
        found: list[Located] = []
        known = self.base.product(sku_id)
        if known is not None and known.sku_part_number != part:
            found.append(
                (("sku_id",), f"{sku_id} is already the skuId of {known.sku_part_number}", sku_id)
            )
        known = self.base.product(part)
        if known is not None and known.sku_id != sku_id:
            found.append(
                (("sku_part_number",), f"{part!r} is already the product {known.sku_id}", part)
            )
        if found:
            raise problems_at(found)

    def plan(self, value: Any) -> UUID:
        """The id of the plan `value` names: a plan of the file or of the base, by name or id."""
        if not isinstance(value, str):
            raise problem(f"expected a plan name or id (a string), got {kind(value)}")
        text = value.strip()
        if not text:
            raise problem("must not be empty")
        if len(text) > MAX_NAME:
            raise problem(f"a plan name or id is at most {MAX_NAME} characters")
        if GUID.fullmatch(text):
            plan_id = UUID(text)
            if plan_id in self._plan_ids or self.base.plan(plan_id) is not None:
                return plan_id
            raise problem(f"unknown plan id {text}")
        found = self._plan_by_name.get(text.casefold())
        if found is not None:
            return found
        matches = self.base.plans_named(text)
        if len(matches) == 1:
            return matches[0].id
        if matches:
            ids = ", ".join(sorted(str(p.id) for p in matches))
            raise problem(f"several plans are named {text!r}: use one of the ids {ids}")
        close = difflib.get_close_matches(text.upper(), self._known_names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise problem(f"unknown plan {text!r}{hint}")

    def _known_names(self) -> list[str]:
        if self._names is None:
            self._names = [p.name.upper() for p in self.base.plans]
            self._names += [name.upper() for name in self._plan_by_name]
        return self._names
