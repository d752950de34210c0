"""Benchmark: membership rules evaluated over N synthetic users.

In memory, for a few typical rules: the users per second and microseconds per user of
`MembershipRule.matches`, the share of users each rule matched, the time to parse it,
and `ratio_to_floor`: against the first rule's test written by hand as one Python
function (the least Python can do), within this run.

From a database (`load`): the same users written to a fresh database (a temporary
SQLite file unless `--database` names an empty one), then the seconds to read every
user's subject with `services.rule_subjects.load_subjects`, to read and evaluate the
`and_in` rule over all of them, and the floor: fetching the same columns as plain tuples
(`exec_driver_sql`), with the ratio of each to it.

    python bench/membership_rules.py [--users 100000] [--repeat 3] [--database URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Table, insert

from seatplan.engine.membership_rules import parse
from seatplan.services import setup
from seatplan.services.rule_subjects import SUBJECTS_QUERY, load_subjects
from seatplan.store.db import Database
from seatplan.store.tables import User

RULES = {
    "eq": 'user.department -eq "Sales"',
    "and_in": 'user.department -eq "Sales" -and user.country -in ["US", "GB", "FR"]',
    "or_startswith": (
        '(user.jobTitle -startsWith "Engineer" -or user.jobTitle -startsWith "Architect") '
        '-and user.accountEnabled -eq true -and user.userType -eq "Member"'
    ),
    "any_proxy": 'user.proxyAddresses -any (_ -endsWith "@fabrikam.com")',
    "not_contains": 'user.displayName -notContains "test" -and user.mail -ne null',
    "extension": 'user.extensionAttribute7 -in ["A1", "A2", "B7"]',
    "match": 'user.displayName -match "^[a-m].* (ii|iii)$"',
}

DEPARTMENTS = ["Sales", "Marketing", "Engineering", "Finance", "Support", None]
COUNTRIES = ["US", "GB", "FR", "DE", "NG", "JP", None]
TITLES = ["Engineer", "Architect", "Manager", "Analyst", "Intern", None]


def subjects(count: int, seed: int = 7) -> list[dict[str, object]]:
    pick = random.Random(seed).choice
    made: list[dict[str, object]] = []
    for n in range(count):
        name = f"{pick('abcdefghijklmnopqrstuvwxyz')}user {n} {pick(['i', 'ii', 'iii', 'test'])}"
        domain = pick(["contoso.com", "fabrikam.com"])
        made.append(
            {
                "id": f"00000000-0000-0000-0000-{n:012d}",
                "accountEnabled": pick([True, True, True, False]),
                "department": pick(DEPARTMENTS),
                "country": pick(COUNTRIES),
                "jobTitle": pick(TITLES),
                "userType": pick(["Member", "Member", "Guest"]),
                "displayName": name,
                "mail": pick([f"u{n}@{domain}", None]),
                "proxyAddresses": [f"SMTP:u{n}@contoso.com", f"smtp:u{n}@{domain}"],
                "onPremisesExtensionAttributes.extensionAttribute7": pick(["A1", "B7", "C3", None]),
            }
        )
    return made


def _floor(subject: Mapping[str, object]) -> bool:
    """RULES["eq"] by hand: what the least Python costs."""
    found = subject.get("department")
    return isinstance(found, str) and found.lower() == "sales"


def _best_seconds(
    test: Callable[[Mapping[str, object]], bool], users: list[dict[str, object]], repeat: int
) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for subject in users:
            test(subject)
        best = min(best, time.perf_counter() - start)
    return best


def _row(subject: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    upn = f"{subject['id'][-12:]}@bench.example"
    extension = subject["onPremisesExtensionAttributes.extensionAttribute7"]
    return {
        "id": uuid.UUID(subject["id"]),
        "user_principal_name": upn,
        "upn_key": upn,
        "display_name": subject["displayName"],
        "account_enabled": subject["accountEnabled"],
        "department": subject["department"],
        "country": subject["country"],
        "job_title": subject["jobTitle"],
        "user_type": subject["userType"],
        "mail": subject["mail"],
        "proxy_addresses": subject["proxyAddresses"],
        "other_mails": [],
        "business_phones": [],
        "extension_attributes": {} if extension is None else {"extensionAttribute7": extension},
        "created": now,
    }


def measure_load(url: str, users: list[dict[str, object]], repeat: int) -> dict[str, object]:
    db = Database(url)
    setup.initialize(db)
    now = datetime.now(UTC)
    table: Table = User.__table__  # type: ignore[assignment]
    for first in range(0, len(users), 20_000):
        with db.writing() as session:
            session.execute(insert(table), [_row(s, now) for s in users[first : first + 20_000]])
    rule = parse(RULES["and_in"])
    raw = str(SUBJECTS_QUERY.compile(db.engine, compile_kwargs={"literal_binds": True}))
    floor: float = float("inf")
    load: float = float("inf")
    evaluate: float = float("inf")
    matched = 0
    for _ in range(repeat):
        with db.reading() as session:
            start = time.perf_counter()
            session.connection().exec_driver_sql(raw).fetchall()
            floor = min(floor, time.perf_counter() - start)
            start = time.perf_counter()
            for _subject in load_subjects(session):
                pass
            load = min(load, time.perf_counter() - start)
            start = time.perf_counter()
            matched = sum(1 for _id, subject in load_subjects(session) if rule.matches(subject))
            evaluate = min(evaluate, time.perf_counter() - start)
    db.dispose()
    return {
        "database": url.split(":", 1)[0],
        "floor_fetch_seconds": round(floor, 3),
        "load_subjects_seconds": round(load, 3),
        "load_and_evaluate_seconds": round(evaluate, 3),
        "load_ratio": round(load / floor, 2),
        "load_and_evaluate_ratio": round(evaluate / floor, 2),
        "matched": matched,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--database", help="an empty database (default: a temporary SQLite)")
    options = parser.parse_args()
    users = subjects(options.users)

    floor = _best_seconds(_floor, users, options.repeat)
    results: dict[str, dict[str, float | int]] = {}
    for name, text in RULES.items():
        start = time.perf_counter()
        rule = parse(text)
        parse_us = (time.perf_counter() - start) * 1e6
        seconds = _best_seconds(rule.matches, users, options.repeat)
        matched = sum(1 for subject in users if rule.matches(subject))
        results[name] = {
            "users_per_second": round(options.users / seconds),
            "us_per_user": round(seconds / options.users * 1e6, 3),
            "ratio_to_floor": round(seconds / floor, 2),
            "matched": matched,
            "matched_share": round(matched / options.users, 3),
            "parse_us": round(parse_us, 1),
        }
    with tempfile.TemporaryDirectory() as folder:
        url = options.database or f"sqlite:///{Path(folder) / 'rules.db'}"
        load = measure_load(url, users, options.repeat)
    print(
        json.dumps(
            {
                "users": options.users,
                "floor_us_per_user": round(floor / options.users * 1e6, 3),
                "rules": results,
                "load": load,
                "load_average": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
