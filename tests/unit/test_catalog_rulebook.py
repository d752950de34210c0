"""The catalog as the engine sees it: conflicts, prerequisites and locations."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from seatplan.catalog import Catalog, builtin_catalog, parse_catalog_file, to_rulebook
from seatplan.engine.rules import RuleBook

ROOT = Path(__file__).resolve().parents[2]
E3 = UUID("6fd2c87f-b296-42f0-b197-1e91e994b900")
E1 = UUID("18181a46-0d4e-45cd-891e-60aabd171b4e")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return builtin_catalog()


@pytest.fixture(scope="module")
def rules(catalog: Catalog) -> RuleBook:
    return to_rulebook(catalog)


def plan_id(catalog: Catalog, name: str) -> UUID:
    plan = catalog.plan(name)
    assert plan is not None, name
    return plan.id


def test_every_product_is_known(catalog: Catalog, rules: RuleBook) -> None:
    assert len(rules.sku_plans) == 413
    assert rules.sku_plans[E3] == frozenset(catalog.product(E3).plan_ids)  # type: ignore[union-attr]


def test_e1_and_e3_conflict_on_exchange_and_sharepoint(catalog: Catalog, rules: RuleBook) -> None:
    exchange_1, exchange_2 = (
        plan_id(catalog, n) for n in ("EXCHANGE_S_STANDARD", "EXCHANGE_S_ENTERPRISE")
    )
    sharepoint_1, sharepoint_2 = (
        plan_id(catalog, n) for n in ("SHAREPOINTSTANDARD", "SHAREPOINTENTERPRISE")
    )
    e1, e3 = rules.sku_plans[E1], rules.sku_plans[E3]

    assert rules.conflict(e1, e3) in {(exchange_1, exchange_2), (sharepoint_1, sharepoint_2)}
    assert rules.conflict(e1, e3 - {exchange_2}) == (sharepoint_1, sharepoint_2)
    assert rules.conflict(e1, e3 - {sharepoint_2}) == (exchange_1, exchange_2)
    # Disabling both plans on E3 is how an administrator lets a user hold both products.
    assert (
        rules.conflict(e1, rules.config(E3, frozenset({exchange_2, sharepoint_2})).enabled_plans)
        is None
    )


def test_the_same_plan_from_two_products_is_no_conflict(rules: RuleBook) -> None:
    assert rules.conflict(rules.sku_plans[E3], rules.sku_plans[E3]) is None


def test_dependencies(catalog: Catalog, rules: RuleBook) -> None:
    project = plan_id(catalog, "SHAREPOINT_PROJECT")
    sharepoint = plan_id(catalog, "SHAREPOINTENTERPRISE")
    assert rules.unmet(project, frozenset({project})) == frozenset({sharepoint})
    assert rules.unmet(project, frozenset({project, sharepoint})) is None
    # OR of ANDs: Workplace Analytics needs Exchange Online Plan 1 or Plan 2.
    analytics = plan_id(catalog, "WORKPLACE_ANALYTICS")
    assert rules.unmet(analytics, {plan_id(catalog, "EXCHANGE_S_STANDARD")}) is None
    assert rules.unmet(analytics, {plan_id(catalog, "EXCHANGE_S_ENTERPRISE")}) is None
    assert rules.unmet(analytics, set()) is not None


def test_location_rules(catalog: Catalog, rules: RuleBook) -> None:
    e3 = rules.sku_plans[E3]
    assert not rules.prohibited_at(e3, "US")
    assert rules.prohibited_at(e3, "IR")  # every plan, embargoed country
    assert rules.prohibited_at(e3, None)  # no usage location at all
    calling = frozenset({plan_id(catalog, "MCOPSTN1")})
    assert not rules.prohibited_at(calling, "GB")
    assert rules.prohibited_at(calling, "BR")  # outside the allowed list


def test_custom_catalog_rules_join_the_builtin_ones(catalog: Catalog) -> None:
    custom = parse_catalog_file(ROOT / "docs/examples/contoso-catalog.toml", catalog)
    merged = catalog.merged_with(custom)
    rules = to_rulebook(merged)
    standard, premium = (
        merged.product("CONTOSO_FIELD_STANDARD"),
        merged.product("CONTOSO_FIELD_PREMIUM"),
    )
    assert standard is not None
    assert premium is not None
    basic, pro = plan_id(merged, "CONTOSO_FIELD_BASIC"), plan_id(merged, "CONTOSO_FIELD_PRO")
    assert rules.conflict(rules.sku_plans[standard.sku_id], rules.sku_plans[premium.sku_id]) == (
        basic,
        pro,
    )
    assert rules.prohibited_at(frozenset({pro}), "FR")
    assert not rules.prohibited_at(frozenset({pro}), "CA")
    analytics = plan_id(merged, "CONTOSO_ANALYTICS")
    assert rules.unmet(analytics, {basic}) is not None
    assert rules.unmet(analytics, {basic, plan_id(merged, "EXCHANGE_S_ENTERPRISE")}) is None
    assert rules.prohibited_at(frozenset({analytics}), "CN")
