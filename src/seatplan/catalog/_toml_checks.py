"""Checks on the values of a parsed catalog file; each failed check notes a problem.

Every accessor returns None when the value is unusable, after noting why, so the reader
goes on and the administrator gets every problem of the file in one report.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, time
from typing import Any
from uuid import UUID

from seatplan.catalog.model import Catalog
from seatplan.engine.countries import is_country_code

_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_MISSING = object()
_EXAMPLE_GUID = "6fd2c87f-b296-42f0-b197-1e91e994b900"


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


class Checks:
    """The problems found so far, and what the file declared, to resolve references."""

    def __init__(self, base: Catalog) -> None:
        self.base = base
        self.problems: list[tuple[str, str]] = []
        self.plan_by_name: dict[str, UUID] = {}  # the file's own plans, by casefolded name
        self.plan_ids: set[UUID] = set()
        self._seen: dict[str, dict[str, str]] = defaultdict(dict)
        self._names: list[str] | None = None

    def problem(self, where: str, message: str) -> None:
        self.problems.append((where, message))

    def tables(self, document: dict[str, Any], key: str) -> list[tuple[str, dict[str, Any]]]:
        """The tables of the array of tables `[[key]]`, with their paths."""
        value = document.get(key, [])
        if not isinstance(value, list):
            self.problem(key, f"expected an array of tables ([[{key}]]), got {kind(value)}")
            return []
        found = []
        for index, item in enumerate(value):
            if isinstance(item, dict):
                found.append((join(key, index), item))
            else:
                self.problem(join(key, index), f"expected a table, got {kind(item)}")
        return found

    def table(self, where: str, table: dict[str, Any], keys: Sequence[str]) -> None:
        """Note every key of `table` outside `keys`: a typo must not pass silently."""
        for key in table:
            if key not in keys:
                close = difflib.get_close_matches(key, keys, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.problem(join(where, key), f"unknown key {key!r}{hint}")

    def value(self, where: str, table: dict[str, Any], key: str, required: bool = True) -> Any:
        if key in table:
            return table[key]
        if required:
            self.problem(join(where, key), f"missing required key {key!r}")
        return _MISSING

    def string(
        self, where: str, table: dict[str, Any], key: str, required: bool = True
    ) -> str | None:
        value = self.value(where, table, key, required)
        if value is _MISSING:
            return None
        return self._string(join(where, key), value, "a string")

    def _string(self, where: str, value: object, expected: str) -> str | None:
        if not isinstance(value, str):
            self.problem(where, f"expected {expected}, got {kind(value)}")
            return None
        if not value.strip():
            self.problem(where, "must not be empty")
            return None
        return value.strip()

    def guid(self, where: str, table: dict[str, Any], key: str) -> UUID | None:
        value = self.string(where, table, key)
        if value is None:
            return None
        if not _GUID.fullmatch(value):
            self.problem(join(where, key), f"{value!r} is not a GUID (like {_EXAMPLE_GUID})")
            return None
        return UUID(value)

    def unique(self, namespace: str, where: str, key: str, label: str) -> bool:
        """False, noting it, when `key` was already used in `namespace` of this file."""
        first = self._seen[namespace].setdefault(key, where)
        if first != where:
            self.problem(where, f"{label} is already used at {first}")
        return first == where

    def declare_plan(self, where: str, plan_id: UUID | None, name: str | None) -> bool:
        """Record a plan of the file, unless it clashes with another of the file or base."""
        ok = plan_id is not None and name is not None
        if plan_id is not None:
            ok &= self.unique("plan id", join(where, "id"), str(plan_id), f"id {plan_id}")
            known = self.base.plan(plan_id)
            if known is not None and (name is None or known.name.casefold() != name.casefold()):
                self.problem(join(where, "id"), f"{plan_id} is already the id of {known.name}")
                ok = False
        if name is not None:
            ok &= self.unique("plan name", join(where, "name"), name.casefold(), repr(name))
            others = [p for p in self.base.plans_named(name) if p.id != plan_id]
            if others:
                self.problem(
                    join(where, "name"),
                    f"{name!r} is already plan {others[0].id}: refer to it, do not declare it",
                )
                ok = False
        if ok and plan_id is not None and name is not None:
            self.plan_by_name[name.casefold()] = plan_id
            self.plan_ids.add(plan_id)
        return ok

    def declare_product(self, where: str, sku_id: UUID | None, part: str | None) -> bool:
        """Record a product of the file, unless it clashes with another of the file or base."""
        ok = sku_id is not None and part is not None
        if sku_id is not None:
            ok &= self.unique("sku id", join(where, "sku_id"), str(sku_id), f"skuId {sku_id}")
            known = self.base.product(sku_id)
            if known is not None and (part is None or known.sku_part_number != part):
                self.problem(
                    join(where, "sku_id"),
                    f"{sku_id} is already the skuId of {known.sku_part_number}",
                )
                ok = False
        if part is not None:
            where_part = join(where, "sku_part_number")
            ok &= self.unique("sku part", where_part, part.casefold(), repr(part))
            known = self.base.product(part)
            if known is not None and known.sku_id != sku_id:
                self.problem(where_part, f"{part!r} is already the product {known.sku_id}")
                ok = False
        return ok

    def ref(self, where: str, value: object) -> UUID | None:
        """The id of the plan `value` names: a plan of the file or of the base, by name or id."""
        text = self._string(where, value, "a plan name or id (a string)")
        if text is None:
            return None
        if _GUID.fullmatch(text):
            plan_id = UUID(text)
            if plan_id in self.plan_ids or self.base.plan(plan_id) is not None:
                return plan_id
            self.problem(where, f"unknown plan id {text}")
            return None
        found = self.plan_by_name.get(text.casefold())
        if found is not None:
            return found
        matches = self.base.plans_named(text)
        if len(matches) == 1:
            return matches[0].id
        if matches:
            ids = ", ".join(sorted(str(p.id) for p in matches))
            self.problem(where, f"several plans are named {text!r}: use one of the ids {ids}")
        else:
            close = difflib.get_close_matches(text.upper(), self._known_names(), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            self.problem(where, f"unknown plan {text!r}{hint}")
        return None

    def _known_names(self) -> list[str]:
        if self._names is None:
            self._names = [p.name.upper() for p in self.base.plans]
            self._names += [name.upper() for name in self.plan_by_name]
        return self._names

    def plan_ref(self, where: str, table: dict[str, Any], key: str) -> UUID | None:
        value = self.value(where, table, key)
        return None if value is _MISSING else self.ref(join(where, key), value)

    def refs(
        self, where: str, table: dict[str, Any], key: str, at_least: int, what: str
    ) -> list[UUID] | None:
        """The plans of the array of references at `key`; None if any is wrong."""
        value = self.value(where, table, key)
        if value is _MISSING:
            return None
        return self._refs(join(where, key), value, at_least, what)

    def _refs(self, where: str, value: object, at_least: int, what: str) -> list[UUID] | None:
        if not isinstance(value, list):
            self.problem(where, f"expected an array of plan names or ids, got {kind(value)}")
            return None
        valid = len(value) >= at_least
        if not valid:
            count = "one plan" if at_least == 1 else f"{at_least} plans"
            self.problem(where, f"{what} needs at least {count}")
        found: dict[UUID, int] = {}
        for index, item in enumerate(value):
            plan_id = self.ref(join(where, index), item)
            if plan_id is None:
                valid = False
            elif plan_id in found:
                self.problem(join(where, index), f"same plan as {join(where, found[plan_id])}")
                valid = False
            else:
                found[plan_id] = index
        return list(found) if valid else None

    def alternatives(
        self, where: str, table: dict[str, Any], key: str, plan: UUID | None
    ) -> list[list[UUID]] | None:
        """`requires_any_of`: a non-empty array of non-empty arrays of plans."""
        value = self.value(where, table, key)
        where = join(where, key)
        if value is _MISSING:
            return None
        if not isinstance(value, list) or not value:
            self.problem(where, 'expected an array of arrays of plans, like [["A"], ["B", "C"]]')
            return None
        alternatives: list[list[UUID]] = []
        valid = True
        for index, item in enumerate(value):
            plans = self._refs(join(where, index), item, 1, "an alternative")
            if plans is not None and plan in plans:
                where_self = join(join(where, index), plans.index(plan))
                self.problem(where_self, "a plan cannot depend on itself")
                plans = None
            if plans is None:
                valid = False
            else:
                alternatives.append(plans)
        return alternatives if valid else None

    def countries(self, where: str, table: dict[str, Any], key: str) -> frozenset[str] | None:
        """An optional array of ISO 3166-1 alpha-2 codes."""
        value = self.value(where, table, key, required=False)
        where = join(where, key)
        if value is _MISSING:
            return None
        if not isinstance(value, list) or not value:
            self.problem(where, 'expected a non-empty array of country codes, like ["US", "CA"]')
            return None
        codes: set[str] = set()
        valid = True
        for index, code in enumerate(value):
            if isinstance(code, str) and is_country_code(code):
                codes.add(code)
                continue
            valid = False
            hint = ""
            if isinstance(code, str) and is_country_code(code.strip().upper()):
                hint = f" (write {code.strip().upper()!r})"
            self.problem(join(where, index), f"{code!r} is not an ISO 3166-1 alpha-2 code{hint}")
        return frozenset(codes) if valid else None
