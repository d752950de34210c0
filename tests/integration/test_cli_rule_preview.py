"""`seatplan groups preview-rule`: the preview printed, as JSON too, and nothing written."""

from __future__ import annotations

import json

import pytest
from tests.integration.api_support import row_counts
from tests.integration.test_cli_commands import invoke

SALES = 'user.department -eq "Sales"'


@pytest.fixture
def cli(database_url):
    def run(*args: str, code: int = 0):
        return invoke(database_url, *args, code=code)

    return run


def tenant(cli):
    """E3 with one seat; Staff gives it to dan (HR); ann and ben are in Sales."""
    cli("org", "set", "--country", "US")
    cli("subscriptions", "set", "ENTERPRISEPACK", "--units", "1")
    for name, department in (("ann", "Sales"), ("ben", "Sales"), ("dan", "HR")):
        cli(
            "users",
            "add",
            f"{name}@contoso.com",
            "--name",
            name.title(),
            "--department",
            department,
        )
    cli("groups", "add", "Staff")
    cli("groups", "add-member", "Staff", "dan@contoso.com")
    cli("groups", "assign-license", "Staff", "ENTERPRISEPACK")


def test_preview_rule_prints_joiners_leavers_and_who_would_wait(cli, db):
    tenant(cli)
    before = row_counts(db)

    printed = cli("groups", "preview-rule", "Staff", SALES).stdout

    assert "nothing was changed" in printed
    assert "2 user(s) match: 2 would join, 1 would leave." in printed
    for name in ("ann@contoso.com", "ben@contoso.com", "dan@contoso.com"):
        assert name in printed
    assert "CountViolation" in printed
    assert "Why: Not enough licenses: every seat of the product is in use." in printed
    answer = json.loads(cli("groups", "preview-rule", "Staff", SALES, "--json").stdout)
    assert (answer["joining"], answer["leaving"]) == (2, 1)
    [seats] = answer["licensing"]["seats"]
    assert (seats["availableNow"], seats["availableAfter"]) == (0, 0)
    assert [(o["state"], o["error"], o["users"]) for o in answer["licensing"]["outcomes"]] == [
        ("Active", None, 1),
        ("Error", "CountViolation", 1),
    ]
    assert row_counts(db) == before


def test_an_invalid_rule_fails_with_its_position(cli, db):
    tenant(cli)
    before = row_counts(db)
    failed = cli("groups", "preview-rule", "Staff", "user.department -eq", code=1)
    assert "Invalid membership rule at position " in failed.output
    assert row_counts(db) == before


def test_set_rule_dry_run_prints_the_preview_and_changes_nothing(cli, db):
    tenant(cli)
    before = row_counts(db)

    printed = cli("groups", "set", "Staff", "--rule", SALES, "--dry-run").stdout

    assert "Preview of the rule for group Staff: nothing was changed." in printed
    assert "2 user(s) match: 2 would join, 1 would leave." in printed
    assert "CountViolation" in printed
    assert row_counts(db) == before
    assert json.loads(cli("groups", "show", "Staff", "--json").stdout)["membershipRule"] is None

    cli("groups", "set", "Staff", "--rule", SALES)  # saved and processed, as previewed
    errors = json.loads(cli("groups", "errors", "Staff", "--json").stdout)
    assert [e["error"] for e in errors] == ["CountViolation"]


def test_add_with_a_rule_dry_run_creates_nothing(cli, db):
    tenant(cli)
    before = row_counts(db)

    printed = cli("groups", "add", "Sales", "--rule", SALES, "--dry-run").stdout

    assert "Preview of the rule for a new group: nothing was changed." in printed
    assert "2 user(s) match: 2 would join, 0 would leave." in printed
    assert "ann@contoso.com" in printed
    assert row_counts(db) == before
    refused = cli("groups", "add", "Sales", "--dry-run", code=1)
    assert "give --rule" in refused.output
    invalid = cli("groups", "set", "Staff", "--rule", "user.department -eq", "--dry-run", code=1)
    assert "Invalid membership rule at position " in invalid.output
    assert row_counts(db) == before
