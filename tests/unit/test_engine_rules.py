"""Example tests for every rule of evaluation (docs/behaviour.md), one story per test.

The catalog is the small made-up one of `engine_fixtures`: E1 (EXO1, SPO1, TEAMS) and
E3 (EXO2, SPO2, TEAMS) conflict on Exchange and SharePoint; ADDON needs EXO2; ARCHIVE
needs EXO1 or EXO2; PSTN is only allowed in the US and GB; nothing is allowed in CU.
"""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

import pytest
from engine_fixtures import (
    ADDON,
    ADDON_SKU,
    ALICE,
    BOB,
    CALLING,
    CAROL,
    E1,
    E3,
    EXO1,
    EXO2,
    EXO_P2,
    GROUP_A,
    GROUP_B,
    GROUP_C,
    PROHIBITED_COUNTRY,
    RULES,
    SPO1,
    SPO2,
    TEAMS,
    TEAMS_SKU,
    UNKNOWN_SKU,
    active,
    applied_skus,
    by_key,
    case,
    day,
    direct,
    evaluate,
    evaluate_all,
    row,
    seats,
    status,
    via,
)

from seatplan.engine import (
    ErrorKind,
    RuleBook,
    SeatPool,
    State,
    active_plans,
    check_group_products,
    effective_location,
)

ACTIVE = (State.ACTIVE, None)


def error(kind: ErrorKind) -> tuple[State, ErrorKind]:
    return (State.ERROR, kind)


# --- Seats: one per user per SKU, whatever the number of sources ----------------------


def test_two_groups_and_a_direct_license_of_one_product_take_one_seat() -> None:
    pool = seats(0, E3=1)
    intents = [direct(E3), via(GROUP_A, E3), via(GROUP_B, E3)]
    # The direct license was applied synchronously, taking the only seat.
    held = active(direct(E3))
    pool.available[E3] -= 1

    out = evaluate(case(intents=intents, held=held), pool)

    assert status(out, E3) == ACTIVE
    assert status(out, E3, GROUP_A) == ACTIVE
    assert status(out, E3, GROUP_B) == ACTIVE
    assert out.seat_changes == {}
    assert pool.available[E3] == 0


def test_the_last_free_seat_serves_every_group_of_the_user() -> None:
    pool = seats(0, E3=1)

    out = evaluate(case(intents=[via(GROUP_A, E3), via(GROUP_B, E3)]), pool)

    assert status(out, E3, GROUP_A) == ACTIVE
    assert status(out, E3, GROUP_B) == ACTIVE
    assert out.seat_changes == {E3: 1}
    assert pool.available[E3] == 0


def test_a_seat_is_given_back_only_when_the_last_source_goes() -> None:
    pool = seats(0)
    both = active(via(GROUP_A, E3), via(GROUP_B, E3))

    left_one = evaluate(case(intents=[via(GROUP_B, E3)], held=both), pool)
    assert (E3, GROUP_A) not in by_key(left_one)
    assert left_one.seat_changes == {}
    assert pool.available[E3] == 0

    left_both = evaluate(case(intents=[], held=left_one.assignments), pool)
    assert left_both.assignments == ()
    assert left_both.seat_changes == {E3: -1}
    assert pool.available[E3] == 1


# --- Enabled plans ----------------------------------------------------------------------


def test_enabled_plans_of_a_user_are_the_union_over_active_assignments() -> None:
    intents = [direct(E3, EXO2), via(GROUP_A, E3, SPO2)]
    held = active(direct(E3, EXO2))

    out = evaluate(case(intents=intents, held=held))

    assert status(out, E3, GROUP_A) == ACTIVE
    assert active_plans(out.assignments, RULES) == {EXO2, SPO2, TEAMS}


def test_disabled_plans_are_respected_so_products_with_exclusive_plans_can_coexist() -> None:
    held = active(direct(E1))
    intents = [direct(E1), via(GROUP_A, E3, EXO2, SPO2)]

    out = evaluate(case(intents=intents, held=held))

    assert status(out, E3, GROUP_A) == ACTIVE
    assert active_plans(out.assignments, RULES) == {EXO1, SPO1, TEAMS}


