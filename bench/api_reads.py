"""Benchmark: the two hot Graph reads on a tenant of N licensed users, through `seatplan serve`.

`GET /v1.0/users/{id}?$select=id,licenseAssignmentStates` and
`GET /v1.0/users/{id}/licenseDetails` for random users, alternately, from C concurrent
clients (httpx, asyncio) for S seconds. Prints one JSON object: requests_per_second,
p50_ms, p99_ms, errors (and the settings used).

    python bench/api_reads.py [--users 100000] [--clients 32] [--seconds 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from group_assign import GROUP, SKU, build_tenant
from seatplan.processing import worker
from seatplan.services import catalog, licenses, lookup, tokens
from seatplan.store.db import Database
from seatplan.store.tables import User

SEATPLAN = str(Path(sys.executable).with_name("seatplan"))


def license_everyone(url: str) -> tuple[list[str], str]:
    """Assign the product to the group of every user, process it; user ids and a token."""
    db = Database(url)
    with db.writing() as session:
        group = lookup.group(session, GROUP)
        sku_id = catalog.find_product(session, SKU).sku_id
        licenses.assign_to_group(session, group=group, add={sku_id: frozenset()}, remove=[])
    worker.drain(db, batch_size=5000)
    with db.writing() as session:
        _, token = tokens.create(session, name="bench", scopes=["User.Read.All"])
        ids = [str(i) for i in session.scalars(select(User.id))]
    db.dispose()
    return ids, token


def start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SEATPLAN_DATABASE_URL": url}
    command = [SEATPLAN, "serve", "--no-worker", "--port", str(port), "--workers", str(workers)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not start")


async def drive(
    port: int, token: str, ids: list[str], clients: int, seconds: float
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}/v1.0", headers=headers, limits=limits, timeout=10
    ) as http:
        stop = time.perf_counter() + seconds

        async def client(number: int) -> None:
            nonlocal errors
            rng = random.Random(number)
            turn = number
            while time.perf_counter() < stop:
                user = rng.choice(ids)
                turn += 1
                path = (
                    f"/users/{user}?$select=id,licenseAssignmentStates"
                    if turn % 2
                    else f"/users/{user}/licenseDetails"
                )
                start = time.perf_counter()
                try:
                    response = await http.get(path)
                    ok = response.status_code == 200 and response.json().get(
                        "id" if turn % 2 else "value"
                    )
                except httpx.HTTPError:
                    ok = False
                latencies.append((time.perf_counter() - start) * 1000)
                errors += not ok

        began = time.perf_counter()
        await asyncio.gather(*(client(n) for n in range(clients)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1], 2),
        "errors": errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: temp SQLite)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        print(f"building {args.users} licensed users in {url}", file=sys.stderr)
        build_tenant(url, args.users)
        ids, token = license_everyone(url)
        server = start_server(url, args.port, args.workers)
        try:
            asyncio.run(drive(args.port, token, ids, args.clients, 2))  # warm up
            result = asyncio.run(drive(args.port, token, ids, args.clients, args.seconds))
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        json.dumps(
            result
            | {
                "users": args.users,
                "clients": args.clients,
                "seconds": args.seconds,
                "server_workers": args.workers,
                "database": "sqlite" if url.startswith("sqlite") else url.split(":")[0],
            }
        )
    )


if __name__ == "__main__":
    main()
