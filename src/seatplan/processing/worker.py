"""Drain the queue once (CLI) or keep draining it until stopped (the worker)."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from seatplan.processing import delivery, rule_evaluation
from seatplan.processing.batch import BatchResult, process_batch
from seatplan.services import changes, queue, transaction
from seatplan.store import faults
from seatplan.store.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")

#: Called after each batch with (users done so far, users still queued).
Progress = Callable[[int, int], None]

MAX_RETRIES = 8
#: How often an idle worker prunes the change log (`changes.prune`).
PRUNE_EVERY_SECONDS = 3600.0


def pending(db: Database) -> int:
    with db.reading() as session:
        return queue.queued_count(session)


def drain(db: Database, *, batch_size: int, progress: Progress | None = None) -> int:
    """Process batches until the queue is empty. Returns the number of users evaluated."""
    done = 0
    while True:
        # Dynamic groups' rules first: their joins and leaves queue licensing work.
        evaluated = _retrying(rule_evaluation.run_chunk, db)
        result = _with_retries(db, batch_size)
        done += result.users
        if result.users == 0 and evaluated == 0:
            return done
        if progress is not None and result.users:
            progress(done, pending(db))


def check_connection(db: Database) -> None:
    """Fail at once, with the database's own error, when it cannot be reached."""
    with db.reading() as session:
        session.execute(text("SELECT 1"))


def run(db: Database, *, batch_size: int, poll_seconds: float, stop: threading.Event) -> None:
    """The worker loop: drain, then wait for more work, until `stop` is set.

    Webhook deliveries go out from a thread of their own beside it, so that a slow
    receiver never holds up licensing.
    """
    check_connection(db)
    log.info("worker started")
    sending = threading.Thread(
        target=delivery.run,
        kwargs={"db": db, "poll_seconds": poll_seconds, "stop": stop},
        name="seatplan-webhooks",
        daemon=True,
    )
    sending.start()
    try:
        _loop(db, batch_size=batch_size, poll_seconds=poll_seconds, stop=stop)
    finally:
        stop.set()
        sending.join(timeout=60)
    log.info("worker stopped")


def _loop(db: Database, *, batch_size: int, poll_seconds: float, stop: threading.Event) -> None:
    pruned_at = float("-inf")
    while not stop.is_set():
        try:
            evaluated = _retrying(rule_evaluation.run_chunk, db)
            if _with_retries(db, batch_size).users == 0 and evaluated == 0:
                if time.monotonic() - pruned_at >= PRUNE_EVERY_SECONDS:
                    prune_change_log(db)
                    pruned_at = time.monotonic()
                stop.wait(poll_seconds)
        except Exception as error:  # a worker outlives any one bad batch; it stays queued
            if (reason := faults.unavailable(error)) is not None:
                log.warning("batch not processed: %s; retrying after a pause", reason)
            else:
                log.exception("batch failed; retrying after a pause")
            stop.wait(poll_seconds * 5)


def prune_change_log(db: Database) -> int:
    """Delete the change-log rows no delta token can need any more. Returns how many."""
    with transaction.writing(db) as session:
        pruned = changes.prune(session)
    if pruned:
        log.info("pruned %d change-log rows", pruned)
    return pruned


def _with_retries(db: Database, batch_size: int) -> BatchResult:
    """A batch that lost a race (lock timeout, deadlock, lost connection) is retried whole."""
    return _retrying(lambda again: process_batch(again, size=batch_size), db)


def _retrying(work: Callable[[Database], T], db: Database) -> T:
    """`work` in its own transaction, retried whole when it lost a race."""
    for attempt in range(MAX_RETRIES):
        try:
            return work(db)
        except (OperationalError, DBAPIError) as error:
            if attempt == MAX_RETRIES - 1 or not _transient(error):
                raise
            delay = min(2.0, 0.05 * 2**attempt) * (0.5 + random.random())
            log.warning("batch rolled back (%s); retry in %.2fs", type(error.orig).__name__, delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def _transient(error: DBAPIError) -> bool:
    if error.connection_invalidated or isinstance(error, OperationalError):
        return True
    # PostgreSQL: serialization_failure, deadlock_detected.
    return getattr(error.orig, "sqlstate", None) in {"40001", "40P01"}