def test_plans_of_assignments_in_error_are_not_enabled() -> None:
    out = evaluate(case(intents=[via(GROUP_A, E3)]), seats(0))

    assert status(out, E3, GROUP_A) == error(ErrorKind.COUNT)
    assert active_plans(out.assignments, RULES) == set()


# --- CountViolation ---------------------------------------------------------------------


def test_count_violation_when_no_seat_is_free_and_none_is_held() -> None:
    pool = seats(0)

    out = evaluate(case(intents=[via(GROUP_A, E3)]), pool)

    assert status(out, E3, GROUP_A) == error(ErrorKind.COUNT)
    assert out.seat_changes == {}
    assert pool.available[E3] == 0


def test_no_count_violation_when_the_user_already_holds_a_seat_of_the_product() -> None:
    pool = seats(0)
    held = active(via(GROUP_A, E3))

    out = evaluate(case(intents=[via(GROUP_A, E3), via(GROUP_B, E3)], held=held), pool)

    assert status(out, E3, GROUP_B) == ACTIVE
    assert out.seat_changes == {}


# --- MutuallyExclusiveViolation -----------------------------------------------------------


def test_group_product_conflicting_with_a_direct_license_fails_and_the_direct_stays() -> None:
    held = active(direct(E1))

    out = evaluate(case(intents=[direct(E1), via(GROUP_A, E3)], held=held))

    assert status(out, E3, GROUP_A) == error(ErrorKind.MUTUALLY_EXCLUSIVE)
    assert status(out, E1) == ACTIVE
    assert out.seat_changes == {}


def test_group_product_conflicting_with_another_groups_active_product_fails() -> None:
    held = active(via(GROUP_A, E1, since=day(1)))
    intents = [via(GROUP_A, E1, since=day(1)), via(GROUP_B, E3, since=day(2))]

    out = evaluate(case(intents=intents, held=held))

    assert status(out, E1, GROUP_A) == ACTIVE
    assert status(out, E3, GROUP_B) == error(ErrorKind.MUTUALLY_EXCLUSIVE)


def test_products_of_one_group_that_conflict_with_each_other_both_fail() -> None:
    # The group check refuses this, but a catalog edit can make it happen afterwards.
    out = evaluate(case(intents=[via(GROUP_A, E1), via(GROUP_A, EXO_P2)]))

    assert status(out, E1, GROUP_A) == error(ErrorKind.MUTUALLY_EXCLUSIVE)
    assert status(out, EXO_P2, GROUP_A) == error(ErrorKind.MUTUALLY_EXCLUSIVE)
    assert out.seat_changes == {}


def test_the_same_plan_from_two_sources_is_no_conflict() -> None:
    held = active(direct(EXO_P2))
    intents = [direct(EXO_P2), via(GROUP_A, E3), via(GROUP_B, EXO_P2)]

    out = evaluate(case(intents=intents, held=held))

    assert status(out, E3, GROUP_A) == ACTIVE
    assert status(out, EXO_P2, GROUP_B) == ACTIVE


def test_a_conflicting_plan_that_is_not_enabled_anywhere_is_no_conflict() -> None:
    # E1's conflicting plans are disabled on the direct license.
    held = active(direct(E1, EXO1, SPO1))

    out = evaluate(case(intents=[direct(E1, EXO1, SPO1), via(GROUP_A, E3)], held=held))

    assert status(out, E3, GROUP_A) == ACTIVE


# --- ProhibitedInUsageLocationViolation ---------------------------------------------------


@pytest.mark.parametrize("location", ["US", "GB"])
def test_a_plan_allowed_only_in_some_countries_is_applied_there(location) -> None:
    out = evaluate(case(location=location, intents=[via(GROUP_A, CALLING)]))

    assert status(out, CALLING, GROUP_A) == ACTIVE


def test_a_plan_outside_its_allowed_countries_fails() -> None:
    out = evaluate(case(location="FR", intents=[via(GROUP_A, CALLING)]))

    assert status(out, CALLING, GROUP_A) == error(ErrorKind.PROHIBITED_LOCATION)
    assert out.seat_changes == {}


