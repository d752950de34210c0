"""Evaluate users against every rule of group-based licensing (docs/behaviour.md).

A user is evaluated as a whole. Per user:
1. direct assignments are applied (they were validated when made);
2. group assignments already applied with the configuration their group asks for are kept;
3. assignments whose intent is gone are removed, unless that breaks a dependency;
then, across the whole batch, the remaining group sources ("units") are tried one at a
time, oldest intent first, each all-or-nothing for its user. Failed units are tried
again while anything that could let them pass changed (a seat freed, a blocking
assignment removed), so that evaluating the result again changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from seatplan.engine.model import Assignment, ErrorKind, Intent, State, UserCase, UserOutcome
from seatplan.engine.rules import ProductConfig, RuleBook
from seatplan.engine.user_state import AppliedLicenses, Key


@dataclass(slots=True)
class SeatPool:
    """Free seats per SKU, shared by every user of a batch."""

    available: dict[UUID, int]
    #: SKUs whose subscriptions have no enabled unit left: their assignments are Disabled.
    disabled_skus: frozenset[UUID] = frozenset()

    def free(self, sku_id: UUID) -> int:
        return self.available.get(sku_id, 0)


@dataclass(slots=True)
class _Unit:
    """The products of one group that a user does not have applied yet."""

    user: _User
    group_id: UUID
    intents: list[Intent]
    #: Applied rows of this group whose configuration changed, by key.
    replacing: dict[Key, Assignment]
    since: datetime
    applied: bool = False

    @property
    def order(self) -> tuple[int, datetime, int, int]:
        # Sources that already hold a working license go first. Integers compare faster
        # than UUIDs, and ties on time are the rule when a whole group gets a product.
        return (
            0 if self.replacing else 1,
            self.since,
            self.group_id.int,
            self.user.case.user_id.int,
        )


@dataclass(slots=True)
class _User:
    case: UserCase
    rules: RuleBook
    applied: AppliedLicenses = field(default_factory=AppliedLicenses)
    rows: dict[Key, Assignment] = field(default_factory=dict)
    #: Applied rows whose intent is gone but whose removal would break a dependency.
    blocked: dict[Key, Assignment] = field(default_factory=dict)
    #: SKUs the user holds a seat of: those held before, then kept in step with `applied`.
    holding: set[UUID] = field(default_factory=set)

    def take_seat(self, sku_id: UUID, pool: SeatPool) -> None:
        if sku_id not in self.holding:
            self.holding.add(sku_id)
            pool.available[sku_id] = pool.free(sku_id) - 1

    def needs_seat(self, sku_id: UUID, pool: SeatPool) -> bool:
        """True when the user holds no seat of `sku_id` and none is available."""
        return sku_id not in self.holding and pool.free(sku_id) <= 0

    def release_unused(self, pool: SeatPool, keep: set[UUID] | None = None) -> None:
        """Give back the seats of SKUs the user no longer has applied (except `keep`)."""
        if not self.holding:
            return
        for sku_id in self.holding - self.applied.skus() - (keep or set()):
            self.holding.discard(sku_id)
            pool.available[sku_id] = pool.free(sku_id) + 1

    def apply(self, row: Assignment, config: ProductConfig | None = None) -> None:
        self.rows[row.key] = row
        self.applied.add(row.key, config or self.rules.config(row.sku_id, row.disabled_plans))

    def remove_gone(self, rows: list[Assignment]) -> list[Assignment]:
        """Take away as many of these applied rows as no remaining plan needs.

        All are taken away at once (rows that only need each other go together), then
        those supplying a prerequisite that went missing come back, until nothing is
        missing. Returns the rows that must stay.
        """
        rules = self.rules
        before = self.applied.plans()
        removed = {row.key: self.applied.remove(row.key) for row in rows}
        while removed:
            after = self.applied.plans()
            needed: set[UUID] = set()
            for plan in rules.dependent_plans & after:
                if rules.unmet(plan, after) is not None and rules.unmet(plan, before) is None:
                    needed.update(*rules.dependencies[plan])
            if not needed:
                break
            for key in [key for key, config in removed.items() if config.enabled_plans & needed]:
                self.applied.add(key, removed.pop(key))
        return [row for row in rows if row.key not in removed]


def evaluate_batch(
    cases: Sequence[UserCase], rules: RuleBook, pool: SeatPool, *, alike_once: bool = True
) -> list[UserOutcome]:
    """Evaluate `cases` together; `pool.available` is updated with the seats taken or freed.

    With `alike_once`, cases alike (`_alike_key`) whose seats cannot run short are
    evaluated once per kind (`_evaluate_alike`); the outcomes are those of evaluating
    every case (tests/unit/test_engine_alike.py checks it on random tenants).
    """
    if alike_once and len(cases) > 1:
        return _evaluate_alike(cases, rules, pool)
    return _evaluate_each(cases, rules, pool)


def _evaluate_each(cases: Sequence[UserCase], rules: RuleBook, pool: SeatPool) -> list[UserOutcome]:
    """The plain path: every case evaluated in full."""
    users = [_User(case, rules, holding=_held_skus(case)) for case in cases]
    held_skus = [set(user.holding) for user in users]
    units: list[_Unit] = []
    for user in users:
        own = _settle_user(user, pool)
        units.extend(own)
        if user.holding:
            # A user moving from one source of a product to another keeps their seat of it.
            user.release_unused(pool, keep={i.sku_id for unit in own for i in unit.intents})
    # Units point to their user, never back: no reference cycle outlives a batch.
    units.sort(key=lambda u: u.order)
    for unit in units:
        _try_unit(unit, pool)
    for user in users:
        user.release_unused(pool)
    _retry_until_stable(users, units, pool)

    outcomes = []
    for user, skus in zip(users, held_skus, strict=True):
        now = user.holding
        changes: dict[UUID, int] = {}
        if now != skus:
            changes = dict.fromkeys(now - skus, 1)
            changes.update(dict.fromkeys(skus - now, -1))
        rows = tuple(user.rows.values())
        if len(rows) > 1:
            rows = tuple(sorted(rows, key=_row_order))
        outcomes.append(UserOutcome(user.case.user_id, rows, changes))
    return outcomes


#: What makes cases alike: their effective location and their intents (ids as integers:
#: they hash in C), each with the rank of its `since` among the case's own (the engine
#: compares times, never reads them).
_AlikeKey = tuple[str | None, tuple[tuple[int, int, frozenset[UUID], int], ...]]


def _alike_key(case: UserCase, plenty: set[UUID]) -> _AlikeKey | None:
    """The kind of `case`, or None when it must be evaluated in full (see `_evaluate_alike`)."""
    intents = case.intents
    if case.held or not intents:
        return None
    if len(intents) == 1:
        (i,) = intents
        if i.group_id is None or i.sku_id not in plenty:
            return None
        return (case.location, ((i.sku_id.int, i.group_id.int, i.disabled_plans, 0),))
    if any(i.group_id is None or i.sku_id not in plenty for i in intents):
        return None
    if len({(i.sku_id, i.group_id) for i in intents}) < len(intents):
        return None
    rank = {since: index for index, since in enumerate(sorted({i.since for i in intents}))}
    return (
        case.location,
        tuple(
            (i.sku_id.int, i.group_id.int, i.disabled_plans, rank[i.since])  # type: ignore[union-attr]
            for i in intents
        ),
    )


def _evaluate_alike(
    cases: Sequence[UserCase], rules: RuleBook, pool: SeatPool
) -> list[UserOutcome]:
    """Evaluate alike cases once per kind, the others in full; the same outcomes.

    A case qualifies when it holds nothing yet (so every row it gets is one of its
    intents, dated by it) and has only group intents, and every product it wants has a
    seat free for each user of the batch wanting it: its seats are then never short,
    whatever order users come in, so no other user can change its outcome, and its
    outcome is a function of its location and of its intents compared by time. The
    FIFO order of scarce seats is untouched: every user wanting a product short of
    seats is evaluated in full, together and in order, as before.
    """
    wanting: dict[UUID, int] = {}
    for case in cases:
        if len(case.intents) == 1:
            sku_id = case.intents[0].sku_id
            wanting[sku_id] = wanting.get(sku_id, 0) + 1
        else:
            for sku_id in {intent.sku_id for intent in case.intents}:
                wanting[sku_id] = wanting.get(sku_id, 0) + 1
    plenty = {sku_id for sku_id, users in wanting.items() if pool.free(sku_id) >= users}
    alike: list[tuple[int, _AlikeKey]] = []
    each: list[int] = []
    for index, case in enumerate(cases):
        key = _alike_key(case, plenty) if plenty else None
        if key is None:
            each.append(index)
        else:
            alike.append((index, key))
    if len(alike) < 2:
        return _evaluate_each(cases, rules, pool)

    outcomes: list[UserOutcome | None] = [None] * len(cases)
    for index, outcome in zip(
        each, _evaluate_each([cases[i] for i in each], rules, pool), strict=True
    ):
        outcomes[index] = outcome
    kinds: dict[_AlikeKey, UserOutcome] = {}
    count: dict[_AlikeKey, int] = {}
    for index, key in alike:
        case = cases[index]
        first = kinds.get(key)
        if first is None:
            # Evaluated alone on the seats it would see: enough, as for every user.
            own = SeatPool(
                {i.sku_id: pool.free(i.sku_id) for i in case.intents}, pool.disabled_skus
            )
            first = kinds[key] = _evaluate_each([case], rules, own)[0]
            outcomes[index] = first
            count[key] = 1
            continue
        count[key] += 1
        rows = first.assignments
        if len(rows) == 1:
            (r,) = rows
            (intent,) = case.intents
            mine: tuple[Assignment, ...] = (
                Assignment(r.sku_id, r.group_id, r.disabled_plans, r.state, r.error, intent.since),
            )
        else:
            since = {(i.sku_id, i.group_id): i.since for i in case.intents}
            mine = tuple(
                Assignment(r.sku_id, r.group_id, r.disabled_plans, r.state, r.error, since[r.key])
                for r in rows
            )
        outcomes[index] = UserOutcome(case.user_id, mine, dict(first.seat_changes))
    for key, first in kinds.items():
        for sku_id, change in first.seat_changes.items():
            pool.available[sku_id] = pool.free(sku_id) - change * count[key]
    return outcomes  # type: ignore[return-value]  # every index was filled above


def evaluate_user(case: UserCase, rules: RuleBook, pool: SeatPool) -> UserOutcome:
    return evaluate_batch([case], rules, pool)[0]


def _row_order(row: Assignment) -> tuple[int, int]:
    return (row.sku_id.int, row.group_id.int if row.group_id else 0)


def _held_skus(case: UserCase) -> set[UUID]:
    return {row.sku_id for row in case.held if row.state.applied}


def _settle_user(user: _User, pool: SeatPool) -> list[_Unit]:
    """Steps 1 to 3: direct licenses, kept group licenses, and removals.

    Returns the user's group sources still to try.
    """
    rules, case = user.rules, user.case
    held = {row.key: row for row in case.held} if case.held else {}
    by_group: dict[UUID, list[Intent]] = {}
    units: list[_Unit] = []

    for intent in case.intents:
        sku_id = intent.sku_id
        if sku_id not in rules.sku_plans or sku_id in pool.disabled_skus:
            user.rows[(sku_id, intent.group_id)] = _row(intent, State.DISABLED, None)
        elif intent.group_id is None:
            _settle_direct(user, intent, held.get((sku_id, None)), pool)
        else:
            by_group.setdefault(intent.group_id, []).append(intent)

    if not held:
        # Nothing recorded yet (a new member): every group source is simply to be tried.
        for group_id, intents in by_group.items():
            since = max(intent.since for intent in intents)
            units.append(_Unit(user, group_id, intents, {}, since))
        return units

    wanted = {(intent.sku_id, intent.group_id): intent for intent in case.intents}

    for group_id, intents in sorted(by_group.items(), key=lambda item: item[0].int):
        pending: list[Intent] = []
        replacing: dict[Key, Assignment] = {}
        for intent in intents:
            key = (intent.sku_id, group_id)
            row = held.get(key)
            if row is None or not row.state.applied:
                pending.append(intent)
            elif row.disabled_plans == intent.disabled_plans:
                _keep(user, intent, row)
            else:
                user.apply(row)
                replacing[key] = row
        if pending or replacing:
            open_intents = pending + [wanted[key] for key in replacing]
            since = max(intent.since for intent in open_intents)
            units.append(_Unit(user, group_id, open_intents, replacing, since))

    gone = [
        row
        for key, row in held.items()
        if key not in wanted and row.state.applied and row.sku_id in rules.sku_plans
    ]
    for row in gone:
        user.apply(row)
    for row in user.remove_gone(gone):
        user.blocked[row.key] = row
        user.rows[row.key] = _with(row, State.ACTIVE_WITH_ERROR, ErrorKind.DEPENDENCY)
    for row in gone:
        if row.key not in user.blocked:
            del user.rows[row.key]
    return units


def _settle_direct(user: _User, intent: Intent, row: Assignment | None, pool: SeatPool) -> None:
    if row is None or not row.state.applied:
        if user.needs_seat(intent.sku_id, pool):
            user.rows[(intent.sku_id, None)] = _row(intent, State.ERROR, ErrorKind.COUNT)
            return
        user.take_seat(intent.sku_id, pool)
    user.apply(_row(intent, State.ACTIVE, None))


def _keep(user: _User, intent: Intent, held: Assignment) -> None:
    """A working group license is never taken away while its intent remains."""
    config = user.rules.config(intent.sku_id, intent.disabled_plans)
    if user.rules.prohibited_at(config.enabled_plans, user.case.location):
        state, error = State.ACTIVE_WITH_ERROR, ErrorKind.PROHIBITED_LOCATION
    else:
        state, error = State.ACTIVE, None
    unchanged = held.state is state and held.error is error and held.since == intent.since
    user.apply(held if unchanged else _row(intent, state, error), config)


def _try_unit(unit: _Unit, pool: SeatPool) -> None:
    """Apply a group's open products to its user, all or nothing."""
    user, rules = unit.user, unit.user.rules
    configs = [rules.config(i.sku_id, i.disabled_plans) for i in unit.intents]
    others = user.applied.plans_without(unit.replacing)
    errors = _unit_errors(user, configs, others, pool)
    if errors is None and unit.replacing:
        # A new configuration must not take away what another plan depends on.
        after = others.union(*(config.enabled_plans for config in configs))
        if user.applied.breaks_dependency(rules, user.applied.plans(), after) is not None:
            errors = [
                ErrorKind.DEPENDENCY if i.sku_id in _skus(unit.replacing) else None
                for i in unit.intents
            ]

    if errors is None:
        for intent, config in zip(unit.intents, configs, strict=True):
            user.take_seat(intent.sku_id, pool)
            user.apply(_row(intent, State.ACTIVE, None), config)
        unit.applied = True
        return
    for intent, error in zip(unit.intents, errors, strict=True):
        key = (intent.sku_id, intent.group_id)
        kind = error or ErrorKind.OTHER
        previous = unit.replacing.get(key)
        if previous is not None:
            # The old configuration keeps working; the change waits with its reason.
            user.rows[key] = _with(previous, State.ACTIVE_WITH_ERROR, kind)
        else:
            user.rows[key] = _row(intent, State.ERROR, kind)


