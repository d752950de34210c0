"""Benchmark: what each answer pays for the access log and the HTTP metrics (`api.access`).

Calls the access middleware's bookkeeping for one finished request N times, in a child
process per setting (prometheus_client picks its storage on import): the metrics in the
process's memory, the metrics in multiprocess mode (files of PROMETHEUS_MULTIPROC_DIR, as
`seatplan serve` runs), and each of those plus a JSON access line written to a file.
Prints one JSON object: microseconds per request for each setting. Independent of the
machine's other load only as far as the CPU is: compare the settings within one run.

    python bench/observe_overhead.py [--requests 200000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

CHILD = """
import logging, sys, time
from seatplan import logs
from seatplan.api import access

n, log_file = int(sys.argv[1]), sys.argv[2]
if log_file != "-":
    handler = logging.FileHandler(log_file)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.ContextFilter())
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.INFO)

class Route:
    path = "/v1.0/users/{user_id}"

class Principal:
    name, token_id = "bench", "0123456789ab"

scope = {
    "type": "http",
    "method": "GET",
    "route": Route(),
    "headers": [(b"client-request-id", b"c-1")],
    "state": {"request_id": "7f0c4c1e-0000-4000-8000-000000000000", "principal": Principal()},
}
started = time.perf_counter()
for _ in range(n):
    access._record(scope, 200, 0.0012)
print((time.perf_counter() - started) / n * 1e6)
"""


def measure(requests: int, *, multiprocess: bool, log: bool) -> float:
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        if multiprocess:
            env["PROMETHEUS_MULTIPROC_DIR"] = folder
        log_file = os.path.join(folder, "access.log") if log else "-"
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(requests), log_file],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return round(float(done.stdout.strip()), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    args = parser.parse_args()
    result = {
        "requests": args.requests,
        "us_per_request": {
            "metrics_in_memory": measure(args.requests, multiprocess=False, log=False),
            "metrics_multiprocess": measure(args.requests, multiprocess=True, log=False),
            "metrics_in_memory_and_json_line": measure(args.requests, multiprocess=False, log=True),
            "metrics_multiprocess_and_json_line": measure(
                args.requests, multiprocess=True, log=True
            ),
        },
        "load_average_1m": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
