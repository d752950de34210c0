"""The portal's lists: sorting, filters, CSV exports and bad parameters, on the demo tenant.

Demo errors: Adele (E3, All Staff, MutuallyExclusiveViolation), Bruno (MCOPSTN1, Phone
users, ProhibitedInUsageLocationViolation), Henrietta and Irvin (Marketing, E3: Other),
Megan (E3, Security team, DependencyViolation, not a member), and three members of
Analysts and Marketing without a POWER_BI_PRO seat (CountViolation: which three depends
on the order processing met them, so `in_error` asks the service).
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from seatplan.services import catalog, reports
from seatplan.web import csv_export


def sku(portal, part: str) -> str:
    with portal.db.reading() as session:
        return str(catalog.find_product(session, part).sku_id)


def in_error(portal, kind: str | None = None, part: str | None = None) -> list[str]:
    """The UPNs in error (of a kind, of a product), each once, in order."""
    with portal.db.reading() as session:
        found = reports.assignment_errors(session)
    return sorted(
        {
            e.user_principal_name
            for e in found
            if kind in (None, e.error) and part in (None, e.sku_part_number)
        }
    )


def upns(html: str) -> list[str]:
    """The users of a table, in the order shown (their principal name's cell)."""
    return re.findall(r"<td>([a-z]+@contoso\.com)</td>", html)


def group_names(html: str) -> list[str]:
    return re.findall(r'<td><a href="/groups/[0-9a-f-]+(?:/errors)?">([^<]+)</a>', html)


def test_users_sort_both_ways_with_aria_sort(portal):
    portal.sign_in("reader")
    by_upn = upns(portal.client.get("/users").text)
    assert by_upn == sorted(by_upn)
    assert len(by_upn) == 18
    page = portal.client.get("/users?sort=upn&dir=desc").text
    assert upns(page) == sorted(by_upn, reverse=True)
    assert 'aria-sort="descending"' in page
    # The sorted column's link sorts the other way; another column's sorts ascending.
    assert 'href="?sort=upn&amp;dir=asc"' in page
    assert 'href="?sort=name&amp;dir=asc"' in page
    by_name = portal.client.get("/users?sort=name").text
    assert 'aria-sort="ascending"' in by_name
    names = re.findall(r'<td><a href="/users/[0-9a-f-]+">([^<]+)</a>', by_name)
    assert names == sorted(names)


def test_users_in_error_by_kind_and_product(portal):
    portal.sign_in("reader")
    wrong = upns(portal.client.get("/users?errors=1").text)
    assert wrong == in_error(portal)
    assert {"adele", "bruno", "henrietta", "irvin", "megan"} < {u.split("@")[0] for u in wrong}
    count = portal.client.get("/users?error=CountViolation").text
    assert upns(count) == in_error(portal, "CountViolation")
    assert len(upns(count)) == 3
    location = portal.client.get("/users?error=ProhibitedInUsageLocationViolation").text
    assert upns(location) == ["bruno@contoso.com"]
    e3 = portal.client.get(f"/users?errors=1&product={sku(portal, 'ENTERPRISEPACK')}").text
    assert upns(e3) == in_error(portal, part="ENTERPRISEPACK")
    assert "megan@contoso.com" in upns(e3)  # in error, though no longer a member
    # Filters and sort stay in the pager's, the headers' and the export's links.
    assert 'href="/users/export?error=CountViolation"' in count
    assert 'href="?error=CountViolation&amp;sort=name&amp;dir=asc"' in count
    none = portal.client.get("/users?error=CountViolation&search=adele").text
    assert "No user matches." in none


def test_groups_sort_and_filter(portal):
    portal.sign_in("reader")
    assert group_names(portal.client.get("/groups?sort=members").text)[:2] == [
        "All Staff",
        "Analysts",
    ]  # members: biggest first
    by_errors = portal.client.get("/groups?sort=errors").text
    assert group_names(by_errors)[0] == "Marketing"
    assert 'aria-sort="descending"' in by_errors
    e3 = portal.client.get(f"/groups?product={sku(portal, 'ENTERPRISEPACK')}&sort=name&dir=desc")
    assert group_names(e3.text) == ["Security team", "Marketing", "All Staff"]
    with portal.db.writing() as session:
        from seatplan.services import groups

        groups.create(session, display_name="Quiet")
    assert "Quiet" in group_names(portal.client.get("/groups").text)
    assert "Quiet" not in group_names(portal.client.get("/groups?errors=1").text)


def test_every_user_in_error_on_one_dense_page(portal):
    portal.sign_in("admin")
    page = portal.client.get("/errors").text
    assert len(upns(page)) == 8  # one row per user, product and source
    assert page.count("<details") == 8  # each row's explanation and fixes
    assert "Or remove the user from the group.</button>" in page  # Bruno's fix, in his row
    assert "EXCHANGE_S_ENTERPRISE (ENTERPRISEPACK) conflicts with EXCHANGE_S_STANDARD" in page
    count = portal.client.get(f"/errors?error=CountViolation&product={sku(portal, 'POWER_BI_PRO')}")
    assert upns(count.text) == in_error(portal, "CountViolation", "POWER_BI_PRO")
    by_product = upns(portal.client.get("/errors?sort=product&dir=desc").text)
    # Descending all the way: POWER_BI_PRO first, its users by UPN from the end.
    assert by_product[:3] == in_error(portal, part="POWER_BI_PRO")[::-1]
    group = portal.group_id("Marketing")
    mine = portal.client.get(f"/groups/{group}/errors?error=Other").text
    assert upns(mine) == ["henrietta@contoso.com", "irvin@contoso.com"]
    assert 'aria-sort="ascending"' in mine


def test_members_sort_and_in_error_filter(portal):
    portal.sign_in("reader")
    staff = portal.group_id("All Staff")
    everyone = upns(portal.client.get(f"/groups/{staff}?sort=upn&dir=desc").text)
    assert everyone == sorted(everyone, reverse=True)
    assert len(everyone) == 7
    assert upns(portal.client.get(f"/groups/{staff}?errors=1").text) == ["adele@contoso.com"]


def test_licensed_users_search_and_licensed_groups_tab(portal):
    portal.sign_in("reader")
    e3 = sku(portal, "ENTERPRISEPACK")
    page = portal.client.get(f"/licenses/{e3}").text
    assert f'href="/licenses/{e3}/groups#holders"' in page  # the groups, above the users
    assert page.index("Licensed groups (3)") < page.index("<table")
    found = portal.client.get(f"/licenses/{e3}?search=ALEX").text
    assert upns(found) == ["alex@contoso.com"]
    desc = upns(portal.client.get(f"/licenses/{e3}?sort=name&dir=desc").text)
    assert len(desc) == 7
    tab = portal.client.get(f"/licenses/{e3}/groups?sort=members").text
    assert group_names(tab)[0] == "All Staff"
    assert "Licensed users" in tab


def test_audit_log_sorts_by_activity(portal):
    portal.sign_in("reader")
    page = portal.client.get("/audit?sort=activity").text
    activities = re.findall(r"<td><small>[^<]+</small></td>\s*<td>([^<]+)</td>", page)
    assert activities == sorted(activities)
    assert 'aria-sort="ascending"' in page


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/users?sort=password", "cannot be sorted by &#39;password&#39;"),
        ("/users?dir=sideways", "use asc or desc"),
        ("/users?error=Oops", "is not an error kind"),
        ("/users?product=E3", "is not a product id"),
        ("/groups?errors=yes", "takes 1 (on) or nothing"),
        ("/errors?sort=members", "Sort it by: upn (Principal name)"),
        ("/audit?sort=actor", "cannot be sorted by"),
    ],
)
def test_bad_list_parameters_are_a_clear_page(portal, path, message):
    portal.sign_in("reader")
    answer = portal.client.get(path)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
    assert message in answer.text