def _skus(rows: dict[Key, Assignment]) -> set[UUID]:
    return {sku for sku, _ in rows}


def _unit_errors(
    user: _User, configs: list[ProductConfig], others: frozenset[UUID], pool: SeatPool
) -> list[ErrorKind | None] | None:
    """The error of each product of a unit, or None when every product passes."""
    rules, location = user.rules, user.case.location
    errors: list[ErrorKind | None] = []
    for index, config in enumerate(configs):
        siblings: frozenset[UUID] = frozenset()
        if len(configs) > 1:
            siblings = siblings.union(
                *(c.enabled_plans for i, c in enumerate(configs) if i != index)
            )
        if rules.prohibited_at(config.enabled_plans, location):
            errors.append(ErrorKind.PROHIBITED_LOCATION)
        elif (
            not config.exclusive_partners.isdisjoint(others)
            or not config.exclusive_partners.isdisjoint(siblings)
            or (config.large_sets and config.excludes_in_large_sets(others | siblings))
        ):
            errors.append(ErrorKind.MUTUALLY_EXCLUSIVE)
        elif user.needs_seat(config.sku_id, pool):
            errors.append(ErrorKind.COUNT)
        else:
            errors.append(None)
    return errors if any(errors) else None


def _retry_until_stable(users: list[_User], units: list[_Unit], pool: SeatPool) -> None:
    """Try failed units again while removals or new seats may let them pass."""
    changed = True
    while changed:
        changed = False
        for user in users:
            if not user.blocked:
                continue
            staying = {row.key for row in user.remove_gone(list(user.blocked.values()))}
            for key in [key for key in user.blocked if key not in staying]:
                del user.blocked[key]
                del user.rows[key]
                changed = True
            user.release_unused(pool)
        for unit in units:
            if not unit.applied:
                _try_unit(unit, pool)
                changed = changed or unit.applied


def _row(intent: Intent, state: State, error: ErrorKind | None) -> Assignment:
    return Assignment(
        intent.sku_id, intent.group_id, intent.disabled_plans, state, error, intent.since
    )


def _with(row: Assignment, state: State, error: ErrorKind | None) -> Assignment:
    return Assignment(row.sku_id, row.group_id, row.disabled_plans, state, error, row.since)


def active_plans(rows: Iterable[Assignment], rules: RuleBook) -> set[UUID]:
    """The plans enabled on a user by the applied rows among `rows`."""
    plans: set[UUID] = set()
    for row in rows:
        if row.state.applied and row.sku_id in rules.sku_plans:
            plans |= rules.config(row.sku_id, row.disabled_plans).enabled_plans
    return plans
