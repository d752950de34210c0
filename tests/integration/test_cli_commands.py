"""`seatplan` commands beyond the main scenario: lifecycle, queue, demo, setup, database."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import insert, select
from typer.testing import CliRunner

from seatplan.cli.main import app
from seatplan.settings import get_settings
from seatplan.store.db import Database
from seatplan.store.tables import AuditEvent, Group, Membership, User
from seatplan.store.types import utcnow


def invoke(
    url: str,
    *args: str,
    code: int = 0,
    env: dict[str, str] | None = None,
    input: str | None = None,
):
    get_settings.cache_clear()  # settings are cached per process: read this test's URL
    result = CliRunner().invoke(
        app,
        list(args),
        env={"SEATPLAN_DATABASE_URL": url, "COLUMNS": "160", **(env or {})},
        input=input,
    )
    get_settings.cache_clear()
    assert result.exit_code == code, f"{args}: {result.output}\n{result.exception!r}"
    return result


@pytest.fixture
def cli(database_url):
    def run(
        *args: str,
        code: int = 0,
        env: dict[str, str] | None = None,
        input: str | None = None,
    ):
        return invoke(database_url, *args, code=code, env=env, input=input)

    return run


def as_json(result):
    return json.loads(result.stdout)


def test_no_wait_queues_and_process_drains(cli):
    cli("subscriptions", "set", "ENTERPRISEPACK", "--units", "1")
    cli("users", "add", "ann@contoso.com", "--usage-location", "US")
    cli("users", "add", "ben@contoso.com", "--usage-location", "US")
    cli("groups", "add", "Staff")
    cli("groups", "add-member", "Staff", "ann@contoso.com", "ben@contoso.com", "--no-wait")
    queued = cli("groups", "assign-license", "Staff", "ENTERPRISEPACK", "--no-wait")
    assert "Queued for processing" in queued.stdout
    assert as_json(cli("groups", "show", "Staff", "--json"))["licenseProcessingState"] == {
        "state": "QueuedForProcessing"
    }
    assert "2 user(s) evaluated" in cli("process").stdout
    assert "0 user(s) evaluated" in cli("process").stdout
    staff = as_json(cli("groups", "show", "Staff", "--json"))
    assert staff["licenseProcessingState"] == {"state": "ProcessingComplete"}
    assert staff["membersWithLicenseErrorsCount"] == 1  # one seat for two members
    [waiting] = as_json(cli("groups", "errors", "Staff", "--json"))
    assert waiting["error"] == "CountViolation"
    # Buying a seat offers it to the user waiting for one.
    cli("subscriptions", "set", "ENTERPRISEPACK", "--units", "2")
    assert as_json(cli("groups", "errors", "Staff", "--json")) == []


def test_users_and_groups_lifecycle(cli):
    cli("org", "set", "--default-usage-location", "FR", "--no-auto-offer-seats")
    org = as_json(cli("org", "show", "--json"))
    assert (org["defaultUsageLocation"], org["autoOfferSeats"]) == ("FR", False)
    cli("org", "set", "--default-usage-location", "")
    assert as_json(cli("org", "show", "--json"))["defaultUsageLocation"] is None

    cli("users", "add", "dan@contoso.com", "--usage-location", "DE", "--job-title", "Dev")
    cli("users", "set", "dan@contoso.com", "--name", "Dan D", "--usage-location", "", "--disabled")
    dan = as_json(cli("users", "show", "dan@contoso.com", "--json"))
    assert (dan["displayName"], dan["usageLocation"], dan["accountEnabled"]) == (
        "Dan D",
        None,
        False,
    )
    assert dan["jobTitle"] == "Dev"
    cli("users", "set", dan["id"], "--usage-location", "de", "--enabled")
    assert as_json(cli("users", "show", dan["id"], "--json"))["usageLocation"] == "DE"

    cli("subscriptions", "set", "ENTERPRISEPACK", "--units", "3")
    cli("groups", "add", "Devs")
    cli("groups", "add-member", "Devs", "dan@contoso.com")
    cli("groups", "assign-license", "Devs", "ENTERPRISEPACK", "--disable", "SWAY")
    # Assigning it again replaces its disabled plans.
    cli(
        "groups",
        "assign-license",
        "Devs",
        "ENTERPRISEPACK",
        "--disable",
        "TEAMS1",
        "--disable",
        "FORMS_PLAN_E3",
    )
    [license_] = as_json(cli("groups", "show", "Devs", "--json"))["assignedLicenses"]
    assert license_["disabledPlanNames"] == ["FORMS_PLAN_E3", "TEAMS1"]
    [state] = as_json(cli("users", "show", "dan@contoso.com", "--json"))["licenseAssignmentStates"]
    assert state["disabledPlanNames"] == ["FORMS_PLAN_E3", "TEAMS1"]
    assert state["state"] == "Active"

    cli("groups", "remove-member", "Devs", "dan@contoso.com")
    assert (
        as_json(cli("users", "show", "dan@contoso.com", "--json"))["licenseAssignmentStates"] == []
    )
    cli("groups", "remove-license", "Devs", "ENTERPRISEPACK")
    cli("groups", "delete", "Devs")
    assert as_json(cli("groups", "list", "--json")) == []

    cli("groups", "add", "Newsletter", "--no-security")
    [dl] = as_json(cli("groups", "list", "--json"))
    assert (dl["securityEnabled"], dl["mailEnabled"]) == (False, True)

    cli("users", "assign-license", "dan@contoso.com", "ENTERPRISEPACK")
    assert as_json(cli("skus", "--json"))[0]["consumedUnits"] == 1
    cli("users", "reprocess", "dan@contoso.com")
    cli("users", "remove-license", "dan@contoso.com", "ENTERPRISEPACK")
    assert as_json(cli("skus", "--json"))[0]["consumedUnits"] == 0
    cli("users", "assign-license", "dan@contoso.com", "ENTERPRISEPACK")
    cli("users", "delete", "dan@contoso.com")
    assert as_json(cli("skus", "--json"))[0]["consumedUnits"] == 0  # deleting frees the seat
    assert as_json(cli("users", "list", "--json")) == []


def test_big_queue_is_processed_with_progress(cli, database_url):
    """More than a thousand queued users: processed in batches, a bar on stderr."""
    cli("subscriptions", "set", "STANDARDPACK", "--units", "2000")
    cli("groups", "add", "Everyone")
    group_id = as_json(cli("groups", "list", "--json"))[0]["id"]
    db = Database(database_url)
    ids = [uuid.uuid4() for _ in range(1200)]
    with db.writing() as session:
        session.execute(
            insert(User),
            [
                {
                    "id": i,
                    "user_principal_name": f"u{n}@contoso.com",
                    "upn_key": f"u{n}@contoso.com",
                    "display_name": f"U {n}",
                    "usage_location": "US",
                    "created": utcnow(),
                }
                for n, i in enumerate(ids)
            ],
        )
        session.execute(
            insert(Membership),
            [{"group_id": uuid.UUID(group_id), "user_id": i, "since": utcnow()} for i in ids],
        )
    db.dispose()
    result = cli(
        "groups", "assign-license", "Everyone", "STANDARDPACK", env={"SEATPLAN_BATCH_SIZE": "500"}
    )
    assert "1200 user(s) evaluated" in result.stdout
    assert "Processing licenses" not in result.stdout  # the bar goes to stderr only
    assert as_json(cli("skus", "--json"))[0]["consumedUnits"] == 1200


def test_demo_shows_every_problem(cli):
    result = cli("demo")
    assert "Demo tenant loaded" in result.stdout
    for text in (
        "Users in error",
        "CountViolation",
        "MutuallyExclusiveViolation",
        "DependencyViolation",
        "ProhibitedInUsageLocationViolation",
    ):
        assert text in result.stdout
    assert "already holds users" in cli("demo").stdout


def test_db_upgrade_seeds_a_new_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    uninitialized = invoke(url, "skus", code=1)
    assert "seatplan db upgrade" in uninitialized.stderr
    assert "Built-in Microsoft 365 catalog seeded" in invoke(url, "db", "upgrade").stdout
    assert "already present" in invoke(url, "db", "upgrade").stdout
    assert invoke(url, "catalog", "show", "ENTERPRISEPACK").stdout


def test_unreachable_database_is_one_line(tmp_path):
    result = invoke(f"sqlite:///{tmp_path}/missing/dir/x.db", "users", "list", code=1)
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: Cannot use the database")
    result = invoke("postgresql+psycopg://who:secret@127.0.0.1:1/none", "skus", code=1)
    [line] = result.stderr.splitlines()
    assert "Cannot use the database" in line
    assert "secret" not in line


def test_changes_are_audited_as_the_account_that_ran_the_command(cli, database_url, monkeypatch):
    monkeypatch.setenv("LOGNAME", "operator")  # getpass reads LOGNAME first
    cli("users", "add", "ann@contoso.com")
    db = Database(database_url)
    with db.reading() as session:
        added = session.scalars(
            select(AuditEvent).where(AuditEvent.activity_display_name == "Add user")
        ).one()
    db.dispose()
    assert added.initiated_by["user"]["displayName"] == "operator (command line)"


def test_dry_run_previews_a_group_license_and_changes_nothing(cli):
    cli("subscriptions", "set", "ENTERPRISEPACK", "--units", "1")
    cli("users", "add", "ann@contoso.com", "--usage-location", "US")
    cli("users", "add", "ben@contoso.com", "--usage-location", "US")
    cli("groups", "add", "Staff")
    cli("groups", "add-member", "Staff", "ann@contoso.com", "ben@contoso.com")

    preview = as_json(
        cli("groups", "assign-license", "Staff", "ENTERPRISEPACK", "--dry-run", "--json")
    )
    assert [(o["state"], o["error"], o["users"]) for o in preview["outcomes"]] == [
        ("Active", None, 1),
        ("Error", "CountViolation", 1),
    ]
    assert preview["seats"][0]["availableAfter"] == 0
    assert as_json(cli("groups", "show", "Staff", "--json"))["assignedLicenses"] == []
    assert as_json(cli("skus", "--json"))[0]["consumedUnits"] == 0

    text = cli("groups", "assign-license", "Staff", "ENTERPRISEPACK", "--dry-run").stdout
    assert "nothing was changed" in text
    assert "CountViolation" in text

    cli("groups", "assign-license", "Staff", "ENTERPRISEPACK")
    removal = as_json(
        cli("groups", "remove-license", "Staff", "ENTERPRISEPACK", "--dry-run", "--json")
    )
    assert removal["removed"] == [{"skuPartNumber": "ENTERPRISEPACK", "users": 2}]
    assert as_json(cli("groups", "show", "Staff", "--json"))["assignedLicenses"] != []


def test_administrators_are_created_changed_and_deleted(cli):
    cli(
        "admin",
        "create",
        "--username",
        "root",
        "--role",
        "Global Administrator",
        input="root-password-1\n",
    )
    cli("admin", "create", "--username", "ops", input="ops-password-11\n")

    cli("admin", "set", "--username", "ops", "--role", "license administrator")
    cli("admin", "set", "--username", "ops", "--password", input="ops-password-22\n")
    listed = {a["username"]: a["role"] for a in as_json(cli("admin", "list", "--json"))}
    assert listed == {"ops": "License Administrator", "root": "Global Administrator"}

    last = cli("admin", "delete", "--username", "root", code=1)
    assert "'root' is the last Global Administrator" in last.output
    nothing = cli("admin", "set", "--username", "ops", code=1)
    assert "Nothing to change" in nothing.output
    unknown = cli("admin", "delete", "--username", "ghost", code=1)
    assert "Administrator 'ghost' was not found." in unknown.output

    cli("admin", "delete", "--username", "ops")
    assert [a["username"] for a in as_json(cli("admin", "list", "--json"))] == ["root"]


def test_standard_properties_of_users_and_groups(cli, db: Database):
    cli(
        "users",
        "add",
        "eve@contoso.com",
        "--given-name",
        "Eve",
        "--surname",
        "Adams",
        "--mail",
        "eve@contoso.com",
        "--company",
        "Contoso",
        "--user-type",
        "Guest",
    )
    cli("users", "set", "eve@contoso.com", "--surname", "Brown", "--office", "B1", "--company", "")
    cli("users", "set", "eve@contoso.com", "--user-type", "Boss", code=1)
    cli("groups", "add", "Team", "--mail-nickname", "team", "--visibility", "Private")
    cli("groups", "set", "Team", "--mail", "team@contoso.com", "--visibility", "Public")
    cli("groups", "set", "Team", "--visibility", "Secret", code=1)
    with db.reading() as session:
        eve = session.scalars(select(User).where(User.upn_key == "eve@contoso.com")).one()
        group = session.scalars(select(Group).where(Group.display_name == "Team")).one()
        assert (eve.given_name, eve.surname, eve.office_location) == ("Eve", "Brown", "B1")
        assert (eve.company_name, eve.user_type, eve.mail) == (None, "Guest", "eve@contoso.com")
        assert eve.proxy_addresses == ["SMTP:eve@contoso.com"]
        assert (group.mail, group.mail_nickname, group.visibility) == (
            "team@contoso.com",
            "team",
            "Public",
        )
