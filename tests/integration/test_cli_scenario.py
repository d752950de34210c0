"""The `seatplan` command end to end: the founding document's scenario and JSON shapes."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from seatplan.cli.main import app
from seatplan.settings import get_settings


@pytest.fixture
def cli(database_url):
    """Run `seatplan ARGS…` against the test database; fail unless the exit code is 0."""
    runner = CliRunner()

    def run(*args: str, code: int = 0, env: dict[str, str] | None = None):
        get_settings.cache_clear()  # settings are cached per process: read this test's URL
        result = runner.invoke(
            app,
            list(args),
            env={"SEATPLAN_DATABASE_URL": database_url, "COLUMNS": "160", **(env or {})},
        )
        assert result.exit_code == code, f"{args}: {result.output}\n{result.exception!r}"
        return result

    yield run
    get_settings.cache_clear()


def as_json(result):
    return json.loads(result.stdout)


def setup_sales(cli):
    cli("org", "set", "--name", "Contoso", "--country", "US")
    cli("subscriptions", "set", "ENTERPRISEPACK", "--units", "10")
    cli("subscriptions", "set", "EXCHANGESTANDARD", "--units", "5")
    cli(
        "users",
        "add",
        "alice@contoso.com",
        "--name",
        "Alice Smith",
        "--department",
        "Sales",
        "--usage-location",
        "US",  # her direct license needs her own location, the organization's is not enough
    )
    cli("users", "add", "bob@contoso.com", "--usage-location", "gb")
    cli("users", "add", "carol@contoso.com")
    cli("users", "assign-license", "alice@contoso.com", "EXCHANGESTANDARD")
    cli("groups", "add", "Sales", "--description", "Sales people")
    cli(
        "groups", "add-member", "Sales", "alice@contoso.com", "bob@contoso.com", "carol@contoso.com"
    )


def test_conflict_found_explained_and_fixed(cli):
    setup_sales(cli)
    assigned = cli("groups", "assign-license", "Sales", "ENTERPRISEPACK")
    assert "ProcessingComplete" in assigned.stdout
    assert "1 user has license assignment errors" in assigned.stdout

    errors = cli("groups", "errors", "Sales")
    assert "alice@contoso.com" in errors.stdout
    assert "MutuallyExclusiveViolation" in errors.stdout
    assert "Fix: Disable the conflicting plans on the user's direct license." in errors.stdout
    [error] = as_json(cli("groups", "errors", "Sales", "--json"))
    assert error["userPrincipalName"] == "alice@contoso.com"
    assert error["skuPartNumber"] == "ENTERPRISEPACK"
    assert error["error"] == "MutuallyExclusiveViolation"
    assert error["state"] == "Error"
    assert error["explanation"]
    assert len(error["fixes"]) == 3
    [sales] = as_json(cli("groups", "list", "--json"))
    assert sales["membersWithLicenseErrorsCount"] == 1
    assert sales["memberCount"] == 3

    # The fix: disable the conflicting plan on Alice's direct license, then reprocess.
    cli(
        "users",
        "assign-license",
        "alice@contoso.com",
        "EXCHANGESTANDARD",
        "--disable",
        "EXCHANGE_S_STANDARD",
        "--no-wait",
    )
    assert len(as_json(cli("groups", "errors", "Sales", "--json"))) == 1  # not processed yet
    reprocessed = cli("groups", "reprocess", "Sales")
    assert "3 user(s) evaluated" in reprocessed.stdout
    assert as_json(cli("groups", "errors", "Sales", "--json")) == []
    assert (
        "No member of Sales has a license assignment error"
        in cli("groups", "errors", "Sales").stdout
    )

    alice = as_json(cli("users", "show", "alice@contoso.com", "--json"))
    states = {s["source"]: s for s in alice["licenseAssignmentStates"]}
    assert set(states) == {"Direct", "Sales"}
    assert {s["state"] for s in states.values()} == {"Active"}
    assert states["Direct"]["disabledPlanNames"] == ["EXCHANGE_S_STANDARD"]
    assert states["Direct"]["assignedByGroup"] is None
    assert states["Sales"]["assignedByGroup"] == sales["id"]
    assert "EXCHANGE_S_ENTERPRISE" in states["Sales"]["enabledPlanNames"]
    assert alice["effectiveUsageLocation"] == alice["usageLocation"] == "US"
    # Carol has no location of her own: her group license uses the organization's.
    carol = as_json(cli("users", "show", "carol@contoso.com", "--json"))
    assert carol["effectiveUsageLocation"] == "US"
    assert carol["usageLocation"] is None
    assert [s["state"] for s in carol["licenseAssignmentStates"]] == ["Active"]

    holders = as_json(cli("licensed-users", "ENTERPRISEPACK", "--json"))
    assert [u["userPrincipalName"] for u in holders["users"]] == [
        "alice@contoso.com",
        "bob@contoso.com",
        "carol@contoso.com",
    ]
    assert holders["users"][0]["groups"] == [{"id": sales["id"], "displayName": "Sales"}]
    assert holders["groups"][0]["usersLicensed"] == 3
    skus = {s["skuPartNumber"]: s for s in as_json(cli("skus", "--json"))}
    assert skus["ENTERPRISEPACK"]["consumedUnits"] == 3
    assert skus["ENTERPRISEPACK"]["availableUnits"] == 7
    assert skus["EXCHANGESTANDARD"]["consumedUnits"] == 1


def test_read_commands_json_shapes(cli):
    setup_sales(cli)
    cli("groups", "assign-license", "Sales", "ENTERPRISEPACK", "--disable", "SWAY")
    org = as_json(cli("org", "show", "--json"))
    assert set(org) == {
        "id",
        "displayName",
        "countryLetterCode",
        "defaultUsageLocation",
        "autoOfferSeats",
        "licenseNestedGroups",
    }
    assert org["displayName"] == "Contoso"
    sku = as_json(cli("skus", "--json"))[0]
    assert set(sku) == {
        "skuId",
        "skuPartNumber",
        "displayName",
        "consumedUnits",
        "prepaidUnits",
        "availableUnits",
    }
    sub = as_json(cli("subscriptions", "list", "--json"))[0]
    assert {"id", "skuId", "skuPartNumber", "status", "enabledUnits"} <= set(sub)
    users = as_json(cli("users", "list", "--json"))
    assert [u["userPrincipalName"] for u in users] == [
        "alice@contoso.com",
        "bob@contoso.com",
        "carol@contoso.com",
    ]
    assert set(users[0]) == {
        "id",
        "userPrincipalName",
        "displayName",
        "usageLocation",
        "accountEnabled",
        "products",
        "licenseErrors",
    }
    assert users[1]["usageLocation"] == "GB"
    assert [
        u["displayName"] for u in as_json(cli("users", "list", "--search", "SMITH", "--json"))
    ] == ["Alice Smith"]
    assert len(as_json(cli("users", "list", "--top", "2", "--json"))) == 2
    user = as_json(cli("users", "show", "bob@contoso.com", "--json"))
    assert {"licenseAssignmentStates", "memberOf", "effectiveUsageLocation"} <= set(user)
    assert set(user["licenseAssignmentStates"][0]) == {
        "skuId",
        "skuPartNumber",
        "assignedByGroup",
        "source",
        "state",
        "error",
        "disabledPlans",
        "disabledPlanNames",
        "enabledPlanNames",
        "lastUpdatedDateTime",
    }
    assert user["licenseAssignmentStates"][0]["lastUpdatedDateTime"].endswith("Z")
    group = as_json(cli("groups", "show", "Sales", "--json"))
    assert set(group) == {
        "id",
        "displayName",
        "description",
        "securityEnabled",
        "mailEnabled",
        "assignedLicenses",
        "licenseProcessingState",
        "memberCount",
        "membersWithLicenseErrorsCount",
        "membershipRule",
        "membershipRuleProcessingState",
        "membershipRuleProcessingStatus",
    }
    assert group["licenseProcessingState"] == {"state": "ProcessingComplete"}
    assert group["assignedLicenses"][0]["disabledPlanNames"] == ["SWAY"]
    assert group == as_json(cli("groups", "show", group["id"], "--json"))  # by id too
    members = as_json(cli("groups", "members", "Sales", "--json"))
    assert {m["userPrincipalName"] for m in members} == {
        "alice@contoso.com",
        "bob@contoso.com",
        "carol@contoso.com",
    }
    assert set(members[0]) == {"id", "userPrincipalName", "displayName", "memberSince", "licenses"}
    errors = as_json(cli("groups", "errors", "Sales", "--json"))
    assert set(errors[0]) == {
        "id",
        "userPrincipalName",
        "displayName",
        "skuId",
        "skuPartNumber",
        "assignedByGroup",
        "isMember",
        "state",
        "error",
        "explanation",
        "fixes",
    }
    products = as_json(cli("catalog", "products", "--search", "enterprisepack", "--json"))
    assert products[0]["skuPartNumber"] == "ENTERPRISEPACK"
    assert all("ENTERPRISEPACK" in p["skuPartNumber"] for p in products)
    plans = as_json(cli("catalog", "show", products[0]["skuId"], "--json"))
    assert {"servicePlanId", "servicePlanName", "friendlyName"} == set(plans["servicePlans"][0])
    held = as_json(cli("licensed-users", "ENTERPRISEPACK", "--json"))
    assert set(held) == {"skuId", "skuPartNumber", "users", "groups"}
    # Every read command also prints a table for people.
    for args in (
        ["org", "show"],
        ["skus"],
        ["subscriptions", "list"],
        ["users", "list"],
        ["users", "show", "alice@contoso.com"],
        ["groups", "list"],
        ["groups", "show", "Sales"],
        ["groups", "members", "Sales"],
        ["catalog", "show", "ENTERPRISEPACK"],
        ["licensed-users", "ENTERPRISEPACK"],
    ):
        assert cli(*args).stdout.strip()
