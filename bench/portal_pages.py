"""Benchmark: how long each main page of the portal takes on a 100,000-user tenant.

Builds a tenant (users written in bulk, one group of every user carrying Office 365 E3
with 1,000 seats too few, so that 1,000 members wait in CountViolation), processes it,
then times each page, each sort and each filter through the ASGI app (median of
`--repeat` requests after a warm-up), and streams CSV exports of every user: their
seconds, rows and how much the process's memory (RSS) grew while they streamed.
Prints one JSON object: users, build_seconds, per page its median milliseconds, and
per export its seconds, rows and RSS growth in MB.

    python bench/portal_pages.py --users 100000 [--database URL] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
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


def measure(
    db: Database, group_id: str, user_id: str, repeat: int
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
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
            # Sorts and filters (web.listing): each list, each way.
            "users_by_name_desc": "/users?sort=name&dir=desc",
            "users_by_upn_desc_page_1000": "/users?sort=upn&dir=desc&page=1000",
            "users_in_error": "/users?errors=1",
            "users_in_error_page_10": "/users?errors=1&page=10",
            "users_error_kind_by_name": "/users?error=CountViolation&sort=name",
            "users_product": f"/users?product={sku_id}",
            "users_product_in_error": f"/users?errors=1&product={sku_id}&sort=name&dir=desc",
            "groups_by_members": "/groups?sort=members",
            "groups_with_errors_by_errors": f"/groups?errors=1&product={sku_id}&sort=errors",
            "group_members_by_name_desc": f"/groups/{group_id}?sort=name&dir=desc",
            "group_members_in_error": f"/groups/{group_id}?errors=1",
            "group_errors_by_name_desc": f"/groups/{group_id}/errors?sort=name&dir=desc",
            "group_errors_page_10": f"/groups/{group_id}/errors?page=10",
            "errors": "/errors",
            "errors_filtered_by_name": (
                f"/errors?error=CountViolation&product={sku_id}&sort=name&dir=desc"
            ),
            "errors_by_product_page_10": "/errors?sort=product&page=10",
            "product_by_name_desc": f"/licenses/{sku_id}?sort=name&dir=desc",
            "product_search": f"/licenses/{sku_id}?search=user09999",
            "product_groups_by_errors": f"/licenses/{sku_id}/groups?sort=errors",
            "audit_by_activity": "/audit?sort=activity",
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
        exports = {
            "users_csv": "/users/export",
            "licensed_users_csv": f"/licenses/{sku_id}/users/export",
            "group_members_csv": f"/groups/{group_id}/members/export?sort=name",
        }
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        streamed = {name: asyncio.run(stream(app, path, cookie)) for name, path in exports.items()}
        return out, streamed


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def stream(app: Any, path: str, cookie: str) -> dict[str, float]:
    """One export through the ASGI app, its body read chunk by chunk and dropped (as a
    client writing it to a file would): seconds, rows, and the RSS growth while it ran."""
    where, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": where,
        "raw_path": where.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode())],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    lines, start_rss = 0, _rss_mb()
    peak = start_rss
    status = 0

    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if asked:  # as a server does: nothing more until the client goes
            await asyncio.Event().wait()
        asked = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal lines, peak, status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            lines += message.get("body", b"").count(b"\n")
            peak = max(peak, _rss_mb())

    start = time.perf_counter()
    await app(scope, receive, send)
    assert status == 200, (path, status)
    return {
        "seconds": round(time.perf_counter() - start, 1),
        "lines": lines,
        "rss_growth_mb": round(peak - start_rss, 1),
    }


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
        pages, exports = measure(db, group_id, user_id, args.repeat)
        result: dict[str, Any] = {
            "users": args.users,
            "database": db.engine.dialect.name,
            "build_seconds": round(built, 1),
            "page_ms": pages,
            "exports": exports,
        }
        result["slowest_ms"] = max(result["page_ms"].values())
        result["target_ms"] = 300
        result["load_average"] = [round(n, 2) for n in os.getloadavg()]
        db.dispose()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
