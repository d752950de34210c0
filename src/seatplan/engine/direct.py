"""Synchronous checks: direct license changes, group license changes, usage location changes.

Each raises `LicenseRefused` with Graph's message, or returns when every rule holds; the
caller then applies the whole request. Nothing here writes anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from uuid import UUID

from seatplan.engine import errors
from seatplan.engine.model import Assignment
from seatplan.engine.rules import ProductConfig, RuleBook
from seatplan.engine.user_state import AppliedLicenses

Products = Mapping[UUID, frozenset[UUID]]
"""SKU → its disabled plans, as in an `addLicenses` list."""


def check_products(rules: RuleBook, products: Products, subscribed: Mapping[UUID, int]) -> None:
    """Every SKU is a company license and every disabled plan belongs to its product."""
    for sku_id, disabled in products.items():
        if sku_id not in rules.sku_plans or sku_id not in subscribed:
            raise errors.unknown_sku(sku_id)
        for plan in sorted(disabled - rules.sku_plans[sku_id]):
            raise errors.plan_not_in_product(plan, sku_id)


def check_direct_change(
    *,
    rules: RuleBook,
    usage_location: str | None,
    held: Sequence[Assignment],
    add: Products,
    remove: Sequence[UUID],
    available: Mapping[UUID, int],
) -> None:
    """Validate an `assignLicense` request on a user, all of it or none.

    `usage_location` is the user's own: a direct assignment never falls back to the
    organization's location (only group-based licensing does), so None is refused.
    """
    check_products(rules, add, available)
    direct = {row.sku_id for row in held if row.group_id is None}
    for sku_id in remove:
        if sku_id in add:
            raise errors.LicenseRefused(f"License {sku_id} cannot be both added and removed.")
        if sku_id not in direct:
            inherited = any(row.sku_id == sku_id for row in held)
            raise errors.inherited_only() if inherited else errors.not_assigned(sku_id)

    applied = AppliedLicenses()
    for row in held:
        if row.state.applied and row.sku_id in rules.sku_plans:
            applied.add(row.key, rules.config(row.sku_id, row.disabled_plans))
    before = applied.plans()
    holding = applied.skus()
    for sku_id in (*remove, *add):
        if (sku_id, None) in applied.configs:
            applied.remove((sku_id, None))
    added = [rules.config(sku_id, disabled) for sku_id, disabled in sorted(add.items())]

    if added and rules.prohibited_at(
        frozenset().union(*(c.enabled_plans for c in added)), usage_location
    ):
        raise errors.invalid_location()
    for config in added:
        if config.sku_id not in holding and available.get(config.sku_id, 0) <= 0:
            raise errors.no_seat(config.sku_id)
    for config in added:
        others = applied.plans().union(*(c.enabled_plans for c in added if c is not config))
        _refuse_conflict(rules, config, others)
        applied.add((config.sku_id, None), config)

    after = applied.plans()
    for plan in sorted(rules.dependent_plans & after):
        missing = rules.unmet(plan, after)
        if missing is not None and (plan not in before or rules.unmet(plan, before) is None):
            raise errors.depends_on(plan, missing)


def check_group_products(
    rules: RuleBook,
    products: Products,
    subscribed: Mapping[UUID, int],
    plan_name: Callable[[UUID], str],
) -> None:
    """A group's products exist, do not conflict, and carry their own prerequisites."""
    check_products(rules, products, subscribed)
    configs = [rules.config(sku_id, disabled) for sku_id, disabled in sorted(products.items())]
    group_plans: set[UUID] = set()
    for config in configs:
        others = set().union(*(c.enabled_plans for c in configs if c is not config))
        _refuse_conflict(rules, config, others)
        group_plans |= config.enabled_plans
    for plan in sorted(rules.dependent_plans & group_plans):
        missing = rules.unmet(plan, group_plans)
        if missing is not None:
            needed = sorted(plan_name(p) for p in missing)
            raise errors.group_missing_prerequisite(plan_name(plan), needed)


def check_location_change(
    rules: RuleBook, held: Sequence[Assignment], location: str | None
) -> None:
    """A user's direct licenses must stay usable at their new own `location` (None: none)."""
    for row in held:
        if row.group_id is None and row.state.applied and row.sku_id in rules.sku_plans:
            config = rules.config(row.sku_id, row.disabled_plans)
            if rules.prohibited_at(config.enabled_plans, location):
                raise errors.usage_location_prohibits(location or "(none)", row.sku_id)


def _refuse_conflict(
    rules: RuleBook, config: ProductConfig, others: frozenset[UUID] | set[UUID]
) -> None:
    if config.excludes(others):
        pair = rules.conflict(config.enabled_plans, others)
        assert pair is not None  # a plan of `others` shares a set with ours, so a pair exists
        raise errors.mutually_exclusive(*pair)
