"""Benchmark: a realistic tenant, processed whole, then through a day of changes.

The tenant (seeded: the same seed builds the same tenant):
- `--users` users (100,000) in several countries: most where everything is sold, some
  where calling plans are not (IN, BR), a few in an embargoed country where no plan may
  be used (IR), and some with no usage location. The organization has no country, so
  those cannot be licensed by groups (ProhibitedInUsageLocationViolation).
- 300 groups, every one licensed, of 5 to 50,000 members (at 100,000 users) with heavy
  overlap: most users are in 3 to 8 of them.
- 12 products of the built-in catalog: Office 365 E1/E3/E5, EMS E3/E5, Power BI Pro,
  Teams Phone, a calling plan (sold in a few countries only), audio conferencing,
  Exchange Online Archiving, Visio and Project. Their real rules apply: E1 conflicts with
  E3 and E5 (exclusive Exchange and SharePoint plans); Teams Phone, audio conferencing
  and archiving need plans of E3/E5, so their groups carry E3 or E5 too.
- Direct licenses for 2% of the users: Power BI Pro, and E1 for users whose groups give
  them E3 or E5 (those group licenses fail: MutuallyExclusiveViolation).
- Two products (Power BI Pro, Teams Phone) with fewer seats than demand.
- Disabled plans on a tenth of the group assignments.

Measured:
- `full`: every group's members evaluated and every outcome row written (the queue holds
  every member, as after `reprocess` of every group with nothing processed yet), by
  `--workers` worker processes started before the clock; `floor_seconds` is the database
  writing the same outcome rows (the very rows, read back) into an identically indexed
  table in one transaction: executemany on SQLite, COPY on PostgreSQL, as
  bench/group_assign.py's floor. `ratio` = seconds / floor_seconds.
- `again`: the same full reprocess once everything is processed (nothing changes).
- `day`: 1,000 membership changes (joins, moves, leaves), 20 product changes on groups
  and seats bought and freed, in a seeded random order, each processed as it comes
  (the worker drains the queue after each); milliseconds per change.
- `seatplan doctor`'s check at the end: any problem fails the benchmark (exit 1).

    python bench/tenant.py [--users 100000] [--database URL] [--workers N] [--seed N]

A PostgreSQL `--database` must name an empty database (it is set up here).
"""

from __future__ import annotations

import argparse
import itertools
import json
import multiprocessing
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import Column, Index, MetaData, Table, func, insert, select

from seatplan.processing import worker
from seatplan.services import (
    catalog,
    doctor,
    groups,
    licenses,
    lookup,
    queue,
    setup,
    subscriptions,
)
from seatplan.services.errors import BadRequest
from seatplan.store.db import Database
from seatplan.store.tables import Group, GroupLicense, LicenseAssignment, Membership, User

GROUPS = 300
#: Where users are, with weights; None: no usage location.
COUNTRIES: tuple[tuple[str | None, float], ...] = (
    ("US", 0.40),
    ("GB", 0.14),
    ("DE", 0.12),
    ("FR", 0.08),
    ("JP", 0.05),
    ("IN", 0.08),  # calling plans not sold here
    ("BR", 0.06),  # nor here
    ("IR", 0.005),  # embargoed: no plan at all
    (None, 0.065),
)
E1, E3, E5 = "STANDARDPACK", "ENTERPRISEPACK", "ENTERPRISEPREMIUM"
EMS, EMS_E5, PBI, PHONE = "EMS", "EMSPREMIUM", "POWER_BI_PRO", "MCOEV"
CALLING, AUDIO, ARCHIVE = "MCOPSTN1", "MCOMEETADV", "EXCHANGEARCHIVE_ADDON"
VISIO, PROJECT = "VISIOCLIENT", "PROJECTPROFESSIONAL"
PRODUCTS = (E1, E3, E5, EMS, EMS_E5, PBI, PHONE, CALLING, AUDIO, ARCHIVE, VISIO, PROJECT)
#: What a group gives, with weights: add-ons come with the suite their plans need.
PROFILES: tuple[tuple[tuple[str, ...], float], ...] = (
    ((E3,), 0.16),
    ((E3, EMS), 0.10),
    ((E5,), 0.07),
    ((E1,), 0.08),
    ((EMS,), 0.07),
    ((EMS_E5,), 0.04),
    ((PBI,), 0.12),
    ((E3, PHONE), 0.06),
    ((E5, PHONE, CALLING), 0.04),
    ((E3, AUDIO), 0.05),
    ((E3, ARCHIVE), 0.05),
    ((VISIO,), 0.06),
    ((PROJECT,), 0.05),
    ((PBI, VISIO), 0.05),
)
#: Products with fewer seats than users wanting them: the share of demand bought.
SHORT = {PBI: 0.7, PHONE: 0.8}


