"""`seatplan groups add-member` with a group, `groups members` showing groups, and
`seatplan org set --license-nested-groups` with licenses following and doctor clean."""

from __future__ import annotations

from tests.integration.test_cli_scenario import as_json, cli  # noqa: F401 - the fixture


def test_nested_groups_from_the_command_line(cli):  # noqa: F811
    cli("org", "set", "--name", "Contoso", "--country", "US")
    cli("subscriptions", "set", "ENTERPRISEPACK", "--units", "10")
    cli("users", "add", "ann@contoso.com")
    cli("users", "add", "max@contoso.com")
    cli("groups", "add", "Staff")
    cli("groups", "add", "Sales")
    cli("groups", "add-member", "Staff", "ann@contoso.com", "Sales")
    cli("groups", "add-member", "Sales", "max@contoso.com")
    refused = cli("groups", "add-member", "Sales", "Staff", code=1)
    assert "cycle" in refused.output
    members = as_json(cli("groups", "members", "Staff", "--json"))
    assert [m.get("userPrincipalName") or m["displayName"] for m in members] == [
        "ann@contoso.com",
        "Sales",
    ]
    assert members[1]["type"] == "group"
    assert "Groups in Staff (1)" in cli("groups", "members", "Staff").stdout

    cli("groups", "assign-license", "Staff", "ENTERPRISEPACK")
    max_user = as_json(cli("users", "show", "max@contoso.com", "--json"))
    assert max_user["licenseAssignmentStates"] == []

    cli("org", "set", "--license-nested-groups")
    assert as_json(cli("org", "show", "--json"))["licenseNestedGroups"] is True
    max_user = as_json(cli("users", "show", "max@contoso.com", "--json"))
    [state] = max_user["licenseAssignmentStates"]
    assert (state["source"], state["state"]) == ("Staff", "Active")
    cli("doctor")

    cli("groups", "remove-member", "Staff", "Sales")
    assert (
        as_json(cli("users", "show", "max@contoso.com", "--json"))["licenseAssignmentStates"] == []
    )
    cli("groups", "add-member", "Staff", "Sales")
    cli("org", "set", "--no-license-nested-groups")
    assert (
        as_json(cli("users", "show", "max@contoso.com", "--json"))["licenseAssignmentStates"] == []
    )
    cli("doctor")
