"""Counting what the workers process, inside the transaction that commits it.

The totals (batches, users, seconds) and the duration histogram live in the database
(`BatchTotals`, `BatchDurationBucket`), so that `/metrics` on any server process reports
the work of every worker, wherever it runs, exactly once: a batch that rolls back
counts nothing. Batches write one after the other (`ordering`), so the two rows they
update add no wait of their own. Webhook delivery attempts are counted the same way, in
the transaction that records each (`WebhookAttemptTotal`).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from seatplan.store.tables import BatchDurationBucket, BatchTotals, WebhookAttemptTotal


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


def record_attempt(session: Session, result: str) -> None:
    """One webhook delivery attempt, in the transaction that records it (`delivery`)."""
    session.execute(
        update(WebhookAttemptTotal)
        .where(WebhookAttemptTotal.result == result)
        .values(attempts=WebhookAttemptTotal.attempts + 1)
        .execution_options(synchronize_session=False)
    )