def _weighted(rng: random.Random, choices: tuple[tuple[Any, float], ...]) -> Any:
    return rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]


def plan_memberships(rng: random.Random, users: int) -> list[list[int]]:
    """For each group, its members (user indexes): sizes from 5 to half the users.

    Groups are drawn by popularity (a few large ones, many small ones); most users are in
    3 to 8 groups, some in fewer.
    """
    weights = [1 / (rank + 1) ** 1.1 for rank in range(GROUPS)]
    cumulative = list(itertools.accumulate(weights))
    members: list[set[int]] = [set() for _ in range(GROUPS)]
    largest = max(5, users // 2)
    for user in range(users):
        wanted = rng.choice((0, 1, 2)) if rng.random() < 0.1 else rng.randint(3, 8)
        chosen: set[int] = set()
        while len(chosen) < wanted:
            group = rng.choices(range(GROUPS), cum_weights=cumulative)[0]
            if len(members[group]) < largest:
                chosen.add(group)
            else:
                weights[group] = 0.0  # full: no one else joins it
                cumulative = list(itertools.accumulate(weights))
        for group in chosen:
            members[group].add(user)
    everyone = list(range(users))
    for found in members:
        while len(found) < min(5, users):
            found.add(rng.choice(everyone))
    return [sorted(found) for found in members]


def build_tenant(url: str, users: int, seed: int) -> dict[str, Any]:
    """Everything but the processing: users and memberships in bulk, licenses through the
    services (validated as an administrator's would be). Returns what was built."""
    rng = random.Random(seed)
    db = Database(url)
    setup.initialize(db)
    with db.writing() as session:
        rules = catalog.rulebook(session)
        skus = {part: catalog.find_product(session, part).sku_id for part in PRODUCTS}
        for part in PRODUCTS:
            subscriptions.set_units(session, sku=part, units=users + 1000)
        group_ids = [
            groups.create(session, display_name=f"Group {index:03d}").id for index in range(GROUPS)
        ]
    now = datetime.now(UTC)
    locations = [_weighted(rng, COUNTRIES) for _ in range(users)]
    user_ids = [UUID(int=rng.getrandbits(128), version=4) for _ in range(users)]
    plan = plan_memberships(rng, users)
    user_table: Table = User.__table__  # type: ignore[assignment]
    member_table: Table = Membership.__table__  # type: ignore[assignment]
    for start in range(0, users, 20_000):
        with db.writing() as session:
            session.execute(
                insert(user_table),
                [
                    {
                        "id": user_ids[i],
                        "user_principal_name": f"user{i}@tenant.example",
                        "upn_key": f"user{i}@tenant.example",
                        "display_name": f"User {i}",
                        "usage_location": locations[i],
                        "account_enabled": True,
                        "created": now,
                    }
                    for i in range(start, min(users, start + 20_000))
                ],
            )
    rows = [
        {
            "group_id": group_ids[g],
            "user_id": user_ids[u],
            "since": now - timedelta(minutes=rng.randint(60, 60 * 24 * 700)),
        }
        for g, members in enumerate(plan)
        for u in members
    ]
    for start in range(0, len(rows), 50_000):
        with db.writing() as session:
            session.execute(insert(member_table), rows[start : start + 50_000])

    # Group products, a tenth with plans disabled (never a plan another one needs).
    needed = {p for alternatives in rules.dependencies.values() for a in alternatives for p in a}
    products: list[tuple[str, ...]] = []
    disabled_count = 0
    with db.writing() as session:
        for group_id in group_ids:
            profile: tuple[str, ...] = _weighted(rng, PROFILES)
            add = {skus[part]: frozenset[UUID]() for part in profile}
            if rng.random() < 0.1:
                part = rng.choice(profile)
                optional = sorted(rules.sku_plans[skus[part]] - needed)
                if len(optional) > 1:
                    add[skus[part]] = frozenset(rng.sample(optional, min(2, len(optional) - 1)))
                    disabled_count += 1
            licenses.assign_to_group(
                session, group=lookup.group(session, group_id), add=add, remove=[]
            )
            products.append(profile)

    # Direct licenses: Power BI Pro, and E1 where the user's groups give E3 or E5.
    suites = {u for g, members in enumerate(plan) if {E3, E5} & set(products[g]) for u in members}
    located = [u for u in range(users) if locations[u] not in (None, "IR")]
    direct = rng.sample(located, max(2, users // 50))
    with db.writing() as session:
        for u in direct:
            part = E1 if u in suites and rng.random() < 0.5 else PBI
            user = lookup.user(session, user_ids[u])
            licenses.assign_to_user(session, user=user, add={skus[part]: frozenset()}, remove=[])

    # Seats: enough for everyone, except two products short of demand.
    demand: dict[str, set[int]] = {part: set() for part in PRODUCTS}
    for g, members in enumerate(plan):
        for part in products[g]:
            demand[part].update(members)
    with db.writing() as session:
        held = dict(
            session.execute(
                select(LicenseAssignment.sku_id, func.count()).group_by(LicenseAssignment.sku_id)
            ).all()
        )
        for part in PRODUCTS:
            want = len(demand[part]) + int(held.get(skus[part], 0))
            units = int(want * SHORT[part]) if part in SHORT else want + want // 50 + 10
            subscriptions.set_units(session, sku=part, units=max(units, held.get(skus[part], 0)))
    with db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    db.dispose()
    per_user = [0] * users
    for members in plan:
        for u in members:
            per_user[u] += 1
    return {
        "users": users,
        "groups": GROUPS,
        "memberships": len(rows),
        "group_sizes": {
            "min": min(map(len, plan)),
            "median": statistics.median(map(len, plan)),
            "max": max(map(len, plan)),
        },
        "users_in_3_to_8_groups": round(sum(3 <= n <= 8 for n in per_user) / users, 3),
        "group_assignments": sum(map(len, products)),
        "group_assignments_with_disabled_plans": disabled_count,
        "direct_licenses": len(direct),
        "short_products": {part: SHORT[part] for part in SHORT},
    }


def _drain(url: str, batch_size: int, ready: Any, go: Any, out: Any) -> None:
    """One worker process: started and connected before the clock runs, then drains."""
    db = Database(url)
    worker.check_connection(db)
    ready.put(True)
    go.wait()
    worker.drain(db, batch_size=batch_size)
    db.dispose()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.put((usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime))


def full_reprocess(
    url: str, batch_size: int, workers: int, *, queue_here: bool = True
) -> dict[str, Any]:
    """Queue every member of every group (reprocess; unless `queue_here` is False: queued
    already), then let `workers` processes drain."""
    context = multiprocessing.get_context("spawn")
    ready, go, out = context.Queue(), context.Event(), context.Queue()
    processes = [
        context.Process(target=_drain, args=(url, batch_size, ready, go, out))
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get()
    db = Database(url)
    start = time.perf_counter()
    if queue_here:
        with db.writing() as session:
            for group in session.scalars(select(Group).order_by(Group.display_name)):
                licenses.reprocess_group(session, group=group)
    go.set()
    reports = [out.get() for _ in processes]
    for process in processes:
        process.join()
    seconds = time.perf_counter() - start
    with db.reading() as session:
        states = dict(
            session.execute(
                select(LicenseAssignment.state, func.count()).group_by(LicenseAssignment.state)
            ).all()
        )
        errors = dict(
            session.execute(
                select(LicenseAssignment.error, func.count())
                .where(LicenseAssignment.error.is_not(None))
                .group_by(LicenseAssignment.error)
            ).all()
        )
        left = queue.queued_count(session)
    db.dispose()
    if left:
        raise SystemExit(f"{left} users still queued after the full reprocess")
    return {
        "seconds": seconds,
        "rows": sum(states.values()),
        "states": states,
        "errors": errors,
        "peak_rss_mb": max(peak for peak, _ in reports),
        "worker_peaks_mb": [round(peak, 1) for peak, _ in reports],
        "cpu_seconds": sum(cpu for _, cpu in reports),
    }


def measure_floor(url: str) -> float:
    """The outcome rows, read back as the driver gives them, written again in one
    transaction into an identically indexed table: executemany on SQLite, COPY on
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
        Index(
            f"floor_{index.name}",
            *(table.c[c.name] for c in index.columns),
            unique=index.unique,
            **index.dialect_kwargs,
        )
    columns = "user_id, sku_id, source_id, disabled_plans, state, error, since, updated"
    with db.engine.connect() as connection:
        values = connection.exec_driver_sql(f"SELECT {columns} FROM license_assignment").all()
    table.create(db.engine)
    sqlite = db.is_sqlite
    marks = ", ".join(["?" if sqlite else "%s"] * 8)
    start = time.perf_counter()
    with db.engine.begin() as connection:
        if sqlite:
            connection.exec_driver_sql(
                f"INSERT INTO floor_assignment ({columns}) VALUES ({marks})",
                [tuple(row) for row in values],
            )
        else:
            cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            with cursor.copy(f"COPY floor_assignment ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
    floor = time.perf_counter() - start
    table.drop(db.engine)
    db.dispose()
    return floor


def a_day(url: str, batch_size: int, seed: int, memberships: int) -> dict[str, Any]:
    """A day of changes in a seeded order, each processed by a drain as it comes."""
    rng = random.Random(seed + 1)
    db = Database(url)
    with db.reading() as session:
        user_ids = sorted(session.scalars(select(User.id)))
        group_ids = sorted(session.scalars(select(Group.id)))
        pairs = sorted(
            (g, u) for g, u in session.execute(select(Membership.group_id, Membership.user_id))
        )
        members = set(pairs)
        pbi = catalog.find_product(session, PBI).sku_id
        direct_pbi = sorted(
            session.scalars(
                select(LicenseAssignment.user_id).where(
                    LicenseAssignment.sku_id == pbi, LicenseAssignment.source_id.is_(None)
                )
            )
        )
        skus = [catalog.find_product(session, part).sku_id for part in PRODUCTS]
    kinds = (
        ["join"] * (memberships * 4 // 10)
        + ["move"] * (memberships * 3 // 10)
        + ["leave"] * (memberships - memberships * 7 // 10)
        + ["product"] * 20
        + ["buy"] * 5
        + ["free"] * 5
    )
    rng.shuffle(kinds)
    times: dict[str, list[float]] = {}
    refused = 0
    start_day = time.perf_counter()
    for kind in kinds:
        start = time.perf_counter()
        with db.writing() as session:
            if kind in ("join", "move", "leave"):
                if kind != "join":
                    group_id, user_id = _take(rng, pairs)
                    groups.remove_member(
                        session,
                        group=lookup.group(session, group_id),
                        user=lookup.user(session, user_id),
                    )
                    members.discard((group_id, user_id))
                if kind != "leave":
                    user_id = rng.choice(user_ids) if kind == "join" else user_id
                    group_id = rng.choice(group_ids)
                    while (group_id, user_id) in members:
                        group_id = rng.choice(group_ids)
                    groups.add_member(
                        session,
                        group=lookup.group(session, group_id),
                        user=lookup.user(session, user_id),
                    )
                    members.add((group_id, user_id))
                    pairs.append((group_id, user_id))
            elif kind == "product":
                refused += not _change_products(session, rng, rng.choice(group_ids), skus)
            elif kind == "buy":
                usage = subscriptions.seat_counters(session, [pbi], lock=False)[pbi]
                subscriptions.set_units(session, sku=pbi, units=usage[0] + rng.randint(20, 200))
            elif direct_pbi:
                user = lookup.user(session, direct_pbi.pop(rng.randrange(len(direct_pbi))))
                licenses.assign_to_user(session, user=user, add={}, remove=[pbi])
        worker.drain(db, batch_size=batch_size)
        times.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
    seconds = time.perf_counter() - start_day
    db.dispose()
    every = [ms for found in times.values() for ms in found]
    return {
        "changes": len(kinds),
        "seconds": round(seconds, 3),
        "median_ms": round(statistics.median(every), 2),
        "p95_ms": round(statistics.quantiles(every, n=20)[-1], 2),
        "median_ms_by_kind": {k: round(statistics.median(v), 2) for k, v in sorted(times.items())},
        "max_ms_by_kind": {k: round(max(v), 2) for k, v in sorted(times.items())},
        "product_changes_refused": refused,
    }


def _take(rng: random.Random, pairs: list[tuple[UUID, UUID]]) -> tuple[UUID, UUID]:
    """A random membership, taken out of `pairs` (swapped with the last: O(1))."""
    index = rng.randrange(len(pairs))
    pairs[index], pairs[-1] = pairs[-1], pairs[index]
    return pairs.pop()


def _change_products(session: Any, rng: random.Random, group_id: UUID, skus: list[UUID]) -> bool:
    """Add, remove or reconfigure a product of a group, as an administrator would; False
    when the services refused it (a conflict, a missing prerequisite)."""
    group = lookup.group(session, group_id)
    current = {
        row.sku_id: row.disabled_plans
        for row in session.scalars(select(GroupLicense).where(GroupLicense.group_id == group_id))
    }
    action = rng.choice(("add", "remove", "plans"))
    try:
        with session.begin_nested():
            if action == "add" or not current:
                sku = rng.choice([s for s in skus if s not in current] or skus)
                licenses.assign_to_group(session, group=group, add={sku: frozenset()}, remove=[])
            elif action == "remove":
                sku = rng.choice(sorted(current))
                licenses.assign_to_group(session, group=group, add={}, remove=[sku])
            else:
                sku = rng.choice(sorted(current))
                rules = catalog.rulebook(session)
                plans = sorted(rules.sku_plans[sku])
                disabled = frozenset(rng.sample(plans, min(1, len(plans) - 1)))
                licenses.assign_to_group(
                    session, group=group, add={sku: current[sku] ^ disabled}, remove=[]
                )
    except BadRequest:
        return False
    return True


def check_with_doctor(url: str) -> dict[str, Any]:
    db = Database(url)
    start = time.perf_counter()
    with db.reading() as session:
        report = doctor.check(session)
    seconds = time.perf_counter() - start
    db.dispose()
    return {
        "ok": report.ok,
        "users_checked": report.users_checked,
        "problems": len(report.problems),
        "first_problems": [
            {"check": p.check, "detail": p.detail, "user": str(p.user_id)}
            for p in report.problems[:5]
        ],
        "seconds": round(seconds, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: temp SQLite)")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--changes", type=int, default=1000, help="membership changes in the day")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'tenant.db'}"
        print(f"building a tenant of {args.users} users in {url}", file=sys.stderr)
        started = time.perf_counter()
        tenant = build_tenant(url, args.users, args.seed)
        tenant["build_seconds"] = round(time.perf_counter() - started, 1)
        print(f"processing every group with {args.workers} worker(s)", file=sys.stderr)
        full = full_reprocess(url, args.batch_size, args.workers)
        floor = measure_floor(url)
        # Printed at once too: a long run stopped later still has its main figure.
        seconds = full["seconds"]
        print(f"full reprocess: {seconds:.1f} s, floor {floor:.1f} s", file=sys.stderr)
        print("processing every group again (nothing changes)", file=sys.stderr)
        again = full_reprocess(url, args.batch_size, args.workers)
        print("a day of changes", file=sys.stderr)
        day = a_day(url, args.batch_size, args.seed, args.changes)
        print("seatplan doctor", file=sys.stderr)
        checked = check_with_doctor(url)
    result = {
        "database": "sqlite" if url.startswith("sqlite") else url.split(":")[0],
        "seed": args.seed,
        "batch_size": args.batch_size,
        "workers": args.workers,
        "tenant": tenant,
        "full": {
            "seconds": round(full["seconds"], 3),
            "floor_seconds": round(floor, 3),
            "ratio": round(full["seconds"] / floor, 2),
            "rows": full["rows"],
            "rows_per_second": round(full["rows"] / full["seconds"]),
            "states": full["states"],
            "errors": full["errors"],
            "peak_rss_mb": round(full["peak_rss_mb"], 1),
            "cpu_seconds": round(full["cpu_seconds"], 3),
        },
        "again": {"seconds": round(again["seconds"], 3), "rows": again["rows"]},
        "day": day,
        "doctor": checked,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result))
    if not checked["ok"]:
        raise SystemExit("seatplan doctor found problems: a fast wrong answer is a failure")


if __name__ == "__main__":
    main()
