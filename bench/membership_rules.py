"""Benchmark: membership rules evaluated over N synthetic users, in memory.

For a few typical rules, prints one JSON object with the users per second and the
microseconds per user of `MembershipRule.matches`, the share of users each rule matched,
and a floor: the same test of the first rule written by hand as one Python function, so
that `ratio` (rule / floor, within this run) says what the compiled closures cost over
the least Python can do. Also the time to parse each rule.

    python bench/membership_rules.py [--users 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from collections.abc import Callable, Mapping

from seatplan.engine.membership_rules import parse

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


def _best_seconds(test: Callable[[Mapping[str, object]], bool], users: list, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for subject in users:
            test(subject)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    users = subjects(options.users)

    floor = _best_seconds(_floor, users, options.repeat)
    results: dict[str, dict[str, float]] = {}
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
            "matched_share": round(matched / options.users, 3),
            "parse_us": round(parse_us, 1),
        }
    print(
        json.dumps(
            {
                "users": options.users,
                "floor_us_per_user": round(floor / options.users * 1e6, 3),
                "rules": results,
                "load_average": [round(x, 2) for x in os.getloadavg()],
            }
        )
    )


if __name__ == "__main__":
    main()