def test_a_prohibited_country_refuses_every_product() -> None:
    out = evaluate(
        case(location=PROHIBITED_COUNTRY, intents=[via(GROUP_A, TEAMS_SKU), via(GROUP_B, E3)])
    )

    assert status(out, TEAMS_SKU, GROUP_A) == error(ErrorKind.PROHIBITED_LOCATION)
    assert status(out, E3, GROUP_B) == error(ErrorKind.PROHIBITED_LOCATION)


def test_a_user_without_any_effective_location_gets_no_group_license() -> None:
    out = evaluate(case(location=None, intents=[via(GROUP_A, TEAMS_SKU)]))

    assert status(out, TEAMS_SKU, GROUP_A) == error(ErrorKind.PROHIBITED_LOCATION)


@pytest.mark.parametrize(
    ("usage", "default", "country", "expected"),
    [
        ("FR", "US", "GB", "FR"),
        (None, "US", "GB", "US"),
        (None, None, "GB", "GB"),
        (None, None, None, None),
        ("", "", "GB", "GB"),
        ("", "", "", None),
    ],
    ids=["user", "org-default", "org-country", "none", "empty-user", "all-empty"],
)
def test_effective_location_falls_back_user_then_org_default_then_org_country(
    usage, default, country, expected
) -> None:
    assert effective_location(usage, default, country) == expected


# --- A group is all or nothing for a user --------------------------------------------------


def test_one_failing_product_keeps_every_product_of_the_group_away() -> None:
    pool = seats(5)
    out = evaluate(case(location="FR", intents=[via(GROUP_A, E3), via(GROUP_A, CALLING)]), pool)

    assert status(out, CALLING, GROUP_A) == error(ErrorKind.PROHIBITED_LOCATION)
    assert status(out, E3, GROUP_A) == error(ErrorKind.OTHER)
    assert applied_skus(out) == set()
    assert out.seat_changes == {}
    assert pool.available[E3] == 5


def test_a_product_without_seats_records_count_and_its_siblings_other() -> None:
    pool = seats(5, E3=0)

    out = evaluate(case(intents=[via(GROUP_A, E3), via(GROUP_A, TEAMS_SKU)]), pool)

    assert status(out, E3, GROUP_A) == error(ErrorKind.COUNT)
    assert status(out, TEAMS_SKU, GROUP_A) == error(ErrorKind.OTHER)
    assert pool.available[TEAMS_SKU] == 5


def test_another_group_is_not_held_back_by_a_failing_group() -> None:
    pool = seats(5, E3=0)
    intents = [via(GROUP_A, E3), via(GROUP_A, CALLING), via(GROUP_B, TEAMS_SKU)]

    out = evaluate(case(intents=intents), pool)

    assert status(out, E3, GROUP_A) == error(ErrorKind.COUNT)
    assert status(out, CALLING, GROUP_A) == error(ErrorKind.OTHER)
    assert status(out, TEAMS_SKU, GROUP_B) == ACTIVE


def test_the_intent_is_never_lost_every_product_of_the_group_has_a_row() -> None:
    intents = [via(GROUP_A, E3), via(GROUP_A, CALLING), via(GROUP_A, ADDON_SKU)]

    out = evaluate(case(location=None, intents=intents), seats(0))

    assert {a.key for a in out.assignments} == {(i.sku_id, i.group_id) for i in intents}
    assert all(a.state is State.ERROR and a.error is not None for a in out.assignments)


# --- Kept first ----------------------------------------------------------------------------


def test_a_working_license_is_kept_when_an_older_conflicting_source_competes() -> None:
    # Group A's intent is older but never got applied (it waited for a seat of E1);
    # group B's E3 works. A seat of E1 is free now: E3 is kept, E1 fails.
    newer = via(GROUP_B, E3, since=day(5))
    older = via(GROUP_A, E1, since=day(1))
    held = (*active(newer), row(E1, GROUP_A, state=State.ERROR, error=ErrorKind.COUNT))

    out = evaluate(case(intents=[older, newer], held=held), seats(1))

    assert status(out, E3, GROUP_B) == ACTIVE
    assert status(out, E1, GROUP_A) == error(ErrorKind.MUTUALLY_EXCLUSIVE)


