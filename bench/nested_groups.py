"""Benchmark: license a tree of nested groups with licenseNestedGroups on, against the same
users as direct members of one group, within one run.

The tree: one root group holding the product, `--fanout` groups under it, as many under
each of those, and so on `--depth` levels; the users are split among the leaves, so every
user reaches the root through `--depth` nestings. The same users are also direct members
of a flat group. Prints one JSON object:

- nested_seconds: assign the product to the root (setting on) until ProcessingComplete;
- direct_seconds: assign it to the flat group with the setting off (Entra's way, the
  worker's usual path);
- direct_setting_on_seconds: the flat group again with the setting on (what the setting
  costs users who are not nested: their groups are read through the closure);
- ratio (nested / direct) and setting_on_ratio (direct_setting_on / direct), and
  toggle_seconds: turning the setting on while the root holds the product (the users it
  affects are found and queued in that one transaction; `toggle_queued` of them).

    python bench/nested_groups.py --members 100000 [--database URL] [--fanout 10 --depth 2]
        [--repeat 2]

Each case runs `--repeat` times in turn and the fastest run of each is reported.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, insert, select

from seatplan.processing import worker
from seatplan.services import catalog, groups, licenses, lookup, setup, subscriptions
from seatplan.services import organization as org_service
from seatplan.store.db import Database
from seatplan.store.tables import (
    Group,
    GroupNesting,
    LicenseAssignment,
    Membership,
    QueuedUser,
    User,
)

SKU = "ENTERPRISEPACK"
ROOT, FLAT = "Root", "Flat"


def build_tenant(url: str, members: int, fanout: int, depth: int) -> int:
    """Users, the tree and the flat group, written in bulk. Returns the number of leaves."""
    db = Database(url)
    setup.initialize(db)
    now = datetime.now(UTC)
    with db.writing() as session:
        org_service.update(session, country_letter_code="US")
        subscriptions.set_units(session, sku=SKU, units=members + 100)
        root = groups.create(session, display_name=ROOT)
        flat = groups.create(session, display_name=FLAT)
        level = [root.id]
        for depth_index in range(depth):
            below = []
            for parent_index, parent in enumerate(level):
                for n in range(fanout):
                    child = Group(
                        display_name=f"L{depth_index + 1}-{parent_index}-{n}",
                        processing_state="ProcessingComplete",
                    )
                    session.add(child)
                    session.flush()
                    session.add(GroupNesting(parent_id=parent, child_id=child.id, since=now))
                    below.append(child.id)
            level = below
        leaves, flat_id = level, flat.id
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
            rows = [
                {"group_id": leaves[(start + i) % len(leaves)], "user_id": user_id, "since": now}
                for i, user_id in enumerate(ids)
            ]
            rows += [{"group_id": flat_id, "user_id": user_id, "since": now} for user_id in ids]
            session.execute(insert(member_table), rows)
    with db.engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    db.dispose()
    return len(leaves)


def set_nested(url: str, value: bool) -> tuple[float, int]:
    """Turn the setting on or off; (seconds of that transaction, users it queued)."""
    db = Database(url)
    start = time.perf_counter()
    with db.writing() as session:
        org_service.update(session, license_nested_groups=value)
    seconds = time.perf_counter() - start
    with db.reading() as session:
        queued = session.scalar(select(func.count()).select_from(QueuedUser)) or 0
    db.dispose()
    return seconds, queued


def license_group(url: str, name: str, batch_size: int) -> dict[str, Any]:
    """Assign the product to the group, drain the queue; time both."""
    db = Database(url)
    start = time.perf_counter()
    with db.writing() as session:
        group = lookup.group(session, name)
        sku_id = catalog.find_product(session, SKU).sku_id
        licenses.assign_to_group(session, group=group, add={sku_id: frozenset()}, remove=[])
    worker.drain(db, batch_size=batch_size)
    seconds = time.perf_counter() - start
    with db.reading() as session:
        state = session.scalar(select(Group.processing_state).where(Group.display_name == name))
        active = session.scalar(
            select(func.count())
            .select_from(LicenseAssignment)
            .where(LicenseAssignment.state == "Active")
        )
    db.dispose()
    return {"seconds": seconds, "state": state, "active": active}


def reset(url: str) -> None:
    """Take every product away and forget every outcome, to measure again."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--fanout", type=int, default=10)
    parser.add_argument("--depth", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="seatplan-nested-bench-")
    url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
    leaves = build_tenant(url, args.members, args.fanout, args.depth)

    # Each case `--repeat` times, in turn (the first run of a process warms its caches):
    # the fastest of each is reported.
    runs: dict[str, list[dict[str, Any]]] = {"direct": [], "direct_on": [], "nested": []}
    for _ in range(args.repeat):
        set_nested(url, False)
        runs["direct"].append(license_group(url, FLAT, args.batch_size))
        reset(url)
        set_nested(url, True)
        runs["direct_on"].append(license_group(url, FLAT, args.batch_size))
        reset(url)
        runs["nested"].append(license_group(url, ROOT, args.batch_size))
        reset(url)
    direct, direct_on, nested = (
        min(runs[name], key=lambda run: float(run["seconds"]))
        for name in ("direct", "direct_on", "nested")
    )
    # On, then off and on again while the root holds the product: the users found and
    # queued by the toggle alone.
    license_group(url, ROOT, args.batch_size)
    set_nested(url, False)
    worker.drain(Database(url), batch_size=args.batch_size)
    toggle_seconds, toggle_queued = set_nested(url, True)

    for run, name in ((direct, "direct"), (direct_on, "direct (setting on)"), (nested, "nested")):
        if run["state"] != "ProcessingComplete" or run["active"] != args.members:
            raise SystemExit(f"{name}: {run}")
    print(
        json.dumps(
            {
                "members": args.members,
                "database": url.split(":", 1)[0],
                "fanout": args.fanout,
                "depth": args.depth,
                "leaf_groups": leaves,
                "nested_seconds": round(nested["seconds"], 3),
                "direct_seconds": round(direct["seconds"], 3),
                "direct_setting_on_seconds": round(direct_on["seconds"], 3),
                "ratio": round(nested["seconds"] / direct["seconds"], 3),
                "setting_on_ratio": round(direct_on["seconds"] / direct["seconds"], 3),
                "toggle_seconds": round(toggle_seconds, 3),
                "toggle_queued": toggle_queued,
            }
        )
    )


if __name__ == "__main__":
    main()
