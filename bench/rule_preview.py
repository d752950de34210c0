"""Benchmark: preview a membership rule over N users, against evaluating the rule alone.

The tenant: N users, half in Sales and half in Operations; the group "Licensed" holds the
Operations half and gives them E3 (processed). The previewed rule is
`user.department -eq "Sales"`: N/2 joiners, N/2 leavers, all of them evaluated.

Prints one JSON object: users, rule_seconds (parsing the rule and testing it on every
user, in one read transaction: the floor of any preview), preview_seconds (joiners,
leavers and the licensing outcome, `processing.rule_preview`), ratio (preview over
rule), joining, leaving, preview_beside_writer_seconds (the same preview again while
another process writes), and writer_wait_ms: the longest a small write transaction took in
another process (a group created, one after another) while the preview ran, against
writer_idle_ms, the same write with no preview running: a preview only reads, so on
SQLite it never holds the write lock.

    python bench/rule_preview.py --users 100000 [--database URL] [--batch-size N]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert

from seatplan.engine.membership_rules import parse
from seatplan.processing import rule_preview, worker
from seatplan.services import (
    catalog,
    groups,
    licenses,
    lookup,
    setup,
    subscriptions,
    transaction,
)
from seatplan.services import organization as org_service
from seatplan.services.rule_subjects import load_subjects
from seatplan.store.db import Database
from seatplan.store.tables import Membership, User

GROUP = "Licensed"
SKU = "ENTERPRISEPACK"
RULE = 'user.department -eq "Sales"'


def build_tenant(url: str, users: int, batch_size: int) -> None:
    """Users and memberships written in bulk, then licensed by the worker."""
    db = Database(url)
    setup.initialize(db)
    with db.writing() as session:
        org_service.update(session, country_letter_code="US")
        subscriptions.set_units(session, sku=SKU, units=users)
        group_id = groups.create(session, display_name=GROUP).id
    now = datetime.now(UTC)
    user_table: Table = User.__table__  # type: ignore[assignment]
    member_table: Table = Membership.__table__  # type: ignore[assignment]
    for start in range(0, users, 20_000):
        rows = [
            {
                "id": uuid.uuid4(),
                "user_principal_name": f"user{n}@bench.example",
                "upn_key": f"user{n}@bench.example",
                "display_name": f"User {n}",
                "department": "Sales" if n % 2 else "Operations",
                "usage_location": None,
                "account_enabled": True,
                "created": now,
            }
            for n in range(start, min(users, start + 20_000))
        ]
        with db.writing() as session:
            session.execute(insert(user_table), rows)
            members = [r for r in rows if r["department"] == "Operations"]
            session.execute(
                insert(member_table),
                [{"group_id": group_id, "user_id": r["id"], "since": now} for r in members],
            )
    with transaction.writing(db) as session:
        sku = catalog.find_product(session, SKU).sku_id
        licenses.assign_to_group(
            session, group=lookup.group(session, group_id), add={sku: frozenset()}, remove=[]
        )
    worker.drain(db, batch_size=batch_size)
    with db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    db.dispose()


def rule_seconds(db: Database) -> float:
    started = time.perf_counter()
    with db.reading() as session:
        rule = parse(RULE)
        matching = sum(1 for _, subject in load_subjects(session) if rule.matches(subject))
    assert matching
    return time.perf_counter() - started


def one_write_ms(db: Database) -> float:
    started = time.perf_counter()
    with transaction.writing(db) as session:
        groups.create(session, display_name=f"Written beside a preview {uuid.uuid4().hex[:8]}")
    return (time.perf_counter() - started) * 1000


def keep_writing(url: str, ready: Any, stop: Any, out: Any) -> None:
    """Another process (as the worker or the server would be): one small write after
    another until `stop`, then the longest one. The first (which builds the catalog's
    rules in this process) is not counted."""
    db = Database(url)
    one_write_ms(db)
    ready.set()
    longest = 0.0
    while not stop.is_set():
        longest = max(longest, one_write_ms(db))
        time.sleep(0.02)
    db.dispose()
    out.put(longest)


def preview_alone(db: Database, batch_size: int) -> tuple[float, int, int]:
    started = time.perf_counter()
    with db.reading() as session:
        result = rule_preview.preview_rule(
            session, group=lookup.group(session, GROUP), rule_text=RULE, batch_size=batch_size
        )
    return time.perf_counter() - started, result.joining, result.leaving


def preview_beside_writes(db: Database, url: str, batch_size: int) -> tuple[float, float, int, int]:
    """The preview's seconds, the longest write beside it, and joiners and leavers."""
    context = multiprocessing.get_context("spawn")
    ready, stop, out = context.Event(), context.Event(), context.Queue()
    writer = context.Process(target=keep_writing, args=(url, ready, stop, out))
    writer.start()
    ready.wait(timeout=120)
    started = time.perf_counter()
    with db.reading() as session:
        result = rule_preview.preview_rule(
            session, group=lookup.group(session, GROUP), rule_text=RULE, batch_size=batch_size
        )
    seconds = time.perf_counter() - started
    stop.set()
    longest = float(out.get(timeout=120))
    writer.join()
    return seconds, longest, result.joining, result.leaving


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: temp SQLite)")
    parser.add_argument("--batch-size", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        print(f"building a tenant of {args.users} users in {url}", file=sys.stderr)
        build_tenant(url, args.users, args.batch_size)
        db = Database(url)
        rule_alone = min(rule_seconds(db) for _ in range(3))
        idle = max(one_write_ms(db) for _ in range(5))
        preview, joining, leaving = preview_alone(db, args.batch_size)
        beside, wait, _, _ = preview_beside_writes(db, url, args.batch_size)
        db.dispose()
    print(
        json.dumps(
            {
                "users": args.users,
                "rule_seconds": round(rule_alone, 3),
                "preview_seconds": round(preview, 3),
                "ratio": round(preview / rule_alone, 2),
                "preview_beside_writer_seconds": round(beside, 3),
                "joining": joining,
                "leaving": leaving,
                "writer_wait_ms": round(wait, 1),
                "writer_idle_ms": round(idle, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
