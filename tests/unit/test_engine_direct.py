"""Synchronous checks: direct license changes, a group's products, usage location changes.

Messages are Microsoft Graph's, as listed in docs/behaviour.md ("Direct assignment").
"""

from __future__ import annotations

import pytest
from engine_fixtures import (
    ADDON,
    ADDON_SKU,
    ALL_SKUS,
    ARCHIVE,
    ARCHIVE_SKU,
    CALLING,
    E1,
    E3,
    EXO1,
    EXO2,
    EXO_P2,
    GROUP_A,
    PROHIBITED_COUNTRY,
    RULES,
    SPO1,
    SPO2,
    TEAMS,
    TEAMS_SKU,
    UNKNOWN_PLAN,
    UNKNOWN_SKU,
    active,
    by_key,
    case,
    direct,
    direct_change,
    evaluate,
    plan_name,
    row,
    status,
    via,
)

from seatplan.engine import (
    ErrorKind,
    LicenseRefused,
    State,
    check_group_products,
    check_location_change,
)

INVALID_LOCATION = "License assignment cannot be done for user with invalid usage location."
INHERITED = (
    "User license is inherited from a group membership and it cannot be removed "
    "directly from the user."
)


def no_seat(sku) -> str:
    return f"Subscription with SKU {sku} does not have any available licenses."


def exclusive(a, b) -> str:
    return f"License assignment failed because service plans {a},{b} are mutually exclusive."


def depends(plan, *needs) -> str:
    return (
        f"License assignment failed because service plan {plan} depends on the service "
        f"plan(s) {','.join(str(n) for n in needs)}."
    )


def unknown(sku) -> str:
    return f"License {sku} does not correspond to a valid company License."


def group_needs(plan, *needs) -> str:
    return (
        "License operation failed. Make sure that the group has necessary services before "
        "adding or removing a dependent service. The service "
        f"{plan} requires {','.join(needs)} to be enabled as well."
    )


def refused(**kwargs) -> str:
    with pytest.raises(LicenseRefused) as caught:
        direct_change(**kwargs)
    assert str(caught.value) == caught.value.message
    return caught.value.message


def group_refused(products, subscribed=None) -> str:
    with pytest.raises(LicenseRefused) as caught:
        group_check(products, subscribed)
    return caught.value.message


def group_check(products, subscribed=None) -> None:
    check_group_products(
        RULES,
        {sku: frozenset(disabled) for sku, disabled in products.items()},
        dict.fromkeys(ALL_SKUS, 10) if subscribed is None else subscribed,
        plan_name,
    )


# --- check_direct_change: what passes ------------------------------------------------------


def test_a_valid_direct_license_passes() -> None:
    direct_change(add={E3: ()})


def test_several_valid_licenses_in_one_request_pass() -> None:
    direct_change(add={E3: (), ADDON_SKU: (), CALLING: ()}, location="GB")


# --- check_direct_change: each refusal and its message -------------------------------------


def test_no_usage_location_is_refused() -> None:
    assert refused(add={TEAMS_SKU: ()}, location=None) == INVALID_LOCATION


def test_a_usage_location_where_a_plan_is_prohibited_is_refused() -> None:
    assert refused(add={CALLING: ()}, location="FR") == INVALID_LOCATION
    assert refused(add={TEAMS_SKU: ()}, location=PROHIBITED_COUNTRY) == INVALID_LOCATION


def test_the_prohibited_plan_can_be_disabled_instead() -> None:
    direct_change(add={E3: ()}, location="FR")


def test_no_seat_is_refused() -> None:
    available = dict.fromkeys(ALL_SKUS, 10) | {E3: 0}
    assert refused(add={E3: ()}, available=available) == no_seat(E3)


def test_over_allocated_product_is_refused() -> None:
    available = dict.fromkeys(ALL_SKUS, 10) | {E3: -3}
    assert refused(add={E3: ()}, available=available) == no_seat(E3)


def test_mutually_exclusive_plans_are_refused_naming_both_plans() -> None:
    held = active(direct(EXO_P2))

    message = refused(held=held, add={E1: (SPO1,)})

    assert message == exclusive(EXO1, EXO2)


def test_a_conflict_with_a_group_license_is_refused() -> None:
    held = active(via(GROUP_A, E3, SPO2))

    assert refused(held=held, add={E1: (SPO1,)}) == exclusive(EXO1, EXO2)


