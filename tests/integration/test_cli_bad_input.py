"""Bad input: one red line naming the bad value, exit code 1, and nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from seatplan.cli.main import app
from seatplan.processing import worker
from seatplan.services import catalog, groups, licenses, lookup, subscriptions, users
from seatplan.services import organization as org_service
from seatplan.settings import get_settings
from seatplan.store.tables import Base

CASES = [
    # (command line, text the error line must contain)
    (["users", "show", "nobody@contoso.com"], "nobody@contoso.com"),
    (
        ["users", "show", "00000000-0000-0000-0000-00000000abcd"],
        "00000000-0000-0000-0000-00000000abcd",
    ),
    (["users", "add", "not-an-upn"], "not-an-upn"),
    (["users", "add", "new@contoso.com", "--usage-location", "XX"], "XX"),
    (["users", "add", "ALICE@contoso.com"], "ALICE@contoso.com"),
    (["users", "set", "alice@contoso.com", "--name", "A", "--usage-location", "ZZ"], "ZZ"),
    (["users", "set", "alice@contoso.com"], "Nothing to change"),
    (["users", "delete", "nobody@contoso.com"], "nobody@contoso.com"),
    (["users", "assign-license", "alice@contoso.com", "NOSUCHSKU"], "NOSUCHSKU"),
    (["users", "assign-license", "nobody@contoso.com", "ENTERPRISEPACK"], "nobody@contoso.com"),
    (
        [
            "users",
            "assign-license",
            "alice@contoso.com",
            "ENTERPRISEPACK",
            "--disable",
            "SWAY",
            "--disable",
            "NOPLAN",
        ],
        "NOPLAN",
    ),
    (
        ["users", "assign-license", "alice@contoso.com", "POWER_BI_PRO"],
        "does not have any available",
    ),
    # Bob has no usage location of his own; the organization's is for group licensing only.
    (
        ["users", "assign-license", "bob@contoso.com", "ENTERPRISEPACK"],
        "Error: License assignment cannot be done for user with invalid usage location.",
    ),
    (["users", "remove-license", "alice@contoso.com", "ENTERPRISEPACK"], "inherited"),
    (["users", "remove-license", "bob@contoso.com", "ENTERPRISEPACK"], "ENTERPRISEPACK"),
    (["users", "reprocess", "nobody@contoso.com"], "nobody@contoso.com"),
    (["groups", "show", "No such group"], "No such group"),
    (["groups", "members", "No such group"], "No such group"),
    (["groups", "errors", "No such group"], "No such group"),
    (["groups", "add", " "], "displayName"),
    (
        ["groups", "add-member", "Sales", "bob@contoso.com", "nobody@contoso.com"],
        "nobody@contoso.com",
    ),
    (["groups", "add-member", "Sales", "alice@contoso.com"], "alice@contoso.com"),
    (["groups", "remove-member", "Sales", "bob@contoso.com"], "bob@contoso.com"),
    (["groups", "assign-license", "Newsletter", "ENTERPRISEPACK"], "Newsletter"),
    (["groups", "assign-license", "Sales", "NOSUCHSKU"], "NOSUCHSKU"),
    (["groups", "assign-license", "Sales", "EMS", "--disable", "SWAY"], "SWAY"),
    (["groups", "remove-license", "Sales", "EMS"], "EMS"),
    (["groups", "delete", "Sales"], "Sales"),
    (["groups", "reprocess", "No such group"], "No such group"),
    (["org", "set", "--country", "XX"], "XX"),
    (["org", "set", "--name", "New", "--default-usage-location", "QQ"], "QQ"),
    (["subscriptions", "set", "NOSUCHSKU", "--units", "5"], "NOSUCHSKU"),
    (["subscriptions", "set", "ENTERPRISEPACK", "--units", "-1"], "-1"),
    (["subscriptions", "set", "ENTERPRISEPACK", "--units", "5", "--subscription", "nope"], "nope"),
    (["catalog", "show", "NOSUCHSKU"], "NOSUCHSKU"),
    (["licensed-users", "NOSUCHSKU"], "NOSUCHSKU"),
]


@pytest.fixture
def tenant(db):
    """Alice (in the US) inherits E3 from Sales; Bob (no usage location of his own, the
    organization's is the US) is in no group; Newsletter is a distribution list."""
    with db.writing() as session:
        org_service.update(session, country_letter_code="US")
        subscriptions.set_units(session, sku="ENTERPRISEPACK", units=5)
        subscriptions.set_units(session, sku="POWER_BI_PRO", units=0)
        alice = users.create(session, user_principal_name="alice@contoso.com", usage_location="US")
        users.create(session, user_principal_name="bob@contoso.com")
        sales = groups.create(session, display_name="Sales")
        groups.create(session, display_name="Newsletter", security_enabled=False, mail_enabled=True)
        groups.add_member(session, group=sales, user=alice)
        e3 = catalog.find_product(session, "ENTERPRISEPACK")
        licenses.assign_to_group(session, group=sales, add={e3.sku_id: frozenset()}, remove=[])
    worker.drain(db, batch_size=100)
    with db.reading() as session:
        assert lookup.user(session, "alice@contoso.com")
    return db


def row_counts(db):
    with db.reading() as session:
        return {
            table.name: session.scalar(select(func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }


@pytest.mark.parametrize(("args", "named"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_bad_input_is_one_line_and_writes_nothing(tenant, database_url, args, named):
    before = row_counts(tenant)
    get_settings.cache_clear()
    result = CliRunner().invoke(app, args, env={"SEATPLAN_DATABASE_URL": database_url})
    get_settings.cache_clear()
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith("Error: ")
    assert named in line
    assert "Traceback" not in result.output
    assert row_counts(tenant) == before
