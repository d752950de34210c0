"""A small made-up catalog and builders shared by the engine tests (`test_engine_*.py`).

Plans, products, groups and users are UUID constants with readable names. Their integer
values are chosen so that ordering is predictable: GROUP_A < GROUP_B < GROUP_C.

Catalog:
- EXO1/EXO2 are mutually exclusive (Exchange plan 1 / plan 2), as are SPO1/SPO2.
- ADDON needs EXO2; ARCHIVE needs EXO1 or EXO2 (an OR of ANDs).
- PSTN may only be used in the US or GB; no plan at all may be used in CU.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

from seatplan.engine import (
    Assignment,
    ErrorKind,
    Intent,
    LocationRule,
    RuleBook,
    SeatPool,
    State,
    UserCase,
    UserOutcome,
    check_direct_change,
    evaluate_batch,
    evaluate_user,
)


def _uuid(kind: int, n: int) -> UUID:
    return UUID(int=(kind << 64) | n)


# Service plans.
EXO1 = _uuid(1, 0xE1)
EXO2 = _uuid(1, 0xE2)
SPO1 = _uuid(1, 0x51)
SPO2 = _uuid(1, 0x52)
TEAMS = _uuid(1, 0x7E)
ADDON = _uuid(1, 0xAD)
ARCHIVE = _uuid(1, 0xA7)
PSTN = _uuid(1, 0x99)

PLAN_NAMES = {
    EXO1: "EXCHANGE_S_STANDARD",
    EXO2: "EXCHANGE_S_ENTERPRISE",
    SPO1: "SHAREPOINTSTANDARD",
    SPO2: "SHAREPOINTENTERPRISE",
    TEAMS: "TEAMS1",
    ADDON: "EXCHANGE_ANALYTICS",
    ARCHIVE: "EXCHANGE_ARCHIVE",
    PSTN: "MCOPSTN1",
}

# Products (SKUs).
E1 = _uuid(2, 0xE1)  # EXO1 + SPO1 + TEAMS
E3 = _uuid(2, 0xE3)  # EXO2 + SPO2 + TEAMS
EXO_P2 = _uuid(2, 0xE2)  # EXO2 alone: another way to get ADDON's prerequisite
ADDON_SKU = _uuid(2, 0xAD)  # ADDON, needs EXO2
ARCHIVE_SKU = _uuid(2, 0xA7)  # ARCHIVE, needs EXO1 or EXO2
CALLING = _uuid(2, 0x99)  # PSTN, US/GB only
TEAMS_SKU = _uuid(2, 0x7E)  # TEAMS alone, conflicts with nothing
UNKNOWN_SKU = _uuid(2, 0xFFF)  # not in the catalog
UNKNOWN_PLAN = _uuid(1, 0xFFF)  # not in any product

ALL_SKUS = (E1, E3, EXO_P2, ADDON_SKU, ARCHIVE_SKU, CALLING, TEAMS_SKU)

# Groups and users.
GROUP_A = _uuid(3, 0xA)
GROUP_B = _uuid(3, 0xB)
GROUP_C = _uuid(3, 0xC)
ALICE = _uuid(4, 1)
BOB = _uuid(4, 2)
CAROL = _uuid(4, 3)

PROHIBITED_COUNTRY = "CU"

RULES = RuleBook(
    sku_plans={
        E1: frozenset({EXO1, SPO1, TEAMS}),
        E3: frozenset({EXO2, SPO2, TEAMS}),
        EXO_P2: frozenset({EXO2}),
        ADDON_SKU: frozenset({ADDON}),
        ARCHIVE_SKU: frozenset({ARCHIVE}),
        CALLING: frozenset({PSTN}),
        TEAMS_SKU: frozenset({TEAMS}),
    },
    exclusive_sets=(frozenset({EXO1, EXO2}), frozenset({SPO1, SPO2})),
    dependencies={
        ADDON: (frozenset({EXO2}),),
        ARCHIVE: (frozenset({EXO1}), frozenset({EXO2})),
    },
    location_rules=(
        LocationRule(plans=frozenset({PSTN}), allowed=frozenset({"US", "GB"})),
        LocationRule(plans=None, prohibited=frozenset({PROHIBITED_COUNTRY})),
    ),
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def day(n: int) -> datetime:
    """A point in time, `n` days after T0: smaller is older."""
    return T0 + timedelta(days=n)


def plan_name(plan: UUID) -> str:
    return PLAN_NAMES[plan]


def direct(sku: UUID, *disabled: UUID, since: datetime = T0) -> Intent:
    """A direct license intent."""
    return Intent(sku, None, frozenset(disabled), since)


def via(group: UUID, sku: UUID, *disabled: UUID, since: datetime = T0) -> Intent:
    """A group's product for one member."""
    return Intent(sku, group, frozenset(disabled), since)


