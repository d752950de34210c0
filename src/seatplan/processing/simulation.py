"""What a change to a group's products would do, before anyone makes it.

The change is made for real inside a savepoint (so it is validated, and queues exactly
the users it would queue), the queue is evaluated the way the worker would evaluate it
next (oldest intent first, batch after batch, seats shared), and the savepoint is rolled
back: nothing is written, whatever happens. The engine's rules are the worker's rules.
Users queued for other reasons are evaluated too, since they would take seats first.
Seats the change frees are offered to users waiting elsewhere only after the worker's
batch; the preview stops before that second round and reports the seats as freed.

`evaluate_queue` is the evaluation itself, shared with the preview of a membership rule
(`rule_preview`), which changes the loaded users in memory instead of in a savepoint.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from seatplan import engine
from seatplan.catalog import Catalog
from seatplan.engine import (
    Assignment,
    ErrorKind,
    RuleBook,
    SeatPool,
    State,
    UserCase,
    UserOutcome,
)
from seatplan.processing.batch import gc_paused, seat_pool, skus_in
from seatplan.processing.loader import load_cases
from seatplan.services import catalog, licenses
from seatplan.services.licenses import Products
from seatplan.services.reports.common import part_number, plan_names
from seatplan.services.reports.help import ErrorHelp, error_help
from seatplan.store import bulk
from seatplan.store.tables import Group, QueuedUser, User

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
    """Graph's `assignLicense` on `group`, evaluated and undone. Bad input raises as the
    real change would; `session` is left as it was."""
    group_id, name = group.id, group.display_name
    savepoint = session.begin_nested()
    try:
        licenses.assign_to_group(session, group=group, add=add, remove=remove)
        return evaluate_queue(
            session,
            group_id=group_id,
            display_name=name,
            batches=queued_in_claim_order(session, batch_size),
            skus=sorted({*add, *remove}),
        )
    finally:
        savepoint.rollback()


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