def test_a_conflict_between_two_products_of_the_request_is_refused() -> None:
    assert refused(add={E1: (SPO1,), EXO_P2: ()}) == exclusive(EXO1, EXO2)


def test_a_conflict_on_several_plans_names_one_conflicting_pair() -> None:
    message = refused(held=active(direct(E1)), add={E3: ()})

    assert message in {exclusive(EXO1, EXO2), exclusive(SPO1, SPO2)}


def test_a_conflict_with_an_assignment_in_error_is_no_conflict() -> None:
    held = [row(E3, GROUP_A, state=State.ERROR, error=ErrorKind.COUNT)]

    direct_change(held=held, add={E1: ()})


def test_the_same_plan_from_another_source_is_no_conflict() -> None:
    direct_change(held=active(via(GROUP_A, E3)), add={EXO_P2: ()})


def test_a_missing_prerequisite_is_refused() -> None:
    assert refused(add={ADDON_SKU: ()}) == depends(ADDON, EXO2)


def test_a_prerequisite_may_come_from_a_group() -> None:
    direct_change(held=active(via(GROUP_A, E3)), add={ADDON_SKU: ()})


def test_a_prerequisite_may_come_in_the_same_request() -> None:
    direct_change(add={ADDON_SKU: (), EXO_P2: ()})


def test_a_prerequisite_disabled_on_the_held_license_is_missing() -> None:
    held = active(direct(E3, EXO2))

    assert refused(held=held, add={ADDON_SKU: ()}) == depends(ADDON, EXO2)


def test_any_one_alternative_of_a_prerequisite_is_enough() -> None:
    direct_change(held=active(direct(E1)), add={ARCHIVE_SKU: ()})
    direct_change(held=active(via(GROUP_A, E3)), add={ARCHIVE_SKU: ()})


def test_a_missing_prerequisite_with_alternatives_names_one_of_them() -> None:
    assert refused(add={ARCHIVE_SKU: ()}) in {depends(ARCHIVE, EXO1), depends(ARCHIVE, EXO2)}


def test_a_prerequisite_held_only_by_an_assignment_in_error_is_missing() -> None:
    held = [row(E3, GROUP_A, state=State.ERROR, error=ErrorKind.COUNT)]

    assert refused(held=held, add={ADDON_SKU: ()}) == depends(ADDON, EXO2)


def test_an_unknown_sku_is_refused() -> None:
    assert refused(add={UNKNOWN_SKU: ()}) == unknown(UNKNOWN_SKU)


def test_a_catalog_sku_the_organization_has_no_subscription_for_is_refused() -> None:
    available = {sku: 10 for sku in ALL_SKUS if sku != CALLING}

    assert refused(add={CALLING: ()}, available=available) == unknown(CALLING)


def test_a_disabled_plan_that_is_not_part_of_the_product_is_refused_naming_it() -> None:
    message = refused(add={E3: (SPO2, EXO1)})

    assert str(EXO1) in message
    assert str(SPO2) not in message


def test_an_unknown_disabled_plan_is_refused_naming_it() -> None:
    assert str(UNKNOWN_PLAN) in refused(add={E3: (UNKNOWN_PLAN,)})


def test_removing_a_license_the_user_only_inherits_is_refused() -> None:
    assert refused(held=active(via(GROUP_A, E3)), remove=[E3]) == INHERITED


def test_removing_a_license_in_error_the_user_only_inherits_is_refused() -> None:
    held = [row(E3, GROUP_A, state=State.ERROR, error=ErrorKind.COUNT)]

    assert refused(held=held, remove=[E3]) == INHERITED


def test_removing_the_direct_license_of_a_product_also_inherited_passes() -> None:
    direct_change(held=active(direct(E3), via(GROUP_A, E3)), remove=[E3])


def test_removing_a_license_the_user_does_not_have_is_refused() -> None:
    assert str(E3) in refused(remove=[E3])


def test_removing_a_direct_license_another_plan_depends_on_is_refused() -> None:
    held = active(direct(EXO_P2), direct(ADDON_SKU))

    assert refused(held=held, remove=[EXO_P2]) == depends(ADDON, EXO2)


