"""Benchmark: assign a product to a group of N members and wait until it is processed.

Prints one JSON object: members, seconds (assign → ProcessingComplete), floor_seconds
(inserting as many assignment rows into an identically indexed table of the same
database in one transaction), ratio, users_per_second, peak_rss_mb (of the process that
processes, measured apart from the one that builds the tenant), one_member_ms (median
time to add one member to the licensed group and process it, over 20 tries),
simulate_seconds (previewing the assignment to the whole group, changing nothing, in a
read snapshot), simulate_longest_write_ms (the longest small write another process
committed while the preview ran again, simulate_beside_writer_seconds; against
simulate_write_idle_ms, the same write with no preview running),
change_log_seconds (what recording the members' license changes in the change log costs
within `seconds`: the worker's statements, batch by batch, timed apart and rolled back;
change_log_share is its part of `seconds`) and
events: the events written (batched, in the outbox) and the time to process the group
again with events not written (the same code with the outbox writes skipped) and with a
webhook endpoint registered for every event (each event also queues a delivery),
against the first run (events written, no endpoint).

    python bench/group_assign.py --members 100000 [--database URL] [--batch-size N]
        [--workers 1,2,4]

With several worker counts, the tenant is reset between runs and `runs` lists each one
with its scaling efficiency (1.0: N workers are N times as fast as one).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Index, MetaData, Table, insert, select, text

from rule_preview import keep_writing, one_write_ms  # the writer beside a preview
from seatplan.processing import simulation, worker
from seatplan.services import (
    catalog,
    changes,
    events,
    groups,
    licenses,
    lookup,
    setup,
    subscriptions,
    users,
    webhooks,
)
from seatplan.services import organization as org_service
from seatplan.settings import get_settings
from seatplan.store.db import Database
from seatplan.store.tables import (
    Group,
    LicenseAssignment,
    Membership,
    OutboxEvent,
    User,
    WebhookDelivery,
)
from seatplan.store.types import NIL

GROUP = "Everyone"
SKU = "ENTERPRISEPACK"


def build_tenant(url: str, members: int) -> None:
    """Users and memberships written in bulk: building is not what is measured."""
    db = Database(url)
    setup.initialize(db)
    with db.writing() as session:
        org_service.update(session, country_letter_code="US")
        subscriptions.set_units(session, sku=SKU, units=members + 100)
        group = groups.create(session, display_name=GROUP)
        group_id = group.id
    now = datetime.now(UTC)
    user_table: Table = User.__table__  # type: ignore[assignment]
    member_table: Table = Membership.__table__  # type: ignore[assignment]
    for start in range(0, members, 20_000):
        ids = [uuid.uuid4() for _ in range(start, min(members, start + 20_000))]
        with db.writing() as session:
            session.execute(
                insert(user_table),
                [
                    {
                        "id": user_id,
                        "user_principal_name": f"user{start + i}@bench.example",
                        "upn_key": f"user{start + i}@bench.example",
                        "display_name": f"User {start + i}",
                        "usage_location": None,
                        "account_enabled": True,
                        "created": now,
                    }
                    for i, user_id in enumerate(ids)
                ],
            )
            session.execute(
                insert(member_table),
                [{"group_id": group_id, "user_id": user_id, "since": now} for user_id in ids],
            )
    # A production database has statistics on its tables; a freshly filled one has none.
    with db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    db.dispose()


def _drain(url: str, batch_size: int, ready: Any, go: Any, out: Any, events_off: bool) -> None:
    """One worker process: started and connected before the clock runs, then drains.

    `events_off` skips writing events (the same code otherwise), to measure their cost.
    """
    if events_off:
        events.emit = lambda session, new: []  # type: ignore[assignment]
        events.license_changes = lambda session, transitions: None
    db = Database(url)
    worker.check_connection(db)
    ready.put(True)
    go.wait()
    worker.drain(db, batch_size=batch_size)
    db.dispose()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.put((usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime))


def measure_processing(
    url: str, batch_size: int, workers: int, *, events_off: bool = False
) -> dict[str, Any]:
    """Assign the product, then let `workers` processes drain the queue; time it all."""
    context = multiprocessing.get_context("spawn")
    ready, go, out = context.Queue(), context.Event(), context.Queue()
    processes = [
        context.Process(target=_drain, args=(url, batch_size, ready, go, out, events_off))
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get()
    db = Database(url)
    start = time.perf_counter()
    with db.writing() as session:
        group = lookup.group(session, GROUP)
        sku_id = catalog.find_product(session, SKU).sku_id
        licenses.assign_to_group(session, group=group, add={sku_id: frozenset()}, remove=[])
    go.set()
    reports = [out.get() for _ in processes]
    peaks = [peak for peak, _ in reports]
    for process in processes:
        process.join()
    seconds = time.perf_counter() - start
    with db.reading() as session:
        state = session.scalar(select(Group.processing_state).where(Group.display_name == GROUP))
        active = session.scalar(
            select(text("count(*)"))
            .select_from(LicenseAssignment.__table__)
            .where(LicenseAssignment.state == "Active")
        )
    db.dispose()
    return {
        "seconds": seconds,
        "state": state,
        "active": active,
        "peak_rss_mb": max(peaks),
        # CPU time of the workers (start-up included): less swayed by a busy machine.
        "cpu_seconds": sum(cpu for _, cpu in reports),
    }


def reset(url: str) -> None:
    """Take the product away from the group and forget every outcome, to measure again."""
    db = Database(url)
    with db.engine.begin() as connection:
        for statement in (
            "DELETE FROM license_queue",
            "DELETE FROM license_assignment",
            "DELETE FROM webhook_delivery",
            "DELETE FROM outbox_event",
            "DELETE FROM group_license",
            "UPDATE sku_usage SET consumed_units = 0",
            "UPDATE directory_group SET processing_state = 'ProcessingComplete'",
        ):
            connection.exec_driver_sql(statement)
    with db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    db.dispose()


def count_events(url: str) -> tuple[int, int]:
    """(events, deliveries) written so far."""
    db = Database(url)
    with db.reading() as session:
        found = (
            session.scalar(select(text("count(*)")).select_from(OutboxEvent.__table__)) or 0,
            session.scalar(select(text("count(*)")).select_from(WebhookDelivery.__table__)) or 0,
        )
    db.dispose()
    return found


def register_endpoint(url: str) -> None:
    """An endpoint for every event; nothing sends to it here (no delivery thread runs)."""
    os.environ["SEATPLAN_WEBHOOK_ALLOW_PRIVATE"] = "true"
    get_settings.cache_clear()
    db = Database(url)
    with db.writing() as session:
        webhooks.create(
            session, url=webhooks.check_url("http://127.0.0.1:9/bench"), event_types=["*"]
        )
    db.dispose()


def measure_floor(url: str, rows: int) -> float:
    """The same number of assignment rows in one transaction: executemany on SQLite, COPY on
    PostgreSQL (each database's fastest way to insert)."""
    db = Database(url)
    source: Table = LicenseAssignment.__table__  # type: ignore[assignment]
    table = Table(
        "floor_assignment",
        MetaData(),
        *(
            Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
            for c in source.columns
        ),
    )
    for index in source.indexes:
        # With the index's own options: a partial index (`sqlite_where`/`postgresql_where`)
        # copied as a full one would make the floor pay for rows the real table skips.
        Index(
            f"floor_{index.name}",
            *(table.c[c.name] for c in index.columns),
            unique=index.unique,
            **index.dialect_kwargs,
        )
    table.create(db.engine)
    now = datetime.now(UTC)
    sqlite = db.is_sqlite
    values = [
        (
            uuid.uuid4().hex if sqlite else uuid.uuid4(),
            "6fd2c87fb29642f0b1971e91e994b900" if sqlite else uuid.UUID(int=1),
            NIL.hex if sqlite else NIL,
            "",
            "Active",
            None,
            now,
            now,
        )
        for _ in range(rows)
    ]
    marks = ", ".join(["?" if sqlite else "%s"] * 8)
    sql = (
        "INSERT INTO floor_assignment (user_id, sku_id, source_id, disabled_plans, state, "
        f"error, since, updated) VALUES ({marks})"
    )
    start = time.perf_counter()
    with db.engine.begin() as connection:
        if sqlite:
            connection.exec_driver_sql(sql, values)
        else:
            cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            columns = "user_id, sku_id, source_id, disabled_plans, state, error, since, updated"
            with cursor.copy(f"COPY floor_assignment ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
    floor = time.perf_counter() - start
    table.drop(db.engine)
    db.dispose()
    return floor


def one_member_ms(url: str, batch_size: int, tries: int = 20) -> float:
    db = Database(url)
    times = []
    for i in range(tries):
        with db.writing() as session:
            user = users.create(session, user_principal_name=f"late{i}@bench.example")
            user_id = user.id
        start = time.perf_counter()
        with db.writing() as session:
            groups.add_member(
                session, group=lookup.group(session, GROUP), user=lookup.user(session, user_id)
            )
        worker.drain(db, batch_size=batch_size)
        times.append((time.perf_counter() - start) * 1000)
    db.dispose()
    return statistics.median(times)


class _RollBack(Exception):
    pass


def change_log_seconds(url: str, batch_size: int) -> float:
    """The change log's part of processing: every member's license change recorded as the
    worker records it (one INSERT … SELECT per batch), in one transaction rolled back."""
    db = Database(url)
    with db.reading() as session:
        group_id = lookup.group(session, GROUP).id
        members = sorted(
            session.scalars(select(Membership.user_id).where(Membership.group_id == group_id))
        )
    seconds = 0.0
    try:
        with db.writing() as session:
            start = time.perf_counter()
            for first in range(0, len(members), batch_size):
                changes.licenses_changed(session, members[first : first + batch_size])
            seconds = time.perf_counter() - start
            raise _RollBack
    except _RollBack:
        pass
    db.dispose()
    return seconds


def _preview(db: Database, batch_size: int) -> float:
    """Seconds to preview the assignment (`--dry-run`, simulateAssignLicense) on the whole
    group, in the read snapshot every face runs it in."""
    start = time.perf_counter()
    with db.snapshot() as session:
        result = simulation.simulate_group_change(
            session,
            group=lookup.group(session, GROUP),
            add={catalog.find_product(session, SKU).sku_id: frozenset()},
            remove=[],
            batch_size=batch_size,
        )
    if result.users_evaluated < 1:
        raise SystemExit(f"the preview evaluated nobody: {result}")
    return time.perf_counter() - start


def simulate_seconds(url: str, batch_size: int) -> dict[str, float]:
    """The preview alone, then again while another process commits one small write after
    another (`bench/rule_preview.py`'s writer): the longest of those writes, against the
    same write with no preview running."""
    reset(url)
    db = Database(url)
    alone = _preview(db, batch_size)
    idle = max(one_write_ms(db) for _ in range(5))
    context = multiprocessing.get_context("spawn")
    ready, stop, out = context.Event(), context.Event(), context.Queue()
    writer = context.Process(target=keep_writing, args=(url, ready, stop, out))
    writer.start()
    ready.wait(timeout=120)
    beside = _preview(db, batch_size)
    stop.set()
    longest = float(out.get(timeout=120))
    writer.join()
    db.dispose()
    return {
        "seconds": alone,
        "beside_writer_seconds": beside,
        "longest_write_ms": longest,
        "write_idle_ms": idle,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: temp SQLite)")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument(
        "--workers", default="1", help="worker processes, or a comma-separated list to compare"
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        print(f"building a tenant of {args.members} members in {url}", file=sys.stderr)
        build_tenant(url, args.members)
        runs = []
        for index, workers in enumerate(counts):
            if index:
                reset(url)
            print(f"processing with {workers} worker(s)", file=sys.stderr)
            run = measure_processing(url, args.batch_size, workers)
            if run["state"] != "ProcessingComplete" or run["active"] != args.members:
                raise SystemExit(f"processing did not complete as expected: {run}")
            runs.append({"workers": workers, **run})
        written, _ = count_events(url)
        reset(url)
        print("processing with 1 worker, events not written", file=sys.stderr)
        off_run = measure_processing(url, args.batch_size, 1, events_off=True)
        reset(url)
        register_endpoint(url)
        print("processing with 1 worker and a webhook endpoint", file=sys.stderr)
        endpoint_run = measure_processing(url, args.batch_size, 1)
        endpoint_events, deliveries = count_events(url)
        floor = measure_floor(url, args.members)
        change_log = change_log_seconds(url, args.batch_size)
        single = one_member_ms(url, args.batch_size)
        preview = simulate_seconds(url, args.batch_size)
    base = runs[0]["seconds"] * runs[0]["workers"]
    results = [
        {
            "workers": run["workers"],
            "seconds": round(run["seconds"], 3),
            "ratio": round(run["seconds"] / floor, 2),
            "users_per_second": round(args.members / run["seconds"]),
            "peak_rss_mb": round(run["peak_rss_mb"], 1),
            # 1.0 = N workers are N times as fast as one.
            "scaling_efficiency": round(base / (run["seconds"] * run["workers"]), 2),
        }
        for run in runs
    ]
    first = results[0]
    print(
        json.dumps(
            {
                "members": args.members,
                "seconds": first["seconds"],
                "floor_seconds": round(floor, 3),
                "ratio": first["ratio"],
                "users_per_second": first["users_per_second"],
                "peak_rss_mb": first["peak_rss_mb"],
                "one_member_ms": round(single, 2),
                "simulate_seconds": round(preview["seconds"], 3),
                # The preview again beside another process's writes, the longest of them
                # (target: under 100 ms) and the same write with no preview running.
                "simulate_beside_writer_seconds": round(preview["beside_writer_seconds"], 3),
                "simulate_longest_write_ms": round(preview["longest_write_ms"], 1),
                "simulate_write_idle_ms": round(preview["write_idle_ms"], 1),
                "change_log_seconds": round(change_log, 3),
                "change_log_share": round(change_log / runs[0]["seconds"], 4),
                "batch_size": args.batch_size,
                "database": "sqlite" if url.startswith("sqlite") else url.split(":")[0],
                "runs": results,
                "events": {
                    "written": written,
                    "seconds_events_off": round(off_run["seconds"], 3),
                    "seconds_without_endpoint": round(runs[0]["seconds"], 3),
                    "seconds_with_endpoint": round(endpoint_run["seconds"], 3),
                    "without_endpoint_to_off": round(runs[0]["seconds"] / off_run["seconds"], 3),
                    "with_endpoint_to_off": round(endpoint_run["seconds"] / off_run["seconds"], 3),
                    "cpu_seconds_events_off": round(off_run["cpu_seconds"], 3),
                    "cpu_seconds_without_endpoint": round(runs[0]["cpu_seconds"], 3),
                    "cpu_seconds_with_endpoint": round(endpoint_run["cpu_seconds"], 3),
                    "written_with_endpoint": endpoint_events,
                    "deliveries_queued": deliveries,
                },
            }
        )
    )


if __name__ == "__main__":
    main()
