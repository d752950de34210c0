"""Benchmark: peak memory of every Seatplan process while 1,000,000 memberships are processed.

Builds the realistic tenant of bench/tenant.py with enough users for `--memberships`
group memberships (about 5.5 per user), then, each in a process of its own whose peak
resident set size (ru_maxrss) is reported:
- `queue`: reprocess every group (what an administrator's request does);
- `workers`: `--workers` worker processes draining the queue (batches of `--batch-size`);
- `doctor`: `seatplan doctor`'s check of the outcome (which must find no problem).
The process that builds the tenant holds it in Python to build it; it is no Seatplan
process and is not counted. Prints JSON; `peak_rss_mb` is the largest of them all.

    python bench/memory.py [--memberships 1000000] [--workers 2] [--database URL]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import sys
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

import tenant
from seatplan.services import doctor, licenses
from seatplan.store.db import Database
from seatplan.store.tables import Group

#: Memberships per user in the tenant of bench/tenant.py (measured: 5.5 at any size).
PER_USER = 5.5


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _queue(url: str, out: Any) -> None:
    db = Database(url)
    with db.writing() as session:
        for group in session.scalars(select(Group).order_by(Group.display_name)):
            licenses.reprocess_group(session, group=group)
    db.dispose()
    out.put(_peak_mb())


def _doctor(url: str, out: Any) -> None:
    db = Database(url)
    with db.reading() as session:
        report = doctor.check(session)
    db.dispose()
    out.put((_peak_mb(), report.ok, report.users_checked, len(report.problems)))


def in_process(target: Any, url: str) -> Any:
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    process = context.Process(target=target, args=(url, out))
    process.start()
    found = out.get()
    process.join()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memberships", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--database", default=None, help="SQLAlchemy URL (default: temp SQLite)")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    users = round(args.memberships / PER_USER)

    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'memory.db'}"
        print(f"building a tenant of {users} users in {url}", file=sys.stderr)
        built = tenant.build_tenant(url, users, args.seed)
        # Nothing processed yet: every outcome row is written, as for a new tenant.
        print(f"queueing and processing with {args.workers} worker(s)", file=sys.stderr)
        queue_peak = in_process(_queue, url)
        run = tenant.full_reprocess(url, args.batch_size, args.workers, queue_here=False)
        print("seatplan doctor", file=sys.stderr)
        doctor_peak, ok, checked, problems = in_process(_doctor, url)
    peaks = {"queue": queue_peak, "doctor": doctor_peak}
    result = {
        "memberships": built["memberships"],
        "users": users,
        "workers": args.workers,
        "batch_size": args.batch_size,
        "database": "sqlite" if url.startswith("sqlite") else url.split(":")[0],
        "seconds": round(run["seconds"], 1),
        "rows": run["rows"],
        "peak_rss_mb": round(max([*peaks.values(), *run["worker_peaks_mb"]]), 1),
        "peaks_mb": {
            "queue": round(queue_peak, 1),
            "workers": run["worker_peaks_mb"],
            "doctor": round(doctor_peak, 1),
        },
        "doctor": {"ok": ok, "users_checked": checked, "problems": problems},
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result))
    if not ok:
        raise SystemExit("seatplan doctor found problems")


if __name__ == "__main__":
    main()
