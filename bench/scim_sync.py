"""Benchmark: an identity provider's initial SCIM sync against a real `seatplan serve`.

N users are created (`POST /scim/v2/Users`, each after the `GET ?filter=userName eq`
that Entra sends first), then N/100 groups (`POST /scim/v2/Groups`), each given Office 365
E3, then each group's 100 members are set (`PUT /scim/v2/Groups/{id}`, as Okta pushes
groups), by `--clients` concurrent clients (httpx). The server's worker licenses
everyone; the run ends when every user holds E3.

Prints one JSON object: requests, seconds, requests/s, p50/p99 per kind of request, and the
seconds from the last request until licensing was complete.

    python bench/scim_sync.py [--users 2000] [--clients 8] [--workers 2] [--database-url URL]

`--workers N` serves with N processes; above 1 they run with `--no-worker` and one
`seatplan worker` beside them licenses everyone (docs/api.md, Speed). The client's CPU
seconds and the 1-minute load average before and after are printed too: on a shared
machine the client competes with the server. A 503 or 429 is sent again after its
Retry-After, as identity providers do (up to 5 times; `retries` counts them).

`--users 100000` is the issue's target (5 minutes for the sync, licenses settled 30 s
after it). Without `--database-url`, a fresh SQLite file in the temporary directory; a
PostgreSQL URL must name an empty database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from seatplan.services import licenses, lookup, setup, subscriptions, tokens
from seatplan.services import organization as org_service
from seatplan.store.db import Database
from seatplan.store.tables import LicenseAssignment, Product, QueuedUser

SEATPLAN = str(Path(sys.executable).with_name("seatplan"))
E3 = "ENTERPRISEPACK"
GROUP_SIZE = 100
#: Times a request answered 503 or 429 is sent again (its latency includes the waits).
RETRIES = 5
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
SEATPLAN_EXT = "urn:ietf:params:scim:schemas:extension:seatplan:2.0:User"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def prepare(url: str, users: int) -> str:
    """A migrated database with E3 bought for everyone; a provisioning token."""
    database = Database(url)
    setup.initialize(database)
    with database.writing() as session:
        org_service.update(session, country_letter_code="US")
        subscriptions.set_units(session, sku=E3, units=users + 10)
        _, token = tokens.create(session, name="bench provisioning", scopes=[tokens.PROVISIONING])
    database.dispose()
    return token


def license_groups(url: str, group_ids: list[str]) -> None:
    """Give every group E3, as an administrator would before members arrive."""
    database = Database(url)
    with database.writing() as session:
        sku = session.scalar(select(Product.sku_id).where(Product.sku_part_number == E3))
        assert sku is not None
        for group_id in group_ids:
            group = lookup.group(session, group_id)
            licenses.assign_to_group(session, group=group, add={sku: frozenset()}, remove=[])
    database.dispose()


def start(url: str, port: int, log: Path, workers: int) -> list[subprocess.Popen[bytes]]:
    """`seatplan serve` (with `workers` processes: then `--no-worker` and one `seatplan
    worker` beside them, as docs/api.md recommends); the processes, the server first."""
    env = {**os.environ, "SEATPLAN_DATABASE_URL": url}
    command = [SEATPLAN, "serve", "--port", str(port), "--workers", str(workers)]
    with log.open("wb") as out:
        processes = [
            subprocess.Popen(
                command + (["--no-worker"] if workers > 1 else []),
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        ]
        if workers > 1:
            processes.append(
                subprocess.Popen(
                    [SEATPLAN, "worker"], env=env, stdout=out, stderr=subprocess.STDOUT
                )
            )
    server = processes[0]
    # Spawned server processes import everything first: minutes on a loaded machine.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return processes
        except httpx.TransportError:
            time.sleep(0.2)
    for process in processes:
        process.kill()
    raise SystemExit(f"the server did not start:\n{log.read_text()[-2000:]}")


class Run:
    def __init__(self, base: str, token: str, clients: int) -> None:
        self.base = base
        self.headers = {"Authorization": f"Bearer {token}"}
        self.clients = clients
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.retries = 0

    async def call(
        self, client: httpx.AsyncClient, kind: str, method: str, path: str, **kw: Any
    ) -> httpx.Response:
        began = time.perf_counter()
        response = await client.request(method, path, headers=self.headers, **kw)
        for _ in range(RETRIES):
            # As an identity provider does: a 503 (busy, or past the statement time limit
            # on a loaded machine) or 429 is sent again after Retry-After; each is counted.
            if response.status_code not in (429, 503):
                break
            self.retries += 1
            await asyncio.sleep(float(response.headers.get("retry-after") or 1))
            response = await client.request(method, path, headers=self.headers, **kw)
        self.latencies[kind].append(time.perf_counter() - began)
        if response.status_code >= 400:
            raise SystemExit(f"{method} {path}: {response.status_code} {response.text[:500]}")
        return response

    async def each(self, items: list[Any], work: Any) -> list[Any]:
        """`work(client, item)` for every item, by `clients` concurrent clients."""
        results: list[Any] = [None] * len(items)
        queue: asyncio.Queue[int] = asyncio.Queue()
        for index in range(len(items)):
            queue.put_nowait(index)

        async def client_loop() -> None:
            async with httpx.AsyncClient(base_url=self.base, timeout=120) as client:
                while not queue.empty():
                    index = queue.get_nowait()
                    results[index] = await work(client, items[index])

        await asyncio.gather(*(client_loop() for _ in range(self.clients)))
        return results

    async def create_user(self, client: httpx.AsyncClient, number: int) -> str:
        name = f"user{number:06d}@contoso.com"
        found = await self.call(
            client, "GET filter", "GET", "/Users", params={"filter": f'userName eq "{name}"'}
        )
        assert found.json()["totalResults"] == 0
        body = {
            "schemas": [USER],
            "externalId": f"ext-{number}",
            "userName": name,
            "displayName": f"User {number}",
            "active": True,
            "name": {"givenName": "User", "familyName": str(number)},
            "emails": [{"value": name, "type": "work", "primary": True}],
            SEATPLAN_EXT: {"usageLocation": "US"},
        }
        created = await self.call(client, "POST Users", "POST", "/Users", json=body)
        return str(created.json()["id"])

    async def create_group(self, client: httpx.AsyncClient, number: int) -> str:
        body = {
            "schemas": [GROUP],
            "displayName": f"Group {number:04d}",
            "externalId": f"g{number}",
        }
        created = await self.call(client, "POST Groups", "POST", "/Groups", json=body)
        return str(created.json()["id"])

    async def fill_group(self, client: httpx.AsyncClient, item: tuple[int, str, list[str]]) -> None:
        number, group_id, members = item
        body = {
            "schemas": [GROUP],
            "displayName": f"Group {number:04d}",
            "externalId": f"g{number}",
            "members": [{"value": member} for member in members],
        }
        await self.call(client, "PUT Groups", "PUT", f"/Groups/{group_id}", json=body)


def licensed(url: str) -> tuple[int, int]:
    database = Database(url)
    try:
        with database.reading() as session:
            held = session.scalar(select(func.count()).select_from(LicenseAssignment)) or 0
            queued = session.scalar(select(func.count()).select_from(QueuedUser)) or 0
    finally:
        database.dispose()
    return held, queued


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database-url")
    parser.add_argument("--settle-timeout", type=float, default=600.0)
    parser.add_argument(
        "--workers", type=int, default=2, help="server processes (`seatplan serve --workers`)"
    )
    options = parser.parse_args()
    users = max(GROUP_SIZE, options.users - options.users % GROUP_SIZE)
    scratch = Path(tempfile.mkdtemp(prefix="scim-sync-"))
    url = options.database_url or f"sqlite:///{scratch / 'sync.db'}"
    token = prepare(url, users)
    port = free_port()
    processes = start(url, port, scratch / "server.log", options.workers)
    load_before = os.getloadavg()[0]
    cpu_before = time.process_time()
    try:
        run = Run(f"http://127.0.0.1:{port}/scim/v2", token, options.clients)
        began = time.perf_counter()
        user_ids = asyncio.run(run.each(list(range(users)), run.create_user))
        group_ids = asyncio.run(run.each(list(range(users // GROUP_SIZE)), run.create_group))
        sync_pause = time.perf_counter()
        license_groups(url, group_ids)
        paused = time.perf_counter() - sync_pause
        chunks = [
            (number, group_id, user_ids[number * GROUP_SIZE : (number + 1) * GROUP_SIZE])
            for number, group_id in enumerate(group_ids)
        ]
        asyncio.run(run.each(chunks, run.fill_group))
        ended = time.perf_counter()
        deadline = ended + options.settle_timeout
        while True:
            held, queued = licensed(url)
            if held >= users and queued == 0:
                break
            if time.perf_counter() > deadline:
                raise SystemExit(f"licensing not complete: {held} of {users} held")
            time.sleep(0.25)
        settled = time.perf_counter() - ended
        # The client's own CPU during the sync: it shares the machine with the server.
        client_cpu = time.process_time() - cpu_before
        load_after = os.getloadavg()[0]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    every = [value for values in run.latencies.values() for value in values]
    seconds = ended - began - paused
    print(
        json.dumps(
            {
                "users": users,
                "groups": len(group_ids),
                "clients": options.clients,
                "server_workers": options.workers,
                "backend": url.split(":", 1)[0],
                "requests": len(every),
                "retries": run.retries,
                "sync_seconds": round(seconds, 2),
                "requests_per_second": round(len(every) / seconds, 1),
                "p50_ms": round(statistics.median(every) * 1000, 2),
                "p99_ms": round(percentile(every, 0.99) * 1000, 2),
                "by_kind": {
                    kind: {
                        "count": len(values),
                        "p50_ms": round(statistics.median(values) * 1000, 2),
                        "p99_ms": round(percentile(values, 0.99) * 1000, 2),
                    }
                    for kind, values in sorted(run.latencies.items())
                },
                "licensing_settled_seconds_after_last_request": round(settled, 2),
                "client_cpu_seconds": round(client_cpu, 1),
                "client_cpu_share": round(client_cpu / (seconds + settled), 2),
                "load_average_1min": [round(load_before, 2), round(load_after, 2)],
                "cpu_count": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