def test_a_working_license_is_kept_when_a_newer_conflicting_source_competes() -> None:
    older = via(GROUP_B, E3, since=day(1))
    newer = via(GROUP_A, E1, since=day(5))

    out = evaluate(case(intents=[newer, older], held=active(older)))

    assert status(out, E3, GROUP_B) == ACTIVE
    assert status(out, E1, GROUP_A) == error(ErrorKind.MUTUALLY_EXCLUSIVE)


def test_a_working_license_is_kept_when_its_subscription_is_over_allocated() -> None:
    pool = seats(-1)

    out = evaluate(case(intents=[via(GROUP_A, E3)], held=active(via(GROUP_A, E3))), pool)

    assert status(out, E3, GROUP_A) == ACTIVE
    assert out.seat_changes == {}
    assert pool.available[E3] == -1


def test_a_working_license_is_kept_with_an_error_when_the_user_moves_where_it_is_prohibited():
    out = evaluate(
        case(location="FR", intents=[via(GROUP_A, CALLING)], held=active(via(GROUP_A, CALLING)))
    )

    assert status(out, CALLING, GROUP_A) == (
        State.ACTIVE_WITH_ERROR,
        ErrorKind.PROHIBITED_LOCATION,
    )


def test_a_kept_product_stays_active_when_a_product_newly_added_to_its_group_fails() -> None:
    # The group got CALLING after the user already had E3 from it; the user is in FR.
    intents = [via(GROUP_A, E3, since=day(1)), via(GROUP_A, CALLING, since=day(3))]
    held = active(via(GROUP_A, E3, since=day(1)))

    out = evaluate(case(location="FR", intents=intents, held=held))

    assert status(out, E3, GROUP_A) == ACTIVE
    assert status(out, CALLING, GROUP_A) == error(ErrorKind.PROHIBITED_LOCATION)


# --- Oldest intent first -------------------------------------------------------------------


@pytest.mark.parametrize(("a_since", "b_since", "winner"), [(1, 2, E1), (2, 1, E3)])
def test_the_oldest_of_two_conflicting_groups_wins_within_a_user(a_since, b_since, winner):
    intents = [via(GROUP_B, E3, since=day(b_since)), via(GROUP_A, E1, since=day(a_since))]

    out = evaluate(case(intents=intents))

    loser, loser_group = (E3, GROUP_B) if winner == E1 else (E1, GROUP_A)
    assert applied_skus(out) == {winner}
    assert status(out, loser, loser_group) == error(ErrorKind.MUTUALLY_EXCLUSIVE)


def test_conflicting_groups_with_the_same_age_are_ordered_by_group_id() -> None:
    intents = [via(GROUP_B, E1, since=day(1)), via(GROUP_A, E3, since=day(1))]

    out = evaluate(case(intents=intents))

    assert status(out, E3, GROUP_A) == ACTIVE
    assert status(out, E1, GROUP_B) == error(ErrorKind.MUTUALLY_EXCLUSIVE)


def test_the_oldest_intent_gets_the_last_seat_across_users_of_a_batch() -> None:
    pool = seats(0, E3=1)
    alice = case(ALICE, intents=[via(GROUP_A, E3, since=day(2))])
    bob = case(BOB, intents=[via(GROUP_B, E3, since=day(1))])

    out = evaluate_all([alice, bob], pool)

    assert status(out[BOB], E3, GROUP_B) == ACTIVE
    assert status(out[ALICE], E3, GROUP_A) == error(ErrorKind.COUNT)
    assert pool.available[E3] == 0


def test_users_waiting_since_the_same_time_are_served_by_group_id() -> None:
    pool = seats(0, E3=1)
    alice = case(ALICE, intents=[via(GROUP_B, E3, since=day(1))])
    bob = case(BOB, intents=[via(GROUP_A, E3, since=day(1))])

    out = evaluate_all([alice, bob], pool)

    assert status(out[BOB], E3, GROUP_A) == ACTIVE
    assert status(out[ALICE], E3, GROUP_B) == error(ErrorKind.COUNT)


