"""Benchmark: the two hot Graph reads on a tenant of N licensed users, through `seatplan serve`.

`GET /v1.0/users/{id}?$select=id,licenseAssignmentStates` and
`GET /v1.0/users/{id}/licenseDetails` for random users, alternately, from C concurrent
connections for S seconds, against `seatplan serve --no-worker --workers W` (the settings
docs/api.md recommends). Prints one JSON object: requests_per_second, p50_ms, p99_ms,
errors, the load generator (`client`), the server settings and the load average. Then
the same reads go as JSON batches (`POST /v1.0/$batch` of `BATCH_SIZE` reads each, the
two kinds alternating) for as long: `batch` holds batches per second, their p50_ms and
p99_ms, errors (a batch counts as one unless all its reads answered 200) and the reads
per second they made.

The load comes from `wrk` when it is installed (a compiled generator: it leaves the cores
to the server), else from httpx clients in this process (which compete with the server
for the same cores, so they measure less than the server can do).

    python bench/api_reads.py [--users 100000] [--clients 32] [--seconds 20] [--workers N]
        [--client wrk|httpx]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import random
import shutil
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
SELECT_PATH = "/v1.0/users/{}?$select=id,licenseAssignmentStates"
DETAILS_PATH = "/v1.0/users/{}/licenseDetails"
#: Reads per batch: Graph's limit.
BATCH_SIZE = 20

# wrk's script: each thread alternates the two reads for random users of the ids file,
# and the main thread prints the summary as one JSON line once the run is over.
WRK_SCRIPT = """
local threads, ids, token, turn = {}, {}, "", 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
  token = args[2]
  math.randomseed(number * 7919 + os.time())
end

