"""The built-in Microsoft 365 catalog, shipped as JSON inside the package.

`scripts/build_builtin_catalog.py` generates the JSON from Microsoft's published CSV and
`service-plan-rules.json`; this module only reads it.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any
from uuid import UUID

from seatplan.catalog.model import (
    Catalog,
    Dependency,
    ExclusiveSet,
    LocationRestriction,
    Product,
    ServicePlan,
)

_RESOURCE = "microsoft365.json"
_FORMAT = 1


def _ids(values: list[str]) -> frozenset[UUID]:
    return frozenset(UUID(value) for value in values)


def catalog_from_json(data: dict[str, Any]) -> Catalog:
    """A catalog from the JSON shape the build script writes."""
    if data.get("format") != _FORMAT:
        raise ValueError(f"unsupported catalog format {data.get('format')!r}")
    return Catalog(
        plans=tuple(
            ServicePlan(UUID(p["id"]), p["name"], p["friendlyName"]) for p in data["plans"]
        ),
        products=tuple(
            Product(
                sku_id=UUID(p["skuId"]),
                sku_part_number=p["skuPartNumber"],
                display_name=p["displayName"],
                plan_ids=tuple(UUID(plan) for plan in p["planIds"]),
            )
            for p in data["products"]
        ),
        exclusive_sets=tuple(
            ExclusiveSet(s["name"], _ids(s["planIds"])) for s in data["exclusiveSets"]
        ),
        dependencies=tuple(
            Dependency(UUID(d["planId"]), tuple(_ids(alt) for alt in d["requiresAnyOf"]))
            for d in data["dependencies"]
        ),
        location_restrictions=tuple(
            LocationRestriction(
                plan_ids=None if r["planIds"] is None else _ids(r["planIds"]),
                prohibited=frozenset(r["prohibited"]),
                allowed=None if r["allowed"] is None else frozenset(r["allowed"]),
                note=r["note"],
            )
            for r in data["locationRestrictions"]
        ),
    )


@cache
def builtin_catalog() -> Catalog:
    """Microsoft's 413 products and 568 service plans with their rules (read once)."""
    text = resources.files("seatplan.catalog").joinpath("data", _RESOURCE).read_text("utf-8")
    return catalog_from_json(json.loads(text))
