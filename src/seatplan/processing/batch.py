"""One batch: claim queued users, load them, evaluate, write, and release the claim.

All of it happens in one transaction: a worker that dies before committing leaves the
queue and the seats exactly as they were, and another worker takes the users again.
"""

from __future__ import annotations

import gc
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from seatplan import engine
from seatplan.engine import ErrorKind, SeatPool, UserCase, UserOutcome
from seatplan.processing import failpoints, group_progress, ordering, stats
from seatplan.processing.loader import load_cases
from seatplan.processing.writer import take_seats, write_rows
from seatplan.services import catalog, subscriptions, transaction
from seatplan.store import bulk
from seatplan.store.db import Database
from seatplan.store.tables import QueuedUser

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BatchResult:
    users: int
    #: PostgreSQL's order of the batch among concurrent workers (`ordering`).
    ticket: int | None = None


def process_batch(db: Database, *, size: int) -> BatchResult:
    """Evaluate up to `size` queued users, oldest intent first. Returns how many."""
    started = time.perf_counter()
    with gc_paused():
        result = _process(db, size, started)
    if result.users:
        log.info(
            "batch of %d users processed",
            result.users,
            extra={
                # A name for the batch in the logs, on SQLite too (no ticket there).
                "batch": uuid.uuid4().hex[:12],
                "ticket": result.ticket,
                "users": result.users,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            },
        )
    return result


@contextmanager
def gc_paused() -> Iterator[None]:
    """A batch allocates hundreds of thousands of short-lived objects and frees them all at
    its end: the cyclic collector would scan them many times over for nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _process(db: Database, size: int, started: float) -> BatchResult:
    with transaction.writing(db) as session:
        claimed, ticket = ordering.claim_in_order(session, lambda: _claim(session, size))
        if not claimed:
            group_progress.mark_finished(session)
            return BatchResult(0)
        failpoints.reach("after-claim")
        cases = load_cases(session, claimed)
        rules = catalog.rulebook(session)
        skus = skus_in(cases)
        # Evaluate on a snapshot of the seats, alongside other workers; then, in claim
        # order and under the seat counters' row locks, check the snapshot still holds.
        snapshot = seat_pool(session, skus, lock=False)
        outcomes = engine.evaluate_batch(cases, rules, _copy(snapshot))
        failpoints.reach("after-evaluate")
        # The rows before the batch's turn: they are its own users', so batches write them
        # side by side. Only the seats, and what shares rows with other batches (events,
        # groups, counters), wait for the batch claimed before and the counters' locks.
        early = session.begin_nested()
        summary = write_rows(session, cases, outcomes)
        ordering.wait_for_earlier(session, ticket)
        current = seat_pool(session, skus, lock=True)
        if _still_valid(snapshot, current, outcomes):
            early.commit()
        else:
            # Undoing the rows also lets go of the counters' locks: take them again.
            early.rollback()
            current = seat_pool(session, skus, lock=True)
            outcomes = engine.evaluate_batch(cases, rules, current)
            summary = write_rows(session, cases, outcomes)
        group_progress.mark_started(session, claimed)
        take_seats(session, summary)
        group_progress.count_outcomes(session, outcomes)
        # No ORM synchronisation: it would read back every deleted key for nothing.
        done = delete(QueuedUser).where(bulk.among(session, QueuedUser.user_id, claimed))
        session.execute(done.execution_options(synchronize_session=False))
        freed = {sku: -n for sku, n in summary.seat_changes.items() if n < 0}
        subscriptions.offer_freed_seats(session, freed)
        group_progress.mark_finished(session)
        # Counted with the batch itself: its duration up to here, the commit excepted.
        stats.record_batch(session, users=len(claimed), seconds=time.perf_counter() - started)
        failpoints.reach("after-write")
        return BatchResult(len(claimed), ticket)


def _claim(session: Session, size: int) -> bulk.Ids:
    """The oldest queued users, held until this transaction ends.

    On PostgreSQL the rows are locked `FOR UPDATE SKIP LOCKED`, so that concurrent workers
    take disjoint batches and a dead worker's rows are free again when its connection
    closes. On SQLite the writing transaction already excludes every other writer.
    """
    oldest = select(QueuedUser.user_id).order_by(QueuedUser.priority, QueuedUser.user_id)
    oldest = oldest.limit(size).with_for_update(skip_locked=True)  # SQLite leaves it out
    # Sent again in several statements of the batch: their hex forms are made once.
    return bulk.Ids(user_id for (user_id,) in bulk.fetch(session, oldest))


def skus_in(cases: list[UserCase]) -> list[UUID]:
    skus = {intent.sku_id for case in cases for intent in case.intents}
    skus |= {row.sku_id for case in cases for row in case.held}
    return sorted(skus)


def seat_pool(session: Session, skus: list[UUID], *, lock: bool) -> SeatPool:
    usage = subscriptions.seat_counters(session, skus, lock=lock)
    return SeatPool(
        available={sku: enabled - consumed for sku, (enabled, consumed) in usage.items()},
        disabled_skus=frozenset(sku for sku in skus if not usage.get(sku, (0, 0))[0]),
    )


def _copy(pool: SeatPool) -> SeatPool:
    return SeatPool(dict(pool.available), pool.disabled_skus)


def _still_valid(snapshot: SeatPool, current: SeatPool, outcomes: list[UserOutcome]) -> bool:
    """The outcomes evaluated on `snapshot` are those `current` would give.

    They are when nothing changed; or when every seat the batch wanted it got (no
    CountViolation) and the seats it takes are still free.
    """
    if snapshot == current:
        return True
    if snapshot.disabled_skus != current.disabled_skus:
        return False
    taken: dict[UUID, int] = {}
    for outcome in outcomes:
        for sku_id, change in outcome.seat_changes.items():
            taken[sku_id] = taken.get(sku_id, 0) + change
        if any(row.error is ErrorKind.COUNT for row in outcome.assignments):
            return False
    return all(current.free(sku_id) >= change for sku_id, change in taken.items() if change > 0)
