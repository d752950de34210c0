"""Database faults: unreachable at start, and a connection lost in the middle of a batch."""

from __future__ import annotations

import subprocess
import sys

import pytest
import scale_support as scale
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from seatplan.processing import batch, worker
from seatplan.store.db import Database


def test_a_worker_with_no_database_says_so_in_one_line_and_exits():
    done = subprocess.run(
        [sys.executable, "-c", "from seatplan.cli.main import app; app()", "worker"],
        env={
            "SEATPLAN_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("Error: Cannot use the database")
    assert "Traceback" not in done.stderr


# Terminating a server connection from outside is a PostgreSQL test.
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_connection_lost_mid_batch_is_retried_and_nothing_is_half_written(
    db, database_url, monkeypatch
):
    scale.build(db, members=300, seats=200)
    scale.assign(db)
    load = batch.load_cases
    killed = []

    def load_then_lose_the_connection(session, user_ids):
        cases = load(session, user_ids)
        if not killed:
            pid = session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.dispose()
            killed.append(pid)
        return cases

    monkeypatch.setattr(batch, "load_cases", load_then_lose_the_connection)
    worker.drain(db, batch_size=100)
    assert killed, "the fault was not injected"
    assert scale.queued(db) == 0
    assert scale.problems(db) == []
    rows, seats = scale.outcome(db)
    assert seats == (200, 200)
    assert len(rows) == 300


def test_the_worker_refuses_to_start_without_a_database():
    db = Database("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(OperationalError, match=r"Connection refused|connection failed"):
        worker.check_connection(db)
    db.dispose()
