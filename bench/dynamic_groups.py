"""Benchmark: a dynamic group's rule over N users, and one user's change kept exact.

Prints one JSON object:

- evaluation: the rule `user.department -eq "Sales" -and user.accountEnabled -eq true`
  (half the users match) evaluated over the whole directory as the worker does it
  (chunks of 5,000 users, one transaction each: joins, change log, audit, queue):
  seconds, users_per_second, joined;
- floor_seconds: writing the same membership rows with one bulk INSERT in one
  transaction (rolled back), on the same database; ratio = evaluation / floor;
- rule_seconds: reading every user's subject and testing the rule, writing nothing
  (rule_share: its part of the evaluation);
- one_user_ms: with Office 365 E3 on the group and every member processed, the median
  of 21 tries of one user moving in or out of Sales: the change's transaction (which
  re-evaluates the user against the rule and queues licensing), then processing the
  queue; change_ms and process_ms are the two parts' medians.

    python bench/dynamic_groups.py --users 100000 [--database URL]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Table, insert, select

from seatplan.processing import rule_evaluation, worker
from seatplan.services import (
    catalog,
    dynamic_groups,
    groups,
    licenses,
    lookup,
    setup,
    subscriptions,
    transaction,
    users,
)
from seatplan.services import organization as org_service
from seatplan.services.rule_subjects import load_subjects
from seatplan.store.db import Database
from seatplan.store.tables import Membership, User

SKU = "ENTERPRISEPACK"
RULE = 'user.department -eq "Sales" -and user.accountEnabled -eq true'


def build(db: Database, count: int) -> None:
    """Users written in bulk (building is not what is measured); every other one in Sales."""
    setup.initialize(db)
    with db.writing() as session:
        org_service.update(session, country_letter_code="US")
        subscriptions.set_units(session, sku=SKU, units=count + 100)
    now = datetime.now(UTC)
    table: Table = User.__table__  # type: ignore[assignment]
    for start in range(0, count, 20_000):
        with db.writing() as session:
            session.execute(
                insert(table),
                [
                    {
                        "id": uuid.uuid4(),
                        "user_principal_name": f"user{n}@bench.example",
                        "upn_key": f"user{n}@bench.example",
                        "display_name": f"User {n}",
                        "account_enabled": True,
                        "department": "Sales" if n % 2 == 0 else "Finance",
                        "created": now,
                    }
                    for n in range(start, min(count, start + 20_000))
                ],
            )
    with db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()


def rule_only(db: Database) -> tuple[float, set[uuid.UUID]]:
    rule = dynamic_groups.rule(RULE)
    start = time.perf_counter()
    with db.reading() as session:
        matched = {uid for uid, subject in load_subjects(session) if rule.matches(subject)}
    return time.perf_counter() - start, matched


def floor(db: Database, matched: set[uuid.UUID]) -> float:
    """The same membership rows, one bulk INSERT in one transaction, rolled back."""
    with transaction.writing(db) as session:
        group_id = groups.create(session, display_name="Floor").id
    table: Table = Membership.__table__  # type: ignore[assignment]
    now = datetime.now(UTC)
    rows = [{"group_id": group_id, "user_id": uid, "since": now} for uid in sorted(matched)]
    with db.engine.connect() as connection:
        start = time.perf_counter()
        with connection.begin() as outer:
            connection.execute(insert(table), rows)
            seconds = time.perf_counter() - start
            outer.rollback()
    return seconds


def evaluate(db: Database) -> tuple[float, int]:
    with transaction.writing(db) as session:
        groups.create(
            session,
            display_name="Sales",
            group_types=[dynamic_groups.DYNAMIC],
            membership_rule=RULE,
        )
    start = time.perf_counter()
    while rule_evaluation.run_chunk(db):
        pass
    seconds = time.perf_counter() - start
    with db.reading() as session:
        joined = lookup.group(session, "Sales").rule_joined
    return seconds, joined


def one_user(db: Database, tries: int = 21) -> tuple[float, float, float]:
    with transaction.writing(db) as session:
        group = lookup.group(session, "Sales")
        sku = catalog.find_product(session, SKU).sku_id
        licenses.assign_to_group(session, group=group, add={sku: frozenset()}, remove=[])
    worker.drain(db, batch_size=10_000)
    with db.reading() as session:
        user_id = session.scalar(select(User.id).order_by(User.id).limit(1))
    totals, changes, processing = [], [], []
    for attempt in range(tries):
        department = "Finance" if attempt % 2 == 0 else "Sales"
        start = time.perf_counter()
        with transaction.writing(db) as session:
            user = lookup.user(session, user_id)
            if attempt == 0:
                department = "Finance" if user.department == "Sales" else "Sales"
            users.update(session, user=user, department=department)
        changed = time.perf_counter()
        worker.drain(db, batch_size=10_000)
        done = time.perf_counter()
        totals.append(done - start)
        changes.append(changed - start)
        processing.append(done - changed)
    return (
        statistics.median(totals) * 1000,
        statistics.median(changes) * 1000,
        statistics.median(processing) * 1000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args()
    url = args.database or f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
    db = Database(url)
    build(db, args.users)
    rule_seconds, matched = rule_only(db)
    floor_seconds = floor(db, matched)
    seconds, joined = evaluate(db)
    one_ms, change_ms, process_ms = one_user(db)
    db.dispose()
    print(
        json.dumps(
            {
                "users": args.users,
                "database": url.split(":", 1)[0],
                "evaluation": {
                    "seconds": round(seconds, 3),
                    "users_per_second": round(args.users / seconds),
                    "joined": joined,
                },
                "floor_seconds": round(floor_seconds, 3),
                "ratio": round(seconds / floor_seconds, 1),
                "rule_seconds": round(rule_seconds, 3),
                "rule_share": round(rule_seconds / seconds, 2),
                "one_user_ms": round(one_ms, 1),
                "change_ms": round(change_ms, 1),
                "process_ms": round(process_ms, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
