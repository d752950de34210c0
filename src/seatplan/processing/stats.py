"""Counting what the workers process, inside each batch's transaction.

The totals (batches, users, seconds) and the duration histogram live in the database
(`BatchTotals`, `BatchDurationBucket`), so that `/metrics` on any server process reports
the work of every worker, wherever it runs, exactly once: a batch that rolls back
counts nothing. Batches write one after the other (`ordering`), so the two rows they
update add no wait of their own.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from seatplan.store.tables import BatchDurationBucket, BatchTotals


def record_batch(session: Session, *, users: int, seconds: float) -> None:
    totals = (
        update(BatchTotals)
        .where(BatchTotals.id == 1)
        .values(
            batches=BatchTotals.batches + 1,
            users=BatchTotals.users + users,
            seconds=BatchTotals.seconds + seconds,
        )
    )
    buckets = (
        update(BatchDurationBucket)
        .where(BatchDurationBucket.le >= seconds)
        .values(batches=BatchDurationBucket.batches + 1)
    )
    for statement in (totals, buckets):
        session.execute(statement.execution_options(synchronize_session=False))
