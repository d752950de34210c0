"""Build src/seatplan/catalog/data/microsoft365.json from Microsoft's CSV and the rules file.

Usage: python scripts/build_builtin_catalog.py CSV RULES [--output JSON]

CSV is Microsoft's list of products and service plans, RULES the rules file (both described
in docs/catalog.md; neither ships with the project). The output is deterministic (sorted),
so a rebuild from the same inputs changes nothing in git.

Quirks of Microsoft's CSV handled here (see docs/catalog.md):
- exact duplicate rows are dropped;
- stray whitespace (tabs, no-break spaces, a BOM) is collapsed or removed;
- a plan id listed under several names gets one canonical name (see `_canonical_name`);
- one name (PROJECT_ESSENTIALS) belongs to two plan ids: both are kept, as in Graph;
- a plan's friendly name varies by product: the most telling one is kept.
The rules file's exclusive sets name five retired plans that no product of the CSV
carries: they are left out (with a note on stderr), and so is a set left with one plan.
A rule naming a plan that is nowhere, or with an id that contradicts the CSV, fails.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any
from uuid import UUID

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "src" / "seatplan" / "catalog" / "data" / "microsoft365.json"
COLUMNS = [
    "Product_Display_Name",
    "String_Id",
    "GUID",
    "Service_Plan_Name",
    "Service_Plan_Id",
    "Service_Plans_Included_Friendly_Names",
]


class BuildError(Exception):
    """The inputs cannot make a consistent catalog."""


def _clean(value: str) -> str:
    # str.split() also splits on tabs and no-break spaces, both present in the CSV.
    return " ".join(value.replace("\ufeff", "").split())


def _balanced(name: str) -> bool:
    return name.count("(") == name.count(")")


def _canonical_name(names: Counter[str]) -> str:
    """Prefer identifier-like names, then balanced parentheses, then the most used,
    then mixed case (Microsoft's upper-cased tables lose the real casing)."""
    return max(
        names,
        key=lambda n: (" " not in n, _balanced(n), names[n], not n.isupper(), n),
    )


def _friendly_name(names: Counter[str], plan_names: set[str]) -> str:
    """Prefer a real description over a repeated plan name or an upper-cased copy."""
    return max(
        names,
        key=lambda n: (n not in plan_names, _balanced(n), not n.isupper(), names[n], n),
    )


def _warn(message: str) -> None:
    print(f"build_builtin_catalog: note: {message}", file=sys.stderr)


def _uuid(value: str, where: str) -> str:
    try:
        return str(UUID(value))
    except ValueError:
        raise BuildError(f"{where}: invalid GUID {value!r}") from None


def read_csv(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Plans and products of Microsoft's CSV, de-duplicated and cleaned."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [_clean(cell) for cell in next(reader)]
        if header != COLUMNS:
            raise BuildError(f"{path}: unexpected header {header}")
        rows = {tuple(_clean(cell) for cell in row) for row in reader if any(row)}
    plan_names: dict[str, Counter[str]] = defaultdict(Counter)
    friendly: dict[str, Counter[str]] = defaultdict(Counter)
    products: dict[str, dict[str, Any]] = {}
    for display, part, sku, plan_name, plan, friendly_name in sorted(rows):
        sku_id, plan_id = _uuid(sku, part), _uuid(plan, f"{part}/{plan_name}")
        plan_names[plan_id][plan_name] += 1
        friendly[plan_id][friendly_name] += 1
        product = products.setdefault(
            sku_id, {"skuId": sku_id, "skuPartNumber": part, "displayName": display}
        )
        if (product["skuPartNumber"], product["displayName"]) != (part, display):
            raise BuildError(f"skuId {sku_id} has two names: {product} and {part}/{display}")
        product.setdefault("planIds", set()).add(plan_id)
    parts = Counter(p["skuPartNumber"].casefold() for p in products.values())
    if doubled := [part for part, count in parts.items() if count > 1]:
        raise BuildError(f"skuPartNumbers used by several skuIds: {doubled}")
    plans = [
        {
            "id": plan_id,
            "name": _canonical_name(names),
            "friendlyName": _friendly_name(friendly[plan_id], set(names)),
            "aliases": sorted(names),
        }
        for plan_id, names in sorted(plan_names.items())
    ]
    for product in products.values():
        product["planIds"] = sorted(product["planIds"])
    return plans, sorted(products.values(), key=lambda p: p["skuId"])


class _Names:
    """Resolves the plan names of the rules file, through every name the CSV uses."""

    def __init__(self, plans: list[dict[str, Any]]) -> None:
        self.ids: dict[str, set[str]] = defaultdict(set)
        self.known_ids = {plan["id"] for plan in plans}
        for plan in plans:
            for name in plan["aliases"]:
                self.ids[name].add(plan["id"])

    def id(self, name: str, expected: str | None = None) -> str:
        found = self.ids.get(name, set())
        if len(found) != 1:
            problem = "unknown" if not found else f"ambiguous ({sorted(found)})"
            raise BuildError(f"rules file: plan {name!r} is {problem}")
        (plan_id,) = found
        if expected is not None and _uuid(expected, name) != plan_id:
            raise BuildError(f"rules file: {name} has id {expected}, the CSV says {plan_id}")
        return plan_id


def read_rules(path: Path, names: _Names) -> dict[str, list[dict[str, Any]]]:
    """Exclusive sets, dependencies and location restrictions, with plan ids."""
    rules = json.loads(path.read_text(encoding="utf-8-sig"))
    exclusive = []
    for rule in rules["mutuallyExclusive"]:
        name, plan_ids = _clean(rule["service"]), set()
        for plan in rule["plans"]:
            if plan["name"] in names.ids or plan.get("id") in names.known_ids:
                plan_ids.add(names.id(plan["name"], plan.get("id")))
            elif plan.get("id"):
                # Microsoft's table lists a few retired plans that no product carries.
                _warn(f"set {name!r}: {plan['name']} is in no product, left out")
            else:
                names.id(plan["name"])  # raises: unknown
        if len(plan_ids) < 2:
            _warn(f"set {name!r}: fewer than two plans in the catalog, left out")
            continue
        exclusive.append({"name": name, "planIds": sorted(plan_ids)})
    dependencies = [
        {
            "planId": names.id(rule["plan"], rule.get("planId")),
            # The order of alternatives is kept: the first one is named in error messages.
            "requiresAnyOf": [sorted({names.id(n) for n in alt}) for alt in rule["requiresAnyOf"]],
        }
        for rule in rules["dependencies"]
    ]
    restrictions = []
    for rule in rules["usageLocationRestrictions"]:
        plans = rule["plans"]
        prohibited, allowed = rule.get("prohibitedLocations"), rule.get("allowedLocations")
        if (prohibited is None) == (allowed is None):
            raise BuildError(f"rules file: {rule} needs prohibited or allowed locations")
        restrictions.append(
            {
                "planIds": None if plans == "*" else sorted({names.id(n) for n in plans}),
                "prohibited": sorted(prohibited or []),
                "allowed": None if allowed is None else sorted(allowed),
                "note": rule.get("note", ""),
            }
        )
    for kind, items, key in (("set", exclusive, "name"), ("dependency", dependencies, "planId")):
        if len({item[key] for item in items}) != len(items):
            raise BuildError(f"rules file: a {kind} is listed twice")
    return {
        "exclusiveSets": sorted(exclusive, key=lambda s: s["name"]),
        "dependencies": sorted(dependencies, key=lambda d: d["planId"]),
        "locationRestrictions": restrictions,
    }


def build(csv_path: Path, rules_path: Path) -> dict[str, Any]:
    plans, products = read_csv(csv_path)
    rules = read_rules(rules_path, _Names(plans))
    for plan in plans:
        del plan["aliases"]  # only needed to resolve the rules file
    return {"format": 1, "plans": plans, "products": products, **rules}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("rules", type=Path)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    try:
        catalog = build(args.csv, args.rules)
    except (BuildError, KeyError, OSError) as error:
        print(f"build_builtin_catalog: {error}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(catalog, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    args.output.write_text(text + "\n", encoding="utf-8")
    print(
        f"{args.output}: {len(catalog['products'])} products, {len(catalog['plans'])} plans, "
        f"{len(catalog['exclusiveSets'])} exclusive sets, "
        f"{len(catalog['dependencies'])} dependencies, "
        f"{len(catalog['locationRestrictions'])} location restrictions"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
