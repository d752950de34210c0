"""Deterministic tenants for tests that run real worker processes."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, func, insert, select

from seatplan.services import catalog, doctor, groups, licenses, lookup, subscriptions
from seatplan.services import organization as org_service
from seatplan.store.db import Database
from seatplan.store.tables import LicenseAssignment, Membership, QueuedUser, SkuUsage, User

E3 = "ENTERPRISEPACK"
BASE = datetime(2026, 1, 1, tzinfo=UTC)


def user_id(n: int) -> uuid.UUID:
    return uuid.UUID(int=(0x5EA7 << 64) + n)


def group_id(n: int) -> uuid.UUID:
    return uuid.UUID(int=(0x6A0 << 64) + n)


def build(db: Database, *, members: int, seats: int, group_names=("Everyone",)) -> None:
    """`members` users, each in the groups whose index divides it (overlapping groups)."""
    with db.writing() as s:
        org_service.update(s, country_letter_code="US")
        subscriptions.set_units(s, sku=E3, units=seats)
        for index, name in enumerate(group_names):
            groups.create(s, display_name=name, group_id=group_id(index))
    build_members(db, members=members, group_names=group_names)


def build_members(db: Database, *, members: int, group_names=("Everyone",)) -> None:
    """Users u0… joining one second apart; user n is in group i when i + 1 divides n."""
    if not members:
        return
    users: Table = User.__table__  # type: ignore[assignment]
    memberships: Table = Membership.__table__  # type: ignore[assignment]
    ids = [group_id(index) for index in range(len(group_names))]
    start = datetime.now(UTC)
    with db.writing() as s:
        s.execute(
            insert(users),
            [
                {
                    "id": user_id(n),
                    "user_principal_name": f"u{n}@scale.example",
                    "upn_key": f"u{n}@scale.example",
                    "display_name": f"U{n}",
                    "usage_location": None,
                    "account_enabled": True,
                    "created": BASE,
                }
                for n in range(members)
            ],
        )
        s.execute(
            insert(memberships),
            [
                # Members joined one second apart: the intents have a strict order.
                {"group_id": gid, "user_id": user_id(n), "since": start + timedelta(seconds=n)}
                for n in range(members)
                for index, gid in enumerate(ids)
                if n % (index + 1) == 0
            ],
        )


def assign(db: Database, group_name: str = "Everyone") -> None:
    with db.writing() as s:
        group = lookup.group(s, group_name)
        e3 = catalog.find_product(s, E3).sku_id
        licenses.assign_to_group(s, group=group, add={e3: frozenset()}, remove=[])


def outcome(db: Database) -> tuple[set[tuple[object, ...]], tuple[int, int]]:
    """Every assignment (without timestamps) and the E3 seat counters."""
    with db.reading() as s:
        rows = {
            (r.user_id, r.sku_id, r.source_id, r.state, r.error)
            for r in s.scalars(select(LicenseAssignment))
        }
        e3 = catalog.find_product(s, E3).sku_id
        usage = s.scalars(select(SkuUsage).where(SkuUsage.sku_id == e3)).one()
        return rows, (usage.enabled_units, usage.consumed_units)


def problems(db: Database) -> list[str]:
    with db.reading() as s:
        return [f"{p.check}: {p.detail}" for p in doctor.check(s).problems]


def queued(db: Database) -> int:
    with db.reading() as s:
        return s.scalar(select(func.count()).select_from(QueuedUser)) or 0


DRAIN = (
    "import sys\n"
    "from seatplan.store.db import Database\n"
    "from seatplan.processing import worker\n"
    "worker.drain(Database(sys.argv[1]), batch_size=int(sys.argv[2]))\n"
)


def drain_in_process(url: str, *, batch_size: int, failpoint: str | None = None) -> int:
    """Drain the queue in a separate Python process; returns its exit code."""
    env = {**os.environ, "SEATPLAN_FAILPOINT": failpoint or ""}
    done = subprocess.run(
        [sys.executable, "-c", DRAIN, url, str(batch_size)], env=env, timeout=300, check=False
    )
    return done.returncode


def worker_process(url: str, *, batch_size: int) -> subprocess.Popen[bytes]:
    """A real `seatplan worker`."""
    env = {
        **os.environ,
        "SEATPLAN_DATABASE_URL": url,
        "SEATPLAN_BATCH_SIZE": str(batch_size),
        "SEATPLAN_POLL_SECONDS": "0.1",
    }
    return subprocess.Popen(
        [sys.executable, "-c", "from seatplan.cli.main import app; app()", "worker"],
        env=env,
        stderr=subprocess.DEVNULL,
    )
