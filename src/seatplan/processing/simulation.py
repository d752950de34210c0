"""What a change to a group's products would do, before anyone makes it.

The change is checked as the real one would be (same refusals), then made in memory
only: the queue the worker would find afterwards (the users queued already, the
group's members and the holders of its licenses, in claim order) is evaluated the way
the worker would evaluate it next (oldest intent first, batch after batch, seats
shared), with the group's products changed on the loaded users. The engine's rules are
the worker's rules. Users queued for other reasons are evaluated too, since they would
take seats first. Seats the change frees are offered to users waiting elsewhere only
after the worker's batch; the preview stops before that second round and reports the
seats as freed.

Nothing is written, not even in a savepoint: run it in `Database.snapshot()`, a read
transaction that sees one state throughout and that no writer waits for (SQLite's
write lock is never taken, however many members the group has).

`evaluate_queue` is the evaluation itself, shared with the preview of a membership rule
(`rule_preview`), which changes the loaded users in memory the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import Select, and_, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from seatplan import engine
from seatplan.catalog import Catalog
from seatplan.engine import (
    Assignment,
    ErrorKind,
    Intent,
    RuleBook,
    SeatPool,
    State,
    UserCase,
    UserOutcome,
)
from seatplan.processing.batch import gc_paused, seat_pool, skus_in
from seatplan.processing.loader import load_cases
from seatplan.services import catalog, licenses, queue
from seatplan.services.licenses import Products
from seatplan.services.reports.common import part_number, plan_names
from seatplan.services.reports.help import ErrorHelp, error_help
from seatplan.store import bulk
from seatplan.store.tables import Group, GroupLicense, QueuedUser, User
from seatplan.store.types import utcnow

#: Users in error named in a simulation's answer, at most.
EXAMPLES = 10


@dataclass(frozen=True, slots=True)
class OutcomeCount:
    """How many users would end with this product of the group in this state."""

    sku_id: UUID
    sku_part_number: str
    state: str
    error: str | None
    users: int


@dataclass(frozen=True, slots=True)
class Removal:
    """How many users would lose this product of the group."""

    sku_part_number: str
    users: int


@dataclass(frozen=True, slots=True)
class SeatForecast:
    sku_id: UUID
    sku_part_number: str
    available_now: int
    available_after: int


@dataclass(frozen=True, slots=True)
class ExampleError:
    user_id: UUID
    user_principal_name: str
    sku_part_number: str
    error: str
    #: The service plans behind the error (see `plans_involved`), by name.
    plans: tuple[str, ...] = ()

    @property
    def help(self) -> ErrorHelp | None:
        """What the error means and what to do, as every face explains it."""
        return error_help(self.error)


@dataclass(frozen=True, slots=True)
class Simulation:
    group_id: UUID
    display_name: str
    users_evaluated: int
    #: The group's assignments after the change, by product, state and error.
    outcomes: tuple[OutcomeCount, ...]
    #: Per product: users whose assignment from the group would be removed.
    removed: tuple[Removal, ...]
    seats: tuple[SeatForecast, ...]
    examples: tuple[ExampleError, ...]


def simulate_group_change(
    session: Session, *, group: Group, add: Products, remove: Sequence[UUID], batch_size: int
) -> Simulation:
    """Graph's `assignLicense` on `group`, evaluated without being made. Bad input raises
    as the real change would. Only reads."""
    current = licenses.check_group_change(session, group=group, add=add, remove=remove)
    now = utcnow()
    kept = [row.assigned_at for sku, row in current.items() if sku not in remove]
    new = {sku: disabled for sku, disabled in add.items() if sku not in current}
    # When the group got its first product, as the real change leaves it (a product
    # added now is assigned now; a changed one keeps its date).
    first = min([*kept, now] if new else kept, default=None)
    got_product = literal(first, GroupLicense.assigned_at.type)
    members, holders = queue.group_queue(session, group.id, got_product, now)
    order, reached = _queue_after(session, members, holders)
    # A disabled account holds nothing (`processing.loader`): no product reaches it.
    disabled = select(User.id).where(User.account_enabled.is_(False))
    reached -= {user for (user,) in bulk.fetch(session, disabled)}
    changed = {sku: disabled for sku, disabled in add.items() if sku in current}
    gone = set(remove)
    # Newer than any membership: a new product's intent is as old as the product.
    added = tuple(Intent(sku, group.id, disabled, now) for sku, disabled in new.items())

    def adjust(cases: list[UserCase]) -> list[UserCase]:
        """The group's products as the change leaves them, on the loaded users."""
        out = []
        for case in cases:
            intents = case.intents
            if current and any(i.group_id == group.id for i in intents):
                intents = tuple(
                    Intent(i.sku_id, i.group_id, changed[i.sku_id], i.since)
                    if i.sku_id in changed
                    else i
                    for i in intents
                    if i.group_id != group.id or i.sku_id not in gone
                )
            if added and case.user_id in reached:
                intents += added
            out.append(
                case
                if intents is case.intents
                else UserCase(case.user_id, case.location, intents, case.held)
            )
        return out

    return evaluate_queue(
        session,
        group_id=group.id,
        display_name=group.display_name,
        batches=(order[first : first + batch_size] for first in range(0, len(order), batch_size)),
        skus=sorted({*add, *remove}),
        adjust=adjust,
    )