def test_a_seat_goes_to_the_oldest_intent_for_that_product_not_the_oldest_group() -> None:
    # Bob joined group A on day 1, group A got TEAMS_SKU on day 5: his TEAMS_SKU intent
    # dates from day 5. Alice waits for TEAMS_SKU through group B since day 2.
    pool = seats(5, TEAMS_SKU=1)
    alice = case(
        ALICE,
        intents=[via(GROUP_B, TEAMS_SKU, since=day(2))],
        held=[row(TEAMS_SKU, GROUP_B, state=State.ERROR, error=ErrorKind.COUNT, since=day(2))],
    )
    bob = case(BOB, intents=[via(GROUP_A, E3, since=day(1)), via(GROUP_A, TEAMS_SKU, since=day(5))])

    out = evaluate_all([alice, bob], pool)

    assert status(out[ALICE], TEAMS_SKU, GROUP_B) == ACTIVE
    assert status(out[BOB], TEAMS_SKU, GROUP_A) == error(ErrorKind.COUNT)


# --- An intent that is gone ----------------------------------------------------------------


def test_leaving_the_group_removes_its_license_and_frees_the_seat() -> None:
    pool = seats(0)

    out = evaluate(case(intents=[], held=active(via(GROUP_A, E3))), pool)

    assert out.assignments == ()
    assert out.seat_changes == {E3: -1}
    assert pool.available[E3] == 1


def test_a_freed_seat_goes_to_the_oldest_waiting_user_of_the_batch() -> None:
    pool = seats(0)
    alice = case(ALICE, intents=[], held=active(via(GROUP_A, E3)))
    carol = case(CAROL, intents=[via(GROUP_C, E3, since=day(3))])
    bob = case(BOB, intents=[via(GROUP_B, E3, since=day(2))])

    out = evaluate_all([alice, carol, bob], pool)

    assert out[ALICE].assignments == ()
    assert status(out[BOB], E3, GROUP_B) == ACTIVE
    assert status(out[CAROL], E3, GROUP_C) == error(ErrorKind.COUNT)
    assert pool.available[E3] == 0


def test_an_errored_row_whose_intent_is_gone_simply_disappears() -> None:
    held = [row(E3, GROUP_A, state=State.ERROR, error=ErrorKind.COUNT)]

    out = evaluate(case(intents=[], held=held), seats(0))

    assert out.assignments == ()
    assert out.seat_changes == {}


def test_a_gone_source_that_a_dependency_needs_stays_active_with_error_and_keeps_its_seat():
    pool = seats(0)
    held = active(via(GROUP_A, E3), direct(ADDON_SKU))

    out = evaluate(case(intents=[direct(ADDON_SKU)], held=held), pool)

    assert status(out, E3, GROUP_A) == (State.ACTIVE_WITH_ERROR, ErrorKind.DEPENDENCY)
    assert status(out, ADDON_SKU) == ACTIVE
    assert out.seat_changes == {}
    assert pool.available[E3] == 0
    assert EXO2 in active_plans(out.assignments, RULES)


def test_a_blocked_removal_goes_through_once_the_prerequisite_is_given_directly() -> None:
    pool = seats(0)
    blocked = row(E3, GROUP_A, state=State.ACTIVE_WITH_ERROR, error=ErrorKind.DEPENDENCY)
    held = (blocked, *active(direct(ADDON_SKU), direct(EXO_P2)))

    out = evaluate(case(intents=[direct(ADDON_SKU), direct(EXO_P2)], held=held), pool)

    assert (E3, GROUP_A) not in by_key(out)
    assert out.seat_changes == {E3: -1}
    assert pool.available[E3] == 1


def test_a_blocked_removal_goes_through_once_another_group_brings_the_prerequisite() -> None:
    pool = seats(1)
    blocked = row(E3, GROUP_A, state=State.ACTIVE_WITH_ERROR, error=ErrorKind.DEPENDENCY)
    held = (blocked, *active(direct(ADDON_SKU)))

    out = evaluate(case(intents=[direct(ADDON_SKU), via(GROUP_B, EXO_P2)], held=held), pool)

    assert status(out, EXO_P2, GROUP_B) == ACTIVE
    assert (E3, GROUP_A) not in by_key(out)
    assert out.seat_changes == {E3: -1, EXO_P2: 1}


