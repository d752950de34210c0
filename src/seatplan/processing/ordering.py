"""Several workers, one order: batches take seats in the order they claimed their users.

Workers load and evaluate their batches, and write their own users' rows, at the same
time, but a batch takes seats only after every batch claimed before it has finished.
Batches claim the oldest queued users, so seats go to the oldest intents whichever worker
is faster, and a batch that finds the seats changed under it evaluates again and writes
its rows again (see `batch.py`).

On PostgreSQL: a claim happens under a short session lock, takes a ticket from a
sequence and holds a transaction lock named after it; taking seats waits for the lock of
the ticket before. A worker that dies releases its locks with its connection. On SQLite one
writing transaction at a time is the rule already, so there is nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

from seatplan.store import dialects

_CLAIM_LOCK = 0x5EA7_0001
_TICKETS = 0x5EA7
_MAX_INT4 = 2**31

T = TypeVar("T")


def claim_in_order(session: Session, claim: Callable[[], T]) -> tuple[T, int | None]:
    """Run `claim` so that claims are ordered; returns its result and the batch's ticket."""
    if not dialects.is_postgres(session):
        return claim(), None
    session.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _CLAIM_LOCK})
    try:
        claimed = claim()
        ticket = int(session.execute(text("SELECT nextval('seatplan_batch_ticket')")).scalar_one())
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :ticket)"),
            {"space": _TICKETS, "ticket": ticket % _MAX_INT4},
        )
    finally:
        session.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _CLAIM_LOCK})
    return claimed, ticket


def wait_for_earlier(session: Session, ticket: int | None) -> None:
    """Block until the batch claimed just before this one has committed or rolled back."""
    if ticket is None:
        return
    session.execute(
        text("SELECT pg_advisory_xact_lock_shared(:space, :ticket)"),
        {"space": _TICKETS, "ticket": (ticket - 1) % _MAX_INT4},
    )
