"""Benchmark: `seatplan users import` of N rows of Entra's bulk create CSV.

Writes a file of N users (every column of the template filled), then, in a fresh
database (a temporary SQLite file unless `--database` names an empty one):

- `check_seconds`: the dry run (every row checked, against the directory too);
- `seconds`: the import (checked again, then written in chunks of 1,000 through the user
  services: audit, change log, dynamic groups), with rows/s;
- `update_seconds`: a bulk update file of the same N users (by id: a new department and
  job title each, every tenth user blocked or unblocked), written the same way;
- `floor_seconds`: inserting the same users' rows directly (Core executemany, chunks of
  1,000, one transaction) into an identically indexed copy of the user table in the same
  database: the least the database can do; `ratio` is `seconds / floor_seconds`;
- `export_seconds`: the export of the N users;
- `peak_rss_mb`: the process's peak resident memory (getrusage), `baseline_rss_mb` before
  the import.

    python bench/bulk_import.py [--rows 100000] [--database URL]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, insert, select

from seatplan.services import bulk_csv, bulk_export, bulk_import, bulk_report, setup
from seatplan.store.db import Database
from seatplan.store.search_words import search_text
from seatplan.store.tables import User
from seatplan.store.types import utcnow

DEPARTMENTS = ["Sales", "Marketing", "Engineering", "Finance", "Support"]
COUNTRIES = ["US", "GB", "FR", "DE", "JP"]
HEADERS = [h for p, h in bulk_csv.USER_COLUMNS.items() if p != "id"]


def row(n: int) -> list[str]:
    country = COUNTRIES[n % len(COUNTRIES)]
    return [
        f"User {n}",
        f"user{n}@contoso.com",
        f"Secret-{n}!",
        "No" if n % 10 else "Yes",
        f"First{n}",
        f"Last{n}",
        "Engineer",
        DEPARTMENTS[n % len(DEPARTMENTS)],
        country,
        f"{n} Main Street",
        "State",
        country,
        f"Building {n % 7}",
        "City",
        f"{10000 + n % 80000}",
        f"+1 555 {n:07d}",
        f"+1 556 {n:07d}",
    ]


def write_file(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream)
        out.writerow([bulk_csv.VERSION])
        out.writerow(HEADERS)
        out.writerows(row(n) for n in range(rows))


def write_update_file(db: Database, path: Path) -> None:
    """Every user, by id, moved to the next department with a new job title."""
    headers = [bulk_csv.USER_COLUMNS[p] for p in ("id", "department", "jobTitle", "accountEnabled")]
    with db.reading() as session:
        ids = list(session.scalars(select(User.id).order_by(User.upn_key)))
    with path.open("w", newline="", encoding="utf-8") as stream:
        out = csv.writer(stream)
        out.writerow([bulk_csv.VERSION])
        out.writerow(headers)
        out.writerows(
            [
                str(user_id),
                DEPARTMENTS[(n + 1) % len(DEPARTMENTS)],
                "Manager",
                "Yes" if n % 10 else "No",
            ]
            for n, user_id in enumerate(ids)
        )


def floor_row(n: int, now: Any) -> dict[str, Any]:
    cells = row(n)
    return {
        "id": uuid.uuid4(),
        "display_name": cells[0],
        "display_name_words": search_text(cells[0]),
        "user_principal_name": cells[1],
        "upn_key": cells[1].lower(),
        "account_enabled": cells[3] == "No",
        "given_name": cells[4],
        "surname": cells[5],
        "job_title": cells[6],
        "department": cells[7],
        "usage_location": cells[8],
        "street_address": cells[9],
        "state": cells[10],
        "country": cells[11],
        "office_location": cells[12],
        "city": cells[13],
        "postal_code": cells[14],
        "business_phones": [cells[15]],
        "mobile_phone": cells[16],
        "other_mails": [],
        "proxy_addresses": [],
        "extension_attributes": {},
        "user_type": "Member",
        "created": now,
    }


def floor_seconds(db: Database, rows: int) -> float:
    """The same rows inserted straight into a copy of the user table (same indexes)."""
    copy = User.__table__.to_metadata(MetaData(), name="bench_floor_user")
    for item in (*copy.indexes, *copy.constraints):
        if isinstance(item.name, str):  # names are schema-wide on PostgreSQL
            item.name = f"bench_floor_{item.name}"
    copy.create(db.engine)
    table: Table = copy
    now = utcnow()
    start = time.perf_counter()
    with db.writing() as session:
        for first in range(0, rows, bulk_report.CHUNK):
            last = min(rows, first + bulk_report.CHUNK)
            session.execute(insert(table), [floor_row(n, now) for n in range(first, last)])
    seconds = time.perf_counter() - start
    copy.drop(db.engine)
    return seconds


def rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--database", help="an empty database (default: a temporary SQLite)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "users.csv"
        write_file(path, options.rows)
        url = options.database or f"sqlite:///{Path(folder) / 'bulk.db'}"
        db = Database(url)
        setup.initialize(db)
        baseline = rss_mb()
        start = time.perf_counter()
        checked = bulk_import.import_users(db, path, dry_run=True)
        check = time.perf_counter() - start
        assert checked.created == options.rows, checked.problems[:5]
        start = time.perf_counter()
        report = bulk_import.import_users(db, path)
        seconds = time.perf_counter() - start
        assert report.created == options.rows
        updates = Path(folder) / "updates.csv"
        write_update_file(db, updates)
        start = time.perf_counter()
        updated = bulk_import.import_users(db, updates, update=True)
        update = time.perf_counter() - start
        assert updated.updated == options.rows, updated.problems[:5]
        peak = rss_mb()
        start = time.perf_counter()
        exported = sum(1 for _ in bulk_export.export_users(db))
        export = time.perf_counter() - start
        floor = floor_seconds(db, options.rows)
        db.dispose()
    print(
        json.dumps(
            {
                "rows": options.rows,
                "database": url.split(":", 1)[0],
                "check_seconds": round(check, 2),
                "seconds": round(seconds, 2),
                "rows_per_second": round(options.rows / seconds),
                "update_seconds": round(update, 2),
                "update_ratio": round(update / floor, 1),
                "floor_seconds": round(floor, 2),
                "ratio": round(seconds / floor, 1),
                "export_seconds": round(export, 2),
                "export_pieces": exported,
                "baseline_rss_mb": baseline,
                "peak_rss_mb": peak,
                "load_average": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