def test_a_blocked_removal_goes_through_once_the_dependent_plan_is_disabled() -> None:
    blocked = row(E3, GROUP_A, state=State.ACTIVE_WITH_ERROR, error=ErrorKind.DEPENDENCY)
    held = (blocked, *active(direct(ADDON_SKU, ADDON)))

    out = evaluate(case(intents=[direct(ADDON_SKU, ADDON)], held=held), seats(0))

    assert set(by_key(out)) == {(ADDON_SKU, None)}


def test_a_blocked_source_the_user_joins_again_is_active_again() -> None:
    blocked = row(E3, GROUP_A, state=State.ACTIVE_WITH_ERROR, error=ErrorKind.DEPENDENCY)
    held = (blocked, *active(direct(ADDON_SKU)))

    out = evaluate(case(intents=[direct(ADDON_SKU), via(GROUP_A, E3)], held=held), seats(0))

    assert status(out, E3, GROUP_A) == ACTIVE
    assert out.seat_changes == {}


def test_two_gone_sources_where_one_needs_the_other_are_both_removed() -> None:
    # Group A carried E3 and ADDON_SKU: ADDON needs EXO2, so E3 can only go with it.
    pool = seats(0)
    held = active(via(GROUP_A, E3), via(GROUP_A, ADDON_SKU))

    out = evaluate(case(intents=[], held=held), pool)

    assert out.assignments == ()
    assert out.seat_changes == {E3: -1, ADDON_SKU: -1}


# --- Disabled products ----------------------------------------------------------------------


def test_a_product_without_enabled_units_is_disabled_and_holds_no_seat() -> None:
    pool = SeatPool({TEAMS_SKU: 5, E3: 0}, disabled_skus=frozenset({E3}))
    intents = [via(GROUP_A, E3), via(GROUP_A, TEAMS_SKU), via(GROUP_B, E3)]
    held = active(via(GROUP_B, E3))

    out = evaluate(case(intents=intents, held=held), pool)

    assert status(out, E3, GROUP_A) == (State.DISABLED, None)
    assert status(out, E3, GROUP_B) == (State.DISABLED, None)
    # Disabled is no rule failure: the group's other product is applied.
    assert status(out, TEAMS_SKU, GROUP_A) == ACTIVE
    assert out.seat_changes == {E3: -1, TEAMS_SKU: 1}


def test_an_intent_for_a_product_missing_from_the_catalog_is_kept_as_disabled() -> None:
    out = evaluate(case(intents=[via(GROUP_A, UNKNOWN_SKU)]))

    assert status(out, UNKNOWN_SKU, GROUP_A) == (State.DISABLED, None)


# --- A group changes the disabled plans of a product ----------------------------------------


def test_changed_disabled_plans_are_applied_without_a_new_seat() -> None:
    pool = seats(0)
    intent = via(GROUP_A, E3, SPO2)

    out = evaluate(case(intents=[intent], held=active(via(GROUP_A, E3))), pool)

    assert by_key(out)[(E3, GROUP_A)] == active(intent)[0]
    assert active_plans(out.assignments, RULES) == {EXO2, TEAMS}
    assert out.seat_changes == {}


def test_when_the_new_configuration_conflicts_the_old_one_keeps_working_with_the_reason():
    held = active(direct(E1), via(GROUP_A, E3, EXO2, SPO2))
    intents = [direct(E1), via(GROUP_A, E3, SPO2)]  # re-enables EXO2, which clashes with EXO1

    out = evaluate(case(intents=intents, held=held))

    kept = by_key(out)[(E3, GROUP_A)]
    assert (kept.state, kept.error) == (State.ACTIVE_WITH_ERROR, ErrorKind.MUTUALLY_EXCLUSIVE)
    assert kept.disabled_plans == {EXO2, SPO2}
    assert active_plans(out.assignments, RULES) == {EXO1, SPO1, TEAMS}


