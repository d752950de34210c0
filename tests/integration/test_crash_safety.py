"""A worker killed with SIGKILL at any point loses nothing and counts nothing twice."""

from __future__ import annotations

import signal
import time

import pytest
import scale_support as scale
from sqlalchemy import func, select

from seatplan.processing import worker
from seatplan.store.db import Database
from seatplan.store.tables import LicenseAssignment

MEMBERS, SEATS, BATCH = 1200, 1000, 150


@pytest.fixture
def reference(_templates, database_url):
    """The outcome of an uninterrupted run on an identical tenant of the same backend."""
    url = _templates.sqlite_url() if database_url.startswith("sqlite") else _templates.pg_url()
    db = Database(url)
    scale.build(db, members=MEMBERS, seats=SEATS)
    scale.assign(db)
    worker.drain(db, batch_size=BATCH)
    result = scale.outcome(db)
    db.dispose()
    return result


@pytest.mark.parametrize(
    "failpoint",
    ["after-claim:1", "after-claim:3", "after-evaluate:2", "after-write:1", "after-write:4"],
)
def test_killed_at_a_point_of_a_batch_then_resumed(db, database_url, reference, failpoint):
    scale.build(db, members=MEMBERS, seats=SEATS)
    scale.assign(db)
    code = scale.drain_in_process(database_url, batch_size=BATCH, failpoint=failpoint)
    assert code == -signal.SIGKILL
    assert scale.queued(db) > 0  # the killed batch is still queued
    assert scale.problems(db) == [] or scale.queued(db) > 0
    worker.drain(db, batch_size=BATCH)
    assert scale.outcome(db) == reference
    assert scale.problems(db) == []


def test_a_running_worker_killed_mid_group(db, database_url, reference):
    scale.build(db, members=MEMBERS, seats=SEATS)
    scale.assign(db)
    process = scale.worker_process(database_url, batch_size=50)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with db.reading() as s:
                written = s.scalar(select(func.count()).select_from(LicenseAssignment)) or 0
            if written >= MEMBERS // 3:
                break
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert 0 < written < MEMBERS, "the worker should be killed in the middle of the group"
    worker.drain(db, batch_size=BATCH)
    assert scale.outcome(db) == reference
    assert scale.problems(db) == []