function request()
  turn = turn + 1
  local id = ids[math.random(#ids)]
  local path
  if turn % 2 == 1 then
    path = "/v1.0/users/" .. id .. "?$select=id,licenseAssignmentStates"
  else
    path = "/v1.0/users/" .. id .. "/licenseDetails"
  end
  return wrk.format("GET", path, {["Authorization"] = "Bearer " .. token})
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


# wrk's script for batches: each request is a $batch of BATCH_SIZE reads of random users;
# a batch whose reads did not all answer 200 counts as an error.
WRK_BATCH_SCRIPT = """
local threads, ids, token, size = {}, {}, "", 20
bad = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  for line in io.lines(args[1]) do ids[#ids + 1] = line end
  token = args[2]
  size = tonumber(args[3])
  math.randomseed(number * 7919 + os.time())
end

function request()
  local parts = {}
  for n = 1, size do
    local id = ids[math.random(#ids)]
    local url
    if n % 2 == 1 then
      url = "/users/" .. id .. "?$select=id,licenseAssignmentStates"
    else
      url = "/users/" .. id .. "/licenseDetails"
    end
    parts[n] = '{"id":"' .. n .. '","method":"GET","url":"' .. url .. '"}'
  end
  local body = '{"requests":[' .. table.concat(parts, ",") .. ']}'
  return wrk.format("POST", "/v1.0/$batch", {
    ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"
  }, body)
end

function response(status, headers, body)
  local _, ok = string.gsub(body, '"status":200', "")
  if status ~= 200 or ok ~= size then bad = bad + 1 end
end

function done(summary, latency, requests)
  local e = summary.errors
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("bad") end
  io.write(string.format(
    'WRK_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout + failed))
end
"""


def batch_body(ids: list[str], rng: random.Random) -> dict[str, Any]:
    """A `$batch` of BATCH_SIZE reads of random users, the two kinds alternating."""
    requests = []
    for number in range(1, BATCH_SIZE + 1):
        path = SELECT_PATH if number % 2 else DETAILS_PATH
        url = path.format(rng.choice(ids)).removeprefix("/v1.0")
        requests.append({"id": str(number), "method": "GET", "url": url})
    return {"requests": requests}


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


def server_settings(workers: int) -> dict[str, Any]:
    """What `seatplan serve` runs with: uvicorn takes uvloop and httptools when installed."""
    has = importlib.util.find_spec
    return {
        "command": f"seatplan serve --no-worker --workers {workers}",
        "workers": workers,
        "loop": "uvloop" if has("uvloop") else "asyncio",
        "http": "httptools" if has("httptools") else "h11",
    }


def start_server(url: str, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SEATPLAN_DATABASE_URL": url}
    command = [SEATPLAN, "serve", "--no-worker", "--port", str(port), "--workers", str(workers)]
    with log.open("wb") as out:
        server = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    # A loaded machine (load average 30) took over a minute to start the processes.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit(f"the server did not start:\n{log.read_text()[-2000:]}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def run_wrk(
    port: int,
    token: str,
    ids_file: Path,
    script: Path,
    clients: int,
    seconds: float,
    *extra: str,
) -> dict[str, Any]:
    """One bounded wrk run against 127.0.0.1; its summary from the script's `done`."""
    command = [
        "wrk",
        "--threads",
        "1" if clients < 64 else "2",
        "--connections",
        str(clients),
        "--duration",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
        "--script",
        str(script),
        f"http://127.0.0.1:{port}",
        "--",
        str(ids_file),
        token,
        *extra,
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("WRK_RESULT "))
    found = json.loads(line.removeprefix("WRK_RESULT "))
    return {
        "requests": found["requests"],
        "requests_per_second": round(found["requests"] / (found["duration_us"] / 1e6), 1),
        "p50_ms": round(found["p50_us"] / 1000, 2),
        "p99_ms": round(found["p99_us"] / 1000, 2),
        "errors": found["errors"],
    }


async def run_httpx(
    port: int, token: str, ids: list[str], clients: int, seconds: float, batch: bool = False
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers=headers, limits=limits, timeout=10
    ) as http:
        stop = time.perf_counter() + seconds

        async def client(number: int) -> None:
            nonlocal errors
            rng = random.Random(number)
            turn = number
            while time.perf_counter() < stop:
                user = rng.choice(ids)
                turn += 1
                path = SELECT_PATH.format(user) if turn % 2 else DETAILS_PATH.format(user)
                start = time.perf_counter()
                try:
                    if batch:
                        response = await http.post("/v1.0/$batch", json=batch_body(ids, rng))
                        answers = response.json().get("responses", [])
                        ok = [a["status"] for a in answers] == [200] * BATCH_SIZE
                    else:
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
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 2, help="server processes (cores)"
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: temp SQLite)")
    parser.add_argument(
        "--client",
        choices=["wrk", "httpx"],
        default="wrk" if shutil.which("wrk") else "httpx",
        help="load generator (default: wrk when installed)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        print(f"building {args.users} licensed users in {url}", file=sys.stderr)
        build_tenant(url, args.users)
        ids, token = license_everyone(url)
        ids_file, script = Path(tmp) / "ids.txt", Path(tmp) / "reads.lua"
        batch_script = Path(tmp) / "batches.lua"
        ids_file.write_text("\n".join(ids) + "\n")
        script.write_text(WRK_SCRIPT)
        batch_script.write_text(WRK_BATCH_SCRIPT)

        def measure(seconds: float, batch: bool = False) -> dict[str, Any]:
            if args.client == "wrk":
                if batch:
                    return run_wrk(
                        args.port,
                        token,
                        ids_file,
                        batch_script,
                        args.clients,
                        seconds,
                        str(BATCH_SIZE),
                    )
                return run_wrk(args.port, token, ids_file, script, args.clients, seconds)
            return asyncio.run(run_httpx(args.port, token, ids, args.clients, seconds, batch))

        server = start_server(url, args.port, args.workers, Path(tmp) / "server.log")
        try:
            measure(3)  # warm up: connections, caches, the first catalog load
            load_before = os.getloadavg()[0]
            result = measure(args.seconds)
            load_after = os.getloadavg()[0]
            measure(3, batch=True)  # warm up the batch route
            batches = measure(args.seconds, batch=True)
            load_after_batches = os.getloadavg()[0]
        finally:
            stop_server(server)
        batches["reads_per_second"] = round(batches["requests_per_second"] * BATCH_SIZE, 1)
        batches["reads_per_batch"] = BATCH_SIZE
        batches["load_average_1m_after"] = round(load_after_batches, 2)
    print(
        json.dumps(
            result
            | {
                "client": args.client,
                "users": args.users,
                "clients": args.clients,
                "seconds": args.seconds,
                "server": server_settings(args.workers),
                "server_workers": args.workers,
                "database": "sqlite" if url.startswith("sqlite") else url.split(":")[0],
                "load_average_1m": [round(load_before, 2), round(load_after, 2)],
                "batch": batches,
                # Reads served in batches against single reads, in the same run.
                "batch_reads_ratio": round(
                    batches["reads_per_second"] / result["requests_per_second"], 2
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