def test_when_the_new_configuration_breaks_a_dependency_the_old_one_keeps_working() -> None:
    held = active(direct(ADDON_SKU), via(GROUP_A, E3))
    intents = [direct(ADDON_SKU), via(GROUP_A, E3, EXO2)]

    out = evaluate(case(intents=intents, held=held))

    kept = by_key(out)[(E3, GROUP_A)]
    assert (kept.state, kept.error) == (State.ACTIVE_WITH_ERROR, ErrorKind.DEPENDENCY)
    assert kept.disabled_plans == frozenset()
    assert ADDON in active_plans(out.assignments, RULES)


def test_when_a_changed_product_fails_its_group_siblings_not_yet_applied_record_other():
    held = active(direct(E1), via(GROUP_A, E3, EXO2, SPO2))
    intents = [direct(E1), via(GROUP_A, E3, SPO2), via(GROUP_A, TEAMS_SKU)]

    out = evaluate(case(intents=intents, held=held))

    assert status(out, E3, GROUP_A) == (State.ACTIVE_WITH_ERROR, ErrorKind.MUTUALLY_EXCLUSIVE)
    assert status(out, TEAMS_SKU, GROUP_A) == error(ErrorKind.OTHER)


def test_a_previously_failed_configuration_change_applies_once_the_conflict_is_gone() -> None:
    held = (
        row(E3, GROUP_A, EXO2, SPO2, state=State.ACTIVE_WITH_ERROR, error=ErrorKind.OTHER),
        *active(direct(E1, EXO1)),
    )
    intents = [direct(E1, EXO1), via(GROUP_A, E3, SPO2)]

    out = evaluate(case(intents=intents, held=held))

    assert by_key(out)[(E3, GROUP_A)] == active(via(GROUP_A, E3, SPO2))[0]


# --- A subscription reduced below the seats in use ------------------------------------------


def test_over_allocation_never_revokes_working_licenses_and_new_ones_wait() -> None:
    pool = seats(5, E3=-2)  # three users hold E3, one seat was bought
    holders = [
        case(user, intents=[via(GROUP_A, E3)], held=active(via(GROUP_A, E3)))
        for user in (ALICE, BOB)
    ]
    waiting = case(CAROL, intents=[via(GROUP_A, E3, since=day(1))])

    out = evaluate_all([*holders, waiting], pool)

    assert status(out[ALICE], E3, GROUP_A) == ACTIVE
    assert status(out[BOB], E3, GROUP_A) == ACTIVE
    assert status(out[CAROL], E3, GROUP_A) == error(ErrorKind.COUNT)
    assert pool.available[E3] == -2


def test_a_seat_freed_while_over_allocated_is_not_handed_out() -> None:
    pool = seats(5, E3=-2)
    leaving = case(ALICE, intents=[], held=active(via(GROUP_A, E3)))
    waiting = case(CAROL, intents=[via(GROUP_A, E3, since=day(1))])

    out = evaluate_all([leaving, waiting], pool)

    assert out[ALICE].seat_changes == {E3: -1}
    assert status(out[CAROL], E3, GROUP_A) == error(ErrorKind.COUNT)
    assert pool.available[E3] == -1


def test_seats_bought_later_are_offered_to_the_waiting_users() -> None:
    pool = seats(5, E3=1)
    held = [row(E3, GROUP_A, state=State.ERROR, error=ErrorKind.COUNT, since=day(1))]

    out = evaluate(case(CAROL, intents=[via(GROUP_A, E3, since=day(1))], held=held), pool)

    assert status(out, E3, GROUP_A) == ACTIVE
    assert pool.available[E3] == 0


# --- seat_changes and the pool agree ------------------------------------------------------


def test_seat_changes_of_a_batch_add_up_to_the_pool_delta() -> None:
    pool = seats(1, E3=0)
    before = dict(pool.available)
    cases = [
        case(ALICE, intents=[via(GROUP_A, TEAMS_SKU)], held=active(via(GROUP_A, E3))),
        case(BOB, intents=[via(GROUP_A, TEAMS_SKU), via(GROUP_B, E3)]),
        case(CAROL, intents=[via(GROUP_B, E3, since=day(1))]),
    ]

    out = evaluate_all(cases, pool)

    for sku, free in pool.available.items():
        taken = sum(o.seat_changes.get(sku, 0) for o in out.values())
        assert before[sku] - free == taken, sku
    # Alice's E3 seat went to Bob, the oldest waiting; Alice took the only TEAMS seat.
    assert out[ALICE].seat_changes == {E3: -1, TEAMS_SKU: 1}
    assert out[BOB].seat_changes == {E3: 1}
    assert status(out[BOB], TEAMS_SKU, GROUP_A) == error(ErrorKind.COUNT)
    assert status(out[CAROL], E3, GROUP_B) == error(ErrorKind.COUNT)