def csv_rows(answer) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(answer.text)))


def test_every_list_exports_as_csv_with_the_pages_filters(portal):
    portal.sign_in("reader")
    get = portal.client.get
    errors = csv_rows(get("/errors/export?error=CountViolation&sort=upn&dir=desc"))
    assert errors[0][:4] == ["User id", "Name", "Principal name", "Product"]
    assert [r[2] for r in errors[1:]] == in_error(portal, "CountViolation")[::-1]
    assert errors[1][5:] == ["Error", "CountViolation", "Yes"]
    bruno = csv_rows(get("/errors/export?error=ProhibitedInUsageLocationViolation"))
    assert bruno[1][1:] == [
        "Bruno Costa",
        "bruno@contoso.com",
        "MCOPSTN1",
        "Phone users",
        "Error",
        "ProhibitedInUsageLocationViolation",
        "Yes",
    ]
    users = csv_rows(get("/users/export?errors=1"))
    assert users[0] == ["version:v1.0"]  # bulk create's format: it imports again
    assert [r[1] for r in users[2:]] == in_error(portal)
    groups = csv_rows(get("/groups/export?sort=members"))
    assert [r[1] for r in groups[1:3]] == ["All Staff", "Analysts"]
    assert groups[1][2:] == ["7", "ENTERPRISEPACK", "ProcessingComplete", "1"]
    marketing = portal.group_id("Marketing")
    members = csv_rows(get(f"/groups/{marketing}/members/export"))
    assert [r[2] for r in members[1:]] == ["henrietta@contoso.com", "irvin@contoso.com"]
    assert "ENTERPRISEPACK Error (Other)" in members[1][4]
    mine = csv_rows(get(f"/groups/{marketing}/errors/export?error=Other"))
    assert len(mine) == 3
    e3 = sku(portal, "ENTERPRISEPACK")
    holders = csv_rows(get(f"/licenses/{e3}/users/export?search=alex"))
    assert holders[1:] == [[holders[1][0], "Alex Wilber", "alex@contoso.com", "No", "All Staff"]]
    licensed = csv_rows(get(f"/licenses/{e3}/groups/export?sort=name&dir=desc"))
    assert [r[1] for r in licensed[1:]] == ["Security team", "Marketing", "All Staff"]
    audit = csv_rows(get("/audit/export?activity=Add+member+to+group&target=bruno"))
    assert len(audit) == 2
    assert audit[1][1] == "Add member to group"
    assert audit[1][3] == "bruno@contoso.com; Phone users"