def test_removing_a_direct_prerequisite_that_a_group_also_gives_passes() -> None:
    direct_change(held=active(direct(EXO_P2), direct(ADDON_SKU), via(GROUP_A, E3)), remove=[EXO_P2])


def test_removing_the_dependent_and_its_prerequisite_together_passes() -> None:
    direct_change(held=active(direct(EXO_P2), direct(ADDON_SKU)), remove=[EXO_P2, ADDON_SKU])


def test_removing_needs_no_usage_location() -> None:
    direct_change(held=active(direct(E3)), remove=[E3], location=None)


def test_a_problem_the_request_did_not_cause_does_not_refuse_it() -> None:
    # ADDON lost its prerequisite earlier (say E3's subscription was disabled).
    held = (*active(direct(ADDON_SKU)), row(E3, GROUP_A, state=State.DISABLED))

    direct_change(held=held, add={TEAMS_SKU: ()})


def test_adding_and_removing_the_same_license_is_refused() -> None:
    assert str(E3) in refused(held=active(direct(E3)), add={E3: ()}, remove=[E3])


# --- All or nothing ------------------------------------------------------------------------


NO_E3 = dict.fromkeys(ALL_SKUS, 10) | {E3: 0}


@pytest.mark.parametrize(
    ("held", "add", "remove", "location", "available", "expected"),
    [
        ((), {TEAMS_SKU: (), ADDON_SKU: ()}, [], "US", None, depends(ADDON, EXO2)),
        ((), {TEAMS_SKU: (), UNKNOWN_SKU: ()}, [], "US", None, unknown(UNKNOWN_SKU)),
        ((), {TEAMS_SKU: (), E1: (), EXO_P2: ()}, [], "US", None, exclusive(EXO1, EXO2)),
        ((), {TEAMS_SKU: (), CALLING: ()}, [], "FR", None, INVALID_LOCATION),
        ((), {TEAMS_SKU: (), E3: ()}, [], "US", NO_E3, no_seat(E3)),
        (
            active(direct(EXO_P2), direct(ADDON_SKU)),
            {TEAMS_SKU: ()},
            [EXO_P2],
            "US",
            None,
            depends(ADDON, EXO2),
        ),
        (active(direct(TEAMS_SKU), via(GROUP_A, E3)), {}, [TEAMS_SKU, E3], "US", None, INHERITED),
    ],
    ids=["dependency", "unknown", "conflict", "location", "seat", "removal", "inherited"],
)
def test_one_bad_license_refuses_the_whole_request(
    held, add, remove, location, available, expected
) -> None:
    message = refused(held=held, add=add, remove=remove, location=location, available=available)

    assert message == expected


# --- Re-assigning a product the user holds directly ----------------------------------------


def test_reassigning_a_direct_license_replaces_its_disabled_plans_to_end_a_conflict() -> None:
    # Alice has E1 directly; group A's E3 fails on Exchange and SharePoint.
    held = (
        *active(direct(E1)),
        row(E3, GROUP_A, state=State.ERROR, error=ErrorKind.MUTUALLY_EXCLUSIVE),
    )
    direct_change(held=held, add={E1: (EXO1, SPO1)})

    # The service records the new disabled plans; the group is evaluated again.
    after = (*active(direct(E1, EXO1, SPO1)), held[1])
    out = evaluate(case(intents=[direct(E1, EXO1, SPO1), via(GROUP_A, E3)], held=after))

    assert status(out, E3, GROUP_A) == (State.ACTIVE, None)
    assert by_key(out)[(E1, None)].disabled_plans == {EXO1, SPO1}


def test_reassigning_a_direct_license_is_checked_against_the_new_plans_only() -> None:
    held = active(direct(E1, EXO1, SPO1), via(GROUP_A, E3))

    assert refused(held=held, add={E1: (SPO1,)}) == exclusive(EXO1, EXO2)
    direct_change(held=held, add={E1: (EXO1, SPO1, TEAMS)})


def test_reassigning_a_direct_license_that_disables_a_prerequisite_is_refused() -> None:
    held = active(direct(E3), direct(ADDON_SKU))

    assert refused(held=held, add={E3: (EXO2,)}) == depends(ADDON, EXO2)


def test_reassigning_a_held_license_needs_no_new_seat() -> None:
    available = dict.fromkeys(ALL_SKUS, 0)

    direct_change(held=active(direct(E1)), add={E1: (SPO1,)}, available=available)