# --- Cases that once failed: kept so that they stay fixed ----------------------------------


def test_two_gone_products_that_need_each_other_are_both_removed() -> None:
    # P1 carries A and Y, P2 carries B and X; X needs A and Y needs B. A group with both
    # products passes check_group_products. Alice leaves it: removing both breaks nothing.
    a, x, b, y = (UUID(int=0x500 + i) for i in range(4))
    p1, p2 = UUID(int=0x601), UUID(int=0x602)
    rules = RuleBook(
        sku_plans={p1: frozenset({a, y}), p2: frozenset({b, x})},
        dependencies={x: (frozenset({a}),), y: (frozenset({b}),)},
    )
    check_group_products(rules, {p1: frozenset(), p2: frozenset()}, {p1: 1, p2: 1}, str)
    pool = SeatPool({p1: 0, p2: 0})

    out = evaluate(case(intents=[], held=active(via(GROUP_A, p1), via(GROUP_A, p2))), pool, rules)

    assert out.assignments == ()
    assert out.seat_changes == {p1: -1, p2: -1}


def test_no_effective_location_fails_even_a_product_with_every_plan_disabled() -> None:
    out = evaluate(case(location=None, intents=[via(GROUP_A, TEAMS_SKU, TEAMS)]))

    assert status(out, TEAMS_SKU, GROUP_A) == error(ErrorKind.PROHIBITED_LOCATION)


def test_moving_between_groups_of_one_product_keeps_the_seat() -> None:
    # Alice leaves group A (E3) and joins group C (E3) while Bob has waited for E3 longer
    # than her new intent: her seat follows her, it is not offered to Bob in between.
    pool = seats(5, E3=0)
    alice = case(ALICE, intents=[via(GROUP_C, E3, since=day(3))], held=active(via(GROUP_A, E3)))
    bob = case(
        BOB,
        intents=[via(GROUP_B, E3, since=day(1))],
        held=[row(E3, GROUP_B, state=State.ERROR, error=ErrorKind.COUNT, since=day(1))],
    )

    out = evaluate_all([alice, bob], pool)

    assert status(out[ALICE], E3, GROUP_C) == ACTIVE
    assert status(out[BOB], E3, GROUP_B) == error(ErrorKind.COUNT)
    assert out[ALICE].seat_changes == {}
    assert pool.available[E3] == 0


def test_a_large_exclusive_set_is_checked_as_a_small_one_is() -> None:
    """Sets over `spelled_out_set_size` are checked through the set, not spelled out."""
    plans = [UUID(int=0x9000 + n) for n in range(100)]
    a, b, c = plans[:3]
    both, only_a, only_c = (UUID(int=0x9900 + n) for n in range(3))
    large = RuleBook(
        {both: frozenset({a, b}), only_a: frozenset({a}), only_c: frozenset({c})},
        (frozenset(plans),),
    )
    assert large.config(only_a, frozenset()).exclusive_partners == frozenset()
    small = replace(large, spelled_out_set_size=len(plans), _configs={}, _prohibited={})
    assert len(small.config(only_a, frozenset()).exclusive_partners) == len(plans) - 1
    for rules in (large, small):
        assert rules.config(both, frozenset()).excludes({a})  # b and a
        assert not rules.config(only_a, frozenset()).excludes({a})  # the same plan twice
        assert rules.config(only_a, frozenset()).excludes({a, c})
        assert not rules.config(only_a, frozenset()).excludes({UUID(int=1)})
        assert not rules.config(both, frozenset({b})).excludes({a})
        assert rules.conflict(frozenset({a}), {a, c}) == (a, c)
        assert rules.conflict(frozenset({a, b}), {a}) == (b, a)
