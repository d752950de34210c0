"""What a scrape of `/metrics` and a `/readyz` ask the database stays cheap, on both.

As in test_list_plans.py, every statement is captured and its plan asked for (SQLite:
`EXPLAIN QUERY PLAN`; PostgreSQL: `EXPLAIN` with `enable_seqscan = off`, so that a table
without a usable index shows as a `Seq Scan` even on a few rows). A big table may only
be read through the index that keeps the read small:

- the assignments through the partial index of those in error (a handful, not every
  user's licenses);
- the queue through its order index: its head (one entry, under a LIMIT) and, for the
  depth, its entries, which are only the work not done yet;
- webhook deliveries through the partial index of those still pending (delivered ones
  pile up).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from seatplan import demo
from seatplan.services import gauges
from seatplan.store.db import Database

#: Each big table a gauge reads, and the one index it may read it by.
ALLOWED = {
    "license_assignment": "ix_license_assignment_errors",
    "license_queue": "ix_license_queue_order",
    "webhook_delivery": "ix_webhook_delivery_pending",
}
NEVER = ("app_user", "membership", "audit_event", "directory_group")


@contextmanager
def captured(db: Database) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if not statement.startswith(("BEGIN", "SET")):
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)


def _plans(db: Database, seen: list[tuple[str, Any]]) -> list[tuple[str, list[str]]]:
    with db.engine.connect() as connection:
        if db.is_sqlite:
            return [
                (
                    sql,
                    [
                        str(row[-1])
                        for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
                    ],
                )
                for sql, params in seen
            ]
        connection.exec_driver_sql("SET enable_seqscan = off")
        return [
            (sql, [str(row[0]) for row in connection.exec_driver_sql(f"EXPLAIN {sql}", params)])
            for sql, params in seen
        ]


def _check(db: Database, sql: str, plan: list[str]) -> None:
    text = "\n".join(plan)
    for table in NEVER:
        assert f" {table} " not in f" {text} ", (sql, text)
    if db.is_sqlite:
        # `SCAN|SEARCH <table> USING [COVERING] INDEX <index>`: the table and its index
        # are on one line.
        for line in plan:
            for table in (t for t in ALLOWED if f" {t} " in f" {line} "):
                assert ALLOWED[table] in line, (sql, text)
        return
    # A bitmap scan names its table and its index on two lines: check each index used
    # (Seatplan's index names start with their table's), and that no big table is read
    # without one.
    for table, index in ALLOWED.items():
        assert f"Seq Scan on {table}" not in text, (sql, text)
        used = re.findall(rf"(?:using|Scan on) ((?:ix|pk|uq)_{table}\w*)", text)
        assert all(name == index for name in used), (sql, text)


def test_a_scrape_reads_through_small_indexes(db):
    demo.load(db)
    with captured(db) as seen, db.reading() as session:
        gauges.read(session)
    assert any("license_assignment" in sql for sql, _ in seen)
    for sql, plan in _plans(db, seen):
        _check(db, sql, plan)


def test_readiness_is_one_statement_of_two_index_lookups(db):
    demo.load(db)
    with captured(db) as seen, db.engine.connect() as connection:
        gauges.readiness(connection)
    assert len(seen) == 1
    [(sql, plan)] = _plans(db, seen)
    _check(db, sql, plan)
    text = "\n".join(plan)
    assert "ix_license_queue_order" in text
    assert "LIMIT" in sql.upper()
    if not db.is_sqlite:
        # The queue's index is walked under the Limit: one entry, not the queue.
        limit = next(i for i, line in enumerate(plan) if "Limit" in line)
        assert "ix_license_queue_order" in plan[limit + 1], text
