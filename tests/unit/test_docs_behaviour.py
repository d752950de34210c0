"""docs/behaviour.md quotes the messages the code answers, and the project stands alone."""

from __future__ import annotations

import re
from pathlib import Path
from uuid import uuid4

from seatplan.engine import errors

ROOT = Path(__file__).resolve().parents[2]
BEHAVIOUR = ROOT / "docs" / "behaviour.md"


def _documented_patterns() -> list[re.Pattern[str]]:
    """Each message quoted in behaviour.md, its `{placeholders}` matching any text."""
    quoted = re.findall(r"`([^`]+\.)`", BEHAVIOUR.read_text("utf-8"))
    return [
        re.compile(".+".join(re.escape(part) for part in re.split(r"\{\w+\}", text)))
        for text in quoted
    ]


def test_every_refusal_of_the_engine_is_quoted_exactly() -> None:
    sku, plan, other = uuid4(), uuid4(), uuid4()
    refusals = [
        errors.invalid_location(),
        errors.no_seat(sku),
        errors.mutually_exclusive(plan, other),
        errors.depends_on(plan, [other, uuid4()]),
        errors.unknown_sku(sku),
        errors.plan_not_in_product(plan, sku),
        errors.inherited_only(),
        errors.not_assigned(sku),
        errors.group_missing_prerequisite("INTUNE_A", ["AAD_PREMIUM", "EXCHANGE_S_STANDARD"]),
        errors.usage_location_prohibits("CU", sku),
    ]
    patterns = _documented_patterns()
    for refusal in refusals:
        assert any(p.fullmatch(refusal.message) for p in patterns), refusal.message


def test_nothing_points_outside_the_repository() -> None:
    # Built from parts so that this file does not match itself (nor a grep for them).
    spec, design = "SP" + "EC", "DES" + "IGN"
    outside = re.compile("|".join([r"\.\./" + "shared", rf"{spec}\.md", f"{spec} section", design]))
    places = [ROOT / "README.md", ROOT / "Makefile"]
    for folder in ("src", "docs", "tests", "bench", "scripts"):
        places += [p for p in (ROOT / folder).rglob("*") if p.suffix in {".py", ".md", ".html"}]
    found = [
        str(place.relative_to(ROOT))
        for place in places
        if place.is_file() and outside.search(place.read_text("utf-8"))
    ]
    assert found == []