def test_a_direct_license_of_a_product_inherited_from_a_group_needs_no_new_seat() -> None:
    available = dict.fromkeys(ALL_SKUS, 0)

    direct_change(held=active(via(GROUP_A, E3)), add={E3: ()}, available=available)


# --- check_group_products -----------------------------------------------------------------


def test_a_group_whose_products_carry_their_own_prerequisites_passes() -> None:
    group_check({E3: (), ADDON_SKU: (), TEAMS_SKU: ()})


def test_a_group_with_conflicting_products_is_refused() -> None:
    assert group_refused({E1: (SPO1,), E3: (SPO2,)}) == exclusive(EXO1, EXO2)


def test_a_group_may_disable_the_conflicting_plans_of_its_products() -> None:
    group_check({E1: (EXO1, SPO1), E3: ()})


def test_a_group_missing_a_prerequisite_is_refused_with_plan_names() -> None:
    assert group_refused({ADDON_SKU: ()}) == group_needs(
        "EXCHANGE_ANALYTICS", "EXCHANGE_S_ENTERPRISE"
    )


def test_a_group_disabling_a_prerequisite_of_its_own_plan_is_refused() -> None:
    assert group_refused({E3: (EXO2,), ADDON_SKU: ()}) == group_needs(
        "EXCHANGE_ANALYTICS", "EXCHANGE_S_ENTERPRISE"
    )


def test_a_group_prerequisite_with_alternatives_is_met_by_any_of_them() -> None:
    group_check({E1: (), ARCHIVE_SKU: ()})
    assert group_refused({ARCHIVE_SKU: ()}) in {
        group_needs("EXCHANGE_ARCHIVE", "EXCHANGE_S_STANDARD"),
        group_needs("EXCHANGE_ARCHIVE", "EXCHANGE_S_ENTERPRISE"),
    }


def test_a_group_with_a_dependent_plan_disabled_needs_no_prerequisite() -> None:
    group_check({ADDON_SKU: (ADDON,)})


def test_a_group_with_an_unknown_sku_is_refused() -> None:
    assert group_refused({E3: (), UNKNOWN_SKU: ()}) == unknown(UNKNOWN_SKU)
    assert group_refused({CALLING: ()}, subscribed={E3: 1}) == unknown(CALLING)


def test_a_group_disabling_a_plan_not_in_the_product_is_refused_naming_it() -> None:
    assert str(EXO1) in group_refused({E3: (EXO1,)})


def test_a_group_is_not_checked_for_seats_or_locations() -> None:
    group_check({CALLING: (), E3: ()}, subscribed=dict.fromkeys(ALL_SKUS, 0))


# --- check_location_change ----------------------------------------------------------------


def test_moving_a_user_where_a_direct_plan_is_allowed_passes() -> None:
    check_location_change(RULES, active(direct(CALLING)), "GB")


@pytest.mark.parametrize("location", ["FR", PROHIBITED_COUNTRY, None])
def test_moving_a_user_where_a_direct_plan_is_prohibited_is_refused(location) -> None:
    with pytest.raises(LicenseRefused) as caught:
        check_location_change(RULES, active(direct(CALLING), direct(E3)), location)

    assert str(CALLING) in caught.value.message


def test_moving_a_user_is_not_refused_for_a_disabled_prohibited_plan() -> None:
    check_location_change(RULES, active(direct(CALLING, *RULES.sku_plans[CALLING])), "FR")


def test_moving_a_user_is_not_refused_for_group_licenses_they_are_evaluated_instead() -> None:
    held = active(via(GROUP_A, CALLING))
    check_location_change(RULES, held, "FR")

    out = evaluate(case(location="FR", intents=[via(GROUP_A, CALLING)], held=held))

    assert status(out, CALLING, GROUP_A) == (
        State.ACTIVE_WITH_ERROR,
        ErrorKind.PROHIBITED_LOCATION,
    )


def test_moving_a_user_ignores_direct_licenses_that_are_not_applied() -> None:
    held = [row(CALLING, state=State.DISABLED)]

    check_location_change(RULES, held, "FR")


def test_no_usage_location_is_refused_even_with_every_plan_disabled() -> None:
    assert refused(add={TEAMS_SKU: (TEAMS,)}, location=None) == INVALID_LOCATION
