"""Who would lose what if a change were made: the numbers every confirmation states.

`preview_change` makes any change (removing a member, a group's product, a direct
license…) for real inside a savepoint, evaluates the queue as the worker would next, and
rolls everything back: nothing is written, whatever happens. A product is lost when the
user holds it applied now (from any source) and would not after the change: a member
removed from a group who keeps the product through another group loses nothing.

Users already queued for other reasons are evaluated twice, without and with the change,
so that only what the change itself does is counted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session

from seatplan import engine
from seatplan.engine import Assignment, RuleBook, SeatPool
from seatplan.processing.batch import gc_paused, skus_in
from seatplan.processing.loader import load_cases
from seatplan.processing.simulation import EXAMPLES, extend_pool, queued_in_claim_order
from seatplan.services import assignment_rows, catalog
from seatplan.services.reports.common import part_number
from seatplan.store.tables import User

#: (products lost, (product, error) of assignments newly in error) of one user.
_Effect = tuple[frozenset[UUID], frozenset[tuple[UUID, str]]]


@dataclass(frozen=True, slots=True)
class ProductCount:
    """How many users this would happen to, for one product (and one error kind)."""

    sku_part_number: str
    users: int
    error: str | None = None


@dataclass(frozen=True, slots=True)
class UserLoss:
    user_id: UUID
    user_principal_name: str
    #: Part numbers of the products the user would no longer have.
    products: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChangePreview:
    users_evaluated: int
    #: Per product: users who would no longer have it at all.
    lost: tuple[ProductCount, ...]
    #: Per product and error: assignments that would newly be in error.
    errors: tuple[ProductCount, ...]
    #: The first users who would lose a product (at most EXAMPLES).
    examples: tuple[UserLoss, ...]
    #: How many users would lose at least one product.
    users_losing: int

    @property
    def harmless(self) -> bool:
        """Nobody loses a product and nothing goes into error."""
        return not self.lost and not self.errors


def preview_change(
    session: Session,
    change: Callable[[Session], object],
    *,
    batch_size: int,
    subjects: Sequence[UUID] = (),
) -> ChangePreview:
    """What `change` would do to licenses, evaluated and undone. `subjects` are users the
    change itself rewrites (a direct license removed) rather than queues: their
    assignments are read before the change. Bad input raises as the real change would."""
    savepoint = session.begin_nested()
    try:
        rules, _ = catalog.current(session)
        baseline, _ = _effects(session, rules, queued_in_claim_order(session, batch_size), {})
        before = {user: assignment_rows.held(session, user) for user in subjects}
        change(session)
        session.flush()
        effects, evaluated = _effects(
            session, rules, queued_in_claim_order(session, batch_size), before
        )
        for user, held in before.items():  # a subject the change did not queue
            if user not in effects:
                effects[user] = _effect(held, assignment_rows.held(session, user))
        return _summary(session, effects, baseline, evaluated)
    finally:
        savepoint.rollback()


def _effects(
    session: Session,
    rules: RuleBook,
    batches: Iterable[list[UUID]],
    before: dict[UUID, list[Assignment]],
) -> tuple[dict[UUID, _Effect], int]:
    """Each evaluated user's effect, the worker's way (one seat pool across batches)."""
    found: dict[UUID, _Effect] = {}
    evaluated = 0
    with gc_paused():
        pool = SeatPool({})
        now: dict[UUID, int] = {}
        for user_ids in batches:
            cases = load_cases(session, user_ids)
            extend_pool(session, pool, now, skus_in(cases))
            for case, outcome in zip(cases, engine.evaluate_batch(cases, rules, pool), strict=True):
                held = before.get(case.user_id, list(case.held))
                found[case.user_id] = _effect(held, outcome.assignments)
            evaluated += len(cases)
    return found, evaluated


def _effect(held: Sequence[Assignment], after: Sequence[Assignment]) -> _Effect:
    applied_after = {row.sku_id for row in after if row.state.applied}
    lost = frozenset(row.sku_id for row in held if row.state.applied) - applied_after
    erring_before = {(row.key, row.error) for row in held if row.error is not None}
    errors = frozenset(
        (row.sku_id, row.error.value)
        for row in after
        if row.error is not None and (row.key, row.error) not in erring_before
    )
    return lost, errors


def _summary(
    session: Session,
    effects: dict[UUID, _Effect],
    baseline: dict[UUID, _Effect],
    evaluated: int,
) -> ChangePreview:
    _, products = catalog.current(session)
    lost: Counter[UUID] = Counter()
    errors: Counter[tuple[UUID, str]] = Counter()
    losing: list[tuple[UUID, frozenset[UUID]]] = []
    for user, (gone, erring) in effects.items():
        gone_anyway, erring_anyway = baseline.get(user, (frozenset(), frozenset()))
        gone, erring = gone - gone_anyway, erring - erring_anyway
        lost.update(gone)
        errors.update(erring)
        if gone:
            losing.append((user, gone))
    losing.sort(key=lambda item: item[0])
    shown = losing[:EXAMPLES]
    names = dict(
        session.execute(
            select(User.id, User.user_principal_name).where(User.id.in_([u for u, _ in shown]))
        ).all()
    )
    return ChangePreview(
        users_evaluated=evaluated,
        lost=tuple(
            sorted(
                (ProductCount(part_number(products, sku), n) for sku, n in lost.items()),
                key=lambda c: c.sku_part_number,
            )
        ),
        errors=tuple(
            sorted(
                (
                    ProductCount(part_number(products, sku), n, error)
                    for (sku, error), n in errors.items()
                ),
                key=lambda c: (c.sku_part_number, c.error or ""),
            )
        ),
        examples=tuple(
            UserLoss(
                user,
                names.get(user, str(user)),
                tuple(sorted(part_number(products, sku) for sku in gone)),
            )
            for user, gone in shown
        ),
        users_losing=len(losing),
    )
