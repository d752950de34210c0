"""One batch: claim queued users, load them, evaluate, write, and release the claim.

All of it happens in one transaction: a worker that dies before committing leaves the
queue and the seats exactly as they were, and another worker takes the users again.
"""

from __future__ import annotations

import gc
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from seatplan import engine
from seatplan.engine import SeatPool, UserCase
from seatplan.processing import group_progress
from seatplan.processing.loader import load_cases
from seatplan.processing.writer import write_outcomes
from seatplan.services import catalog, subscriptions
from seatplan.store.db import Database
from seatplan.store.tables import QueuedUser


@dataclass(frozen=True, slots=True)
class BatchResult:
    users: int
    seats_freed: int = 0


def process_batch(db: Database, *, size: int) -> BatchResult:
    """Evaluate up to `size` queued users, oldest intent first. Returns how many."""
    # A batch allocates hundreds of thousands of short-lived objects and frees them all at
    # its end: the cyclic collector would scan them many times over for nothing.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _process(db, size)
    finally:
        if gc_was_enabled:
            gc.enable()


def _process(db: Database, size: int) -> BatchResult:
    token = uuid.uuid4().hex
    with db.writing() as session:
        claimed = _claim(session, token, size)
        if not claimed:
            group_progress.mark_finished(session)
            return BatchResult(0)
        group_progress.mark_started(session, token)
        cases = load_cases(session, token)
        pool = _seat_pool(session, cases)
        outcomes = engine.evaluate_batch(cases, catalog.rulebook(session), pool)
        summary = write_outcomes(session, cases, outcomes)
        group_progress.count_outcomes(session, outcomes)
        session.execute(delete(QueuedUser).where(QueuedUser.claimed_by == token))
        freed = {sku: -n for sku, n in summary.seat_changes.items() if n < 0}
        subscriptions.offer_freed_seats(session, freed)
        group_progress.mark_finished(session)
        return BatchResult(claimed, sum(freed.values()))


def _claim(session: Session, token: str, size: int) -> int:
    oldest = (
        select(QueuedUser.user_id)
        .where(QueuedUser.claimed_by.is_(None))
        .order_by(QueuedUser.priority, QueuedUser.user_id)
        .limit(size)
    )
    if session.get_bind().dialect.name == "postgresql":
        # Several workers: each takes rows no other transaction holds.
        oldest = oldest.with_for_update(skip_locked=True)
    result = session.execute(
        update(QueuedUser)
        .where(QueuedUser.user_id.in_(oldest.scalar_subquery()))
        .values(claimed_by=token),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _seat_pool(session: Session, cases: list[UserCase]) -> SeatPool:
    skus = {intent.sku_id for case in cases for intent in case.intents}
    skus |= {row.sku_id for case in cases for row in case.held}
    usage = subscriptions.lock_usage(session, sorted(skus))
    return SeatPool(
        available={sku: u.enabled_units - u.consumed_units for sku, u in usage.items()},
        disabled_skus=frozenset(
            sku for sku in skus if sku not in usage or not usage[sku].enabled_units
        ),
    )