#: Changes a preview makes to the users it loads before evaluating them, in memory.
Adjust = Callable[[list[UserCase]], list[UserCase]]


def evaluate_queue(
    session: Session,
    *,
    group_id: UUID,
    display_name: str,
    batches: Iterable[list[UUID]],
    skus: Sequence[UUID],
    adjust: Adjust | None = None,
) -> Simulation:
    """Evaluate `batches` of users as the worker would (its loader, the engine, one seat
    pool shared across batches) and count what happens to `group_id`'s assignments and
    to the seats of `skus`. Only reads: `adjust` makes a change that is not written."""
    with gc_paused():
        rules, products = catalog.current(session)
        tally = _Tally(group_id, rules)
        pool = SeatPool({})
        now: dict[UUID, int] = {}
        for user_ids in batches:
            cases = load_cases(session, user_ids)
            if adjust is not None:
                cases = adjust(cases)
            extend_pool(session, pool, now, skus_in(cases))
            tally.add(cases, engine.evaluate_batch(cases, rules, pool))
    extend_pool(session, pool, now, skus)
    seats = tuple(
        SeatForecast(sku, part_number(products, sku), now[sku], pool.free(sku)) for sku in skus
    )
    return Simulation(
        group_id=group_id,
        display_name=display_name,
        users_evaluated=tally.users,
        outcomes=tuple(
            sorted(
                (
                    OutcomeCount(sku, part_number(products, sku), state, error, users)
                    for (sku, state, error), users in tally.outcomes.items()
                ),
                key=lambda o: (o.sku_part_number, o.state != State.ACTIVE, o.state, o.error or ""),
            )
        ),
        removed=tuple(
            sorted(
                (Removal(part_number(products, sku), n) for sku, n in tally.removed.items()),
                key=lambda r: r.sku_part_number,
            )
        ),
        seats=seats,
        examples=_examples(session, products, tally.errors),
    )


class _Tally:
    """What the evaluated batches did to the group's assignments."""

    def __init__(self, group_id: UUID, rules: RuleBook) -> None:
        self.group_id = group_id
        self.rules = rules
        self.users = 0
        self.outcomes: Counter[tuple[UUID, str, str | None]] = Counter()
        self.removed: Counter[UUID] = Counter()
        self.errors: list[tuple[UUID, UUID, str, frozenset[UUID]]] = []

    def add(self, cases: Sequence[UserCase], outcomes: Sequence[UserOutcome]) -> None:
        self.users += len(cases)
        for case, outcome in zip(cases, outcomes, strict=True):
            kept = set()
            for row in outcome.assignments:
                if row.group_id != self.group_id:
                    continue
                kept.add(row.sku_id)
                error = row.error.value if row.error else None
                self.outcomes[(row.sku_id, row.state.value, error)] += 1
                if row.error is not None and len(self.errors) < EXAMPLES:
                    plans = plans_involved(self.rules, case, outcome, row)
                    self.errors.append((case.user_id, row.sku_id, row.error.value, plans))
            for row in case.held:
                if row.group_id == self.group_id and row.sku_id not in kept:
                    self.removed[row.sku_id] += 1


