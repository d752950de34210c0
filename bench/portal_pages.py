"""Benchmark: how long each main page of the portal takes on a 100,000-user tenant.

Builds a tenant (users written in bulk, one group of every user carrying Office 365 E3
with 1,000 seats too few, so that 1,000 members wait in CountViolation), processes it,
then times each page through the ASGI app (median of `--repeat` requests after a warm-up).
Prints one JSON object: users, build_seconds, and per page its median milliseconds.

    python bench/portal_pages.py --users 100000 [--database URL] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Table, insert

from seatplan.processing import worker
from seatplan.server import create_app
from seatplan.services import admins, catalog, groups, licenses, setup, subscriptions
from seatplan.services import organization as org_service
from seatplan.settings import Settings
from seatplan.store.db import Database
from seatplan.store.tables import Membership, User

SKU = "ENTERPRISEPACK"
SHORT = 1000
PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway benchmark database


def build(db: Database, count: int) -> tuple[str, str]:
    """The tenant; returns the group's id and one user's id."""
    setup.initialize(db)
    with db.writing() as session:
        org_service.update(session, country_letter_code="US")
        subscriptions.set_units(session, sku=SKU, units=count - SHORT)
        group = groups.create(session, display_name="Everyone")
        group_id = group.id
        admins.create(session, username="bench", role="Global Reader", password=PASSWORD)
    now = datetime.now(UTC)
    users: Table = User.__table__  # type: ignore[assignment]
    members: Table = Membership.__table__  # type: ignore[assignment]
    first = None
    for start in range(0, count, 20_000):
        ids = [uuid.uuid4() for _ in range(start, min(count, start + 20_000))]
        first = first or ids[0]
        with db.writing() as session:
            session.execute(
                insert(users),
                [
                    {
                        "id": user_id,
                        "user_principal_name": f"user{start + i:06}@bench.example",
                        "upn_key": f"user{start + i:06}@bench.example",
                        "display_name": f"User {start + i}",
                        "usage_location": "US",
                        "account_enabled": True,
                        "created": now,
                    }
                    for i, user_id in enumerate(ids)
                ],
            )
            session.execute(
                insert(members), [{"group_id": group_id, "user_id": u, "since": now} for u in ids]
            )
    with db.writing() as session:
        group = session.get(groups.Group, group_id)
        assert group is not None
        sku_id = catalog.find_product(session, SKU).sku_id
        licenses.assign_to_group(session, group=group, add={sku_id: frozenset()}, remove=[])
    worker.drain(db, batch_size=10_000)
    return str(group_id), str(first)


def measure(db: Database, group_id: str, user_id: str, repeat: int) -> dict[str, float]:
    app = create_app(db, Settings(database_url=db.url, secret_key="bench"))  # noqa: S106
    with TestClient(app) as client:
        page = client.get("/signin").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        client.post(
            "/signin",
            data={"csrf_token": token.group(1), "username": "bench", "password": PASSWORD},
        )
        with db.reading() as session:
            sku_id = catalog.find_product(session, SKU).sku_id
        pages = {
            "all_products": "/licenses",
            "product": f"/licenses/{sku_id}",
            "product_page_1000": f"/licenses/{sku_id}?page=1000",
            "groups": "/groups",
            "group_licenses": f"/groups/{group_id}",
            "group_members_page_1000": f"/groups/{group_id}?page=1000",
            "group_members_search": f"/groups/{group_id}?search=user09999",
            "group_errors": f"/groups/{group_id}/errors",
            "group_state": f"/groups/{group_id}/state",
            "users": "/users",
            "users_search": "/users?search=user09999",
            "users_page_1000": "/users?page=1000",
            "user": f"/users/{user_id}",
            "audit": "/audit",
            "audit_filtered": "/audit?activity=Set+group+license&target=everyone",
        }
        out = {}
        for name, path in pages.items():
            assert client.get(path).status_code == 200, path
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                client.get(path)
                times.append((time.perf_counter() - start) * 1000)
            out[name] = round(statistics.median(times), 1)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--database", help="a database URL (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database or f"sqlite:///{Path(folder) / 'bench.db'}"
        db = Database(url)
        start = time.perf_counter()
        group_id, user_id = build(db, args.users)
        built = time.perf_counter() - start
        result: dict[str, Any] = {
            "users": args.users,
            "database": db.engine.dialect.name,
            "build_seconds": round(built, 1),
            "page_ms": measure(db, group_id, user_id, args.repeat),
        }
        result["slowest_ms"] = max(result["page_ms"].values())
        result["target_ms"] = 300
        db.dispose()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
