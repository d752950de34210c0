"""The built-in Microsoft 365 catalog: facts administrators and the engine rely on."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from uuid import UUID

import pytest

from seatplan.catalog import (
    AmbiguousPlanNameError,
    Catalog,
    Product,
    ServicePlan,
    builtin_catalog,
)
from seatplan.catalog.builtin import catalog_from_json

ROOT = Path(__file__).resolve().parents[2]
# Microsoft's CSV and the rules file the packaged JSON was built from: beside a checkout of
# the project when the development setup provides them; the test comparing with them skips
# otherwise.
REFERENCE = ROOT.parent / "shared" / "reference"
E3 = UUID("6fd2c87f-b296-42f0-b197-1e91e994b900")  # as in Microsoft's CSV
E1 = UUID("18181a46-0d4e-45cd-891e-60aabd171b4e")
EXCHANGE_S_ENTERPRISE = UUID("efb87545-963c-4e0d-99df-69c6916d9eb0")
SHAREPOINTENTERPRISE = UUID("5dbe027f-2339-4123-9542-606e4d348a72")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return builtin_catalog()


def test_counts_match_microsofts_list(catalog: Catalog) -> None:
    assert len(catalog.products) == 413
    assert len(catalog.plans) == 568
    assert len({p.sku_id for p in catalog.products}) == 413
    assert len({p.id for p in catalog.plans}) == 568


def test_is_loaded_once() -> None:
    assert builtin_catalog() is builtin_catalog()


def test_office_365_e3(catalog: Catalog) -> None:
    e3 = catalog.product("ENTERPRISEPACK")
    assert e3 is not None
    assert e3.sku_id == E3
    assert e3.display_name == "Office 365 E3"
    assert {EXCHANGE_S_ENTERPRISE, SHAREPOINTENTERPRISE} <= set(e3.plan_ids)
    names = {catalog.plan(plan_id).name for plan_id in e3.plan_ids}  # type: ignore[union-attr]
    assert {"EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "TEAMS1"} <= names


@pytest.mark.parametrize("key", [E3, str(E3), str(E3).upper(), "enterprisepack", "EnterprisePack"])
def test_product_lookup_by_sku_id_or_part_number(catalog: Catalog, key: UUID | str) -> None:
    product = catalog.product(key)
    assert product is not None
    assert product.sku_id == E3


def test_unknown_lookups_return_none(catalog: Catalog) -> None:
    assert catalog.product("NO_SUCH_SKU") is None
    assert catalog.product(UUID(int=0)) is None
    assert catalog.plan("NO_SUCH_PLAN") is None
    assert catalog.plan(UUID(int=0)) is None


def test_plan_lookup_by_id_or_name(catalog: Catalog) -> None:
    plan = catalog.plan("exchange_s_enterprise")
    assert plan == catalog.plan(EXCHANGE_S_ENTERPRISE)
    assert plan == ServicePlan(
        EXCHANGE_S_ENTERPRISE, "EXCHANGE_S_ENTERPRISE", "Exchange Online (Plan 2)"
    )


def test_a_name_shared_by_two_plans_is_ambiguous(catalog: Catalog) -> None:
    # Microsoft's list gives PROJECT_ESSENTIALS two ids; both are real, both are kept.
    assert len(catalog.plans_named("PROJECT_ESSENTIALS")) == 2
    with pytest.raises(AmbiguousPlanNameError, match="PROJECT_ESSENTIALS"):
        catalog.plan("PROJECT_ESSENTIALS")


def test_csv_quirks_are_cleaned(catalog: Catalog) -> None:
    for plan in catalog.plans:
        for text in (plan.name, plan.friendly_name):
            assert text == " ".join(text.split()), text  # no tabs, no-break spaces, padding
    rms = catalog.plan(UUID("bea4c11e-220a-4e6d-8eb8-8ea15d019f90"))
    assert rms is not None
    assert rms.name == "RMS_S_ENTERPRISE"  # not the stray "RMS_S_ENTERPRISE)"
    autopatch = catalog.plan(UUID("9a6eeb79-0b4b-4bf0-9808-39d99a2cd5a3"))
    assert autopatch is not None
    assert autopatch.name == "Windows_Autopatch"


def test_every_reference_is_a_known_plan(catalog: Catalog) -> None:
    known = {plan.id for plan in catalog.plans}
    for product in catalog.products:
        assert product.plan_ids
        assert len(set(product.plan_ids)) == len(product.plan_ids)
        assert set(product.plan_ids) <= known
    for exclusive in catalog.exclusive_sets:
        assert len(exclusive.plan_ids) >= 2
        assert exclusive.plan_ids <= known
    for dependency in catalog.dependencies:
        assert dependency.plan_id in known
        assert all(alternative <= known for alternative in dependency.requires_any_of)


def test_exclusive_sets(catalog: Catalog) -> None:
    exchange = catalog.exclusive_set("Exchange Online")
    assert exchange is not None
    standard = catalog.plan("EXCHANGE_S_STANDARD")
    assert standard is not None
    assert {standard.id, EXCHANGE_S_ENTERPRISE} <= exchange.plan_ids
    # The rules file's Intune set names two plans no product carries: it is left out.
    assert catalog.exclusive_set("Intune") is None


def test_dependencies_resolve_names_to_ids(catalog: Catalog) -> None:
    lockbox = catalog.plan("LOCKBOX_ENTERPRISE")
    assert lockbox is not None
    dependency = catalog.dependency(lockbox.id)
    assert dependency is not None
    assert frozenset({SHAREPOINTENTERPRISE, EXCHANGE_S_ENTERPRISE}) in dependency.requires_any_of
    assert len(dependency.requires_any_of) == 3


def test_dependencies_hold_inside_bundles(catalog: Catalog) -> None:
    # A bundle carrying a dependent plan and any of its prerequisites carries a whole set.
    for product in catalog.products:
        plans = set(product.plan_ids)
        for plan_id in product.plan_ids:
            dependency = catalog.dependency(plan_id)
            if dependency and any(alt & plans for alt in dependency.requires_any_of):
                assert any(alt <= plans for alt in dependency.requires_any_of), product


def test_location_restrictions(catalog: Catalog) -> None:
    everywhere, calling = catalog.location_restrictions
    assert everywhere.plan_ids is None
    assert everywhere.prohibited == {"CU", "IR", "KP", "SY"}
    assert everywhere.allowed is None
    pstn1 = catalog.plan("MCOPSTN1")
    assert pstn1 is not None
    assert calling.plan_ids is not None
    assert pstn1.id in calling.plan_ids
    assert calling.allowed is not None
    assert {"US", "GB", "DE"} <= calling.allowed


def test_merged_with_adds_and_replaces(catalog: Catalog) -> None:
    renamed = ServicePlan(EXCHANGE_S_ENTERPRISE, "EXCHANGE_S_ENTERPRISE", "Mail")
    extra = Product(UUID(int=1), "EXTRA", "Extra", (EXCHANGE_S_ENTERPRISE,))
    merged = catalog.merged_with(Catalog(plans=(renamed,), products=(extra,)))
    assert len(merged.plans) == 568
    assert len(merged.products) == 414
    assert merged.plan(EXCHANGE_S_ENTERPRISE) == renamed
    assert merged.product("extra") == extra
    original = catalog.plan(EXCHANGE_S_ENTERPRISE)
    assert original is not None
    assert original != renamed  # the original catalog is untouched
    assert merged.plans.index(renamed) == catalog.plans.index(original)  # replaced in place


def test_json_round_trips_through_the_loader() -> None:
    data = json.loads((ROOT / "src/seatplan/catalog/data/microsoft365.json").read_text("utf-8"))
    assert catalog_from_json(data) == builtin_catalog()
    with pytest.raises(ValueError, match="format"):
        catalog_from_json({**data, "format": 99})


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="reference files not available")
def test_packaged_json_is_what_the_script_builds(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "build", ROOT / "scripts/build_builtin_catalog.py"
    )
    assert spec is not None
    assert spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    output = tmp_path / "catalog.json"
    csv_file = REFERENCE / "microsoft-products-and-service-plans.csv"
    rules_file = REFERENCE / "service-plan-rules.json"
    assert script.main([str(csv_file), str(rules_file), "--output", str(output)]) == 0
    packaged = ROOT / "src/seatplan/catalog/data/microsoft365.json"
    assert output.read_bytes() == packaged.read_bytes()