def row(
    sku: UUID,
    group: UUID | None = None,
    *disabled: UUID,
    state: State = State.ACTIVE,
    error: ErrorKind | None = None,
    since: datetime = T0,
) -> Assignment:
    """A held license assignment."""
    return Assignment(sku, group, frozenset(disabled), state, error, since)


def active(*intents: Intent) -> tuple[Assignment, ...]:
    """The Active rows a user holds when each of `intents` was applied earlier."""
    return tuple(
        Assignment(i.sku_id, i.group_id, i.disabled_plans, State.ACTIVE, None, i.since)
        for i in intents
    )


def case(
    user: UUID = ALICE,
    *,
    location: str | None = "US",
    intents: Iterable[Intent] = (),
    held: Iterable[Assignment] = (),
) -> UserCase:
    return UserCase(user, location, tuple(intents), tuple(held))


def seats(default: int = 0, **by_name: int) -> SeatPool:
    """A pool with `default` free seats of every SKU, e.g. `seats(5, E3=0)`."""
    available = dict.fromkeys(ALL_SKUS, default)
    for name, count in by_name.items():
        available[globals()[name]] = count
    return SeatPool(available)


def evaluate(
    user_case: UserCase, pool: SeatPool | None = None, rules: RuleBook = RULES
) -> UserOutcome:
    return evaluate_user(user_case, rules, pool if pool is not None else seats(10))


def evaluate_all(
    cases: Sequence[UserCase], pool: SeatPool, rules: RuleBook = RULES
) -> dict[UUID, UserOutcome]:
    return {out.user_id: out for out in evaluate_batch(cases, rules, pool)}


def by_key(outcome: UserOutcome) -> dict[tuple[UUID, UUID | None], Assignment]:
    """The outcome's rows by (SKU, group), checking there is at most one per key."""
    keys = [a.key for a in outcome.assignments]
    assert len(keys) == len(set(keys)), f"duplicate rows: {outcome.assignments}"
    return {a.key: a for a in outcome.assignments}


def status(
    outcome: UserOutcome, sku: UUID, group: UUID | None = None
) -> tuple[State, ErrorKind | None]:
    """(state, error) of one row of the outcome."""
    found = by_key(outcome)[(sku, group)]
    return found.state, found.error


def applied_skus(outcome: UserOutcome) -> set[UUID]:
    return {a.sku_id for a in outcome.assignments if a.state.applied}


def direct_change(
    *,
    held: Sequence[Assignment] = (),
    add: Mapping[UUID, Iterable[UUID]] | None = None,
    remove: Sequence[UUID] = (),
    location: str | None = "US",
    available: Mapping[UUID, int] | None = None,
    rules: RuleBook = RULES,
) -> None:
    """`check_direct_change` with defaults: a US user, 10 free seats of every SKU."""
    check_direct_change(
        rules=rules,
        usage_location=location,
        held=held,
        add={sku: frozenset(disabled) for sku, disabled in (add or {}).items()},
        remove=remove,
        available=dict.fromkeys(ALL_SKUS, 10) if available is None else available,
    )
