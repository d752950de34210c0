"""From a catalog to the engine's `RuleBook`."""

from __future__ import annotations

from seatplan.catalog.model import Catalog
from seatplan.engine.rules import LocationRule, RuleBook


def to_rulebook(catalog: Catalog) -> RuleBook:
    """The rules of `catalog` in the shape the engine evaluates.

    Build it once per catalog version and share it: the RuleBook caches what it derives.
    """
    return RuleBook(
        sku_plans={p.sku_id: frozenset(p.plan_ids) for p in catalog.products},
        exclusive_sets=tuple(s.plan_ids for s in catalog.exclusive_sets),
        dependencies={d.plan_id: d.requires_any_of for d in catalog.dependencies},
        location_rules=tuple(
            LocationRule(plans=r.plan_ids, prohibited=r.prohibited, allowed=r.allowed)
            for r in catalog.location_restrictions
        ),
    )
