"""`seatplan groups add/set --rule`: dynamic groups from the command line."""

from __future__ import annotations

import json

import pytest
from tests.integration.test_cli_commands import invoke


@pytest.fixture
def cli(database_url):
    def run(*args: str, code: int = 0):
        return invoke(database_url, *args, code=code)

    return run


def _show(cli, group: str) -> dict:
    return json.loads(cli("groups", "show", group, "--json").stdout)


def _members(cli, group: str) -> set[str]:
    found = json.loads(cli("groups", "members", group, "--json").stdout)
    return {m["userPrincipalName"] for m in found}


def test_a_rule_made_from_the_command_line_is_evaluated_before_it_returns(cli):
    cli("users", "add", "ann@contoso.com", "--department", "Sales")
    cli("users", "add", "ben@contoso.com", "--department", "Finance")
    cli("groups", "add", "Sales", "--rule", 'user.department -eq "Sales"')
    shown = _show(cli, "Sales")
    assert shown["membershipRule"] == 'user.department -eq "Sales"'
    assert shown["membershipRuleProcessingState"] == "On"
    assert shown["membershipRuleProcessingStatus"]["status"] == "Succeeded"
    assert shown["membershipRuleProcessingStatus"]["joined"] == 1
    assert _members(cli, "Sales") == {"ann@contoso.com"}
    assert "Rule" in cli("groups", "show", "Sales").stdout
    assert "Security (dynamic)" in cli("groups", "list").stdout

    cli("groups", "set", "Sales", "--rule", 'user.department -eq "Finance"', "--no-wait")
    assert _show(cli, "Sales")["membershipRuleProcessingStatus"]["status"] == "NotStarted"
    cli("process")
    assert _members(cli, "Sales") == {"ben@contoso.com"}

    cli("groups", "set", "Sales", "--pause")
    cli("users", "set", "ann@contoso.com", "--department", "Finance")
    assert _members(cli, "Sales") == {"ben@contoso.com"}
    cli("groups", "set", "Sales", "--resume")
    assert _members(cli, "Sales") == {"ann@contoso.com", "ben@contoso.com"}
    cli("users", "set", "ben@contoso.com", "--department", "Legal")  # kept at once
    assert _members(cli, "Sales") == {"ann@contoso.com"}
    cli("users", "add", "cid@contoso.com", "--department", "Finance")
    assert _members(cli, "Sales") == {"ann@contoso.com", "cid@contoso.com"}
    cli("users", "delete", "cid@contoso.com")
    cli("users", "set", "ben@contoso.com", "--department", "Finance")

    refused = cli("groups", "add-member", "Sales", "ann@contoso.com", code=1)
    assert "dynamic" in refused.output
    cli("groups", "set", "Sales", "--static")
    assert _show(cli, "Sales")["membershipRule"] is None
    assert _members(cli, "Sales") == {"ann@contoso.com", "ben@contoso.com"}


def test_a_bad_rule_says_where_and_writes_nothing(cli):
    bad = cli("groups", "add", "Sales", "--rule", 'user.department -eq "Sales" -or', code=1)
    assert "position" in bad.output
    assert json.loads(cli("groups", "list", "--json").stdout) == []
    cli("groups", "add", "Staff")
    refused = cli("groups", "set", "Staff", "--rule", "user.department -eq", code=1)
    assert "position" in refused.output
    assert _show(cli, "Staff")["membershipRule"] is None