def plans_involved(
    rules: RuleBook, case: UserCase, outcome: UserOutcome, row: Assignment
) -> frozenset[UUID]:
    """The service plans behind `row`'s error, through the engine's own rules: both sides
    of a conflict, the plans not allowed at the user's location, the plans that depend on
    the product. Seats (CountViolation) and a sibling's failure (Other) name none."""
    if row.sku_id not in rules.sku_plans:
        return frozenset()
    mine = rules.config(row.sku_id, row.disabled_plans).enabled_plans
    others = engine.active_plans((r for r in outcome.assignments if r is not row), rules)
    if row.error is ErrorKind.MUTUALLY_EXCLUSIVE:
        clashing = {plan for plan in mine if rules.partners_among(plan, others)}
        partners = {p for plan in clashing for p in rules.partners_among(plan, others)}
        return frozenset(clashing | partners)
    if row.error is ErrorKind.PROHIBITED_LOCATION and case.location is not None:
        location = case.location
        return frozenset(p for p in mine if rules.prohibited_at(frozenset({p}), location))
    if row.error is ErrorKind.DEPENDENCY:
        return frozenset(
            plan
            for plan in others & rules.dependent_plans
            if any(alternative & mine for alternative in rules.dependencies[plan])
        )
    return frozenset()


def queued_in_claim_order(session: Session, size: int) -> Iterator[list[UUID]]:
    """The queue in the worker's order, a batch at a time (keyset paging, no OFFSET)."""
    ordered = select(QueuedUser.priority, QueuedUser.user_id).order_by(
        QueuedUser.priority, QueuedUser.user_id
    )
    page = bulk.fetch(session, ordered.limit(size))
    while page:
        yield [user_id for _, user_id in page]
        last_priority, last_user = page[-1]
        after = or_(
            QueuedUser.priority > last_priority,
            and_(QueuedUser.priority == last_priority, QueuedUser.user_id > last_user),
        )
        page = bulk.fetch(session, ordered.where(after).limit(size))


def _queue_after(
    session: Session, members: Select[UUID, Any], holders: Select[UUID, Any]
) -> tuple[list[UUID], set[UUID]]:
    """The queue in the worker's order once a group's `members` and license `holders`
    (user id, priority) are queued too (a user queued twice keeps the older priority, as
    the real queue does), and which of them are members: one pass over the rows."""
    rows = union_all(
        select(QueuedUser.user_id, QueuedUser.priority, literal(0).label("member")),
        members.add_columns(literal(1)),
        holders.add_columns(literal(0)),
    ).subquery()
    ordered = (
        select(rows.c.user_id, func.max(rows.c.member))
        .group_by(rows.c.user_id)
        .order_by(func.min(rows.c.priority), rows.c.user_id)
    )
    found = bulk.fetch(session, ordered)
    return [user for user, _ in found], {user for user, member in found if member}


def extend_pool(
    session: Session, pool: SeatPool, now: dict[UUID, int], skus: Sequence[UUID]
) -> None:
    """Add to the shared pool the seat counters of SKUs it has not met yet (`now`: their
    seats available before the evaluation)."""
    new = [sku for sku in skus if sku not in now]
    if not new:
        return
    fresh = seat_pool(session, new, lock=False)
    pool.available.update(fresh.available)
    pool.disabled_skus |= fresh.disabled_skus
    now.update({sku: fresh.free(sku) for sku in new})


def _examples(
    session: Session, products: Catalog, errors: list[tuple[UUID, UUID, str, frozenset[UUID]]]
) -> tuple[ExampleError, ...]:
    users = select(User.id, User.user_principal_name).where(
        User.id.in_({user for user, _, _, _ in errors})
    )
    names = dict(session.execute(users).all())
    return tuple(
        ExampleError(
            user,
            names.get(user, str(user)),
            part_number(products, sku),
            error,
            plan_names(products, plans),
        )
        for user, sku, error, plans in errors
    )