def test_an_export_reads_page_after_page(portal, monkeypatch):
    monkeypatch.setattr(csv_export, "EXPORT_PAGE", 2)
    portal.sign_in("reader")
    e3 = sku(portal, "ENTERPRISEPACK")
    holders = csv_rows(portal.client.get(f"/licenses/{e3}/users/export?sort=name"))
    names = [r[1] for r in holders[1:]]
    assert len(names) == 7  # 4 pages of 2, the last short
    assert names == sorted(names)
    # Keyset pages (after the last row's key), either way, by name or principal name.
    staff = portal.group_id("All Staff")
    members = csv_rows(portal.client.get(f"/groups/{staff}/members/export?sort=name&dir=desc"))
    names = [r[1] for r in members[1:]]
    assert len(names) == 7
    assert names == sorted(names, reverse=True)
    by_upn = csv_rows(portal.client.get(f"/licenses/{e3}/users/export?sort=upn&dir=desc"))
    upn_order = [r[2] for r in by_upn[1:]]
    assert upn_order == sorted(upn_order, reverse=True)
    assert len(set(upn_order)) == 7


def test_an_export_defuses_spreadsheet_formulas(portal):
    with portal.db.writing() as session:
        from seatplan.services import groups

        groups.create(session, display_name="=HYPERLINK(1)")
    portal.sign_in("reader")
    rows = csv_rows(portal.client.get("/groups/export"))
    assert [r[1] for r in rows if "HYPERLINK" in r[1]] == ["'=HYPERLINK(1)"]


@pytest.mark.parametrize(
    "path",
    [
        "/errors/export?sort=nope",
        "/groups/export?errors=2",
        "/audit/export?from=someday",
        "/users/export?error=Oops",
    ],
)
def test_an_export_with_bad_parameters_is_a_clear_page(portal, path):
    portal.sign_in("reader")
    answer = portal.client.get(path)
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("text/html")
