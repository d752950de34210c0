"""A group's Import members page in Chromium: a file with a bad row is checked and
refused by line with nothing written, then the corrected file imported and the members
listed on the group's page.

A module of its own (its own portal): the group and members it adds would otherwise
change what the other browser tests count.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect
from sqlalchemy import select
from tests.e2e.portal_server import Portal, browser, portal
from tests.e2e.test_portal_browser import shot, sign_in

from seatplan.services import bulk_csv, groups, transaction
from seatplan.store.tables import User

__all__ = ["browser", "portal"]


def members_file(path: Path, *refs: str) -> Path:
    path.write_text("\n".join([bulk_csv.VERSION, bulk_csv.MEMBER_HEADER, *refs]) + "\n")
    return path


def test_check_then_import_members(browser: Browser, portal: Portal, tmp_path: Path) -> None:
    with transaction.writing(portal.db) as session:
        group = groups.create(session, display_name="Imported crew")
        group_id = str(group.id)
        upns = list(
            session.scalars(select(User.user_principal_name).order_by(User.upn_key).limit(3))
        )
    bad = members_file(tmp_path / "bad.csv", upns[0], "nobody@contoso.com", upns[1])
    good = members_file(tmp_path / "good.csv", *upns)
    page = sign_in(browser, portal, "admin")
    page.goto(f"{portal.url}/groups/{group_id}")
    page.get_by_role("link", name="Import members from a CSV file").click()
    expect(page.get_by_role("heading", name="Import members")).to_be_visible()

    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Check").click()
    result = page.get_by_role("region", name=re.compile("problem"))
    expect(result).to_contain_text("nothing was written")
    problems = page.locator("#problems")
    expect(problems).to_contain_text("No user has id or userPrincipalName 'nobody@contoso.com'")
    expect(problems.locator("tbody tr").first.locator("td").first).to_have_text("4")
    shot(page, portal, "32-import-members-problems")

    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.locator("#result-summary")).to_contain_text("3 added")
    shot(page, portal, "33-import-members-done")

    page.get_by_role("link", name="Members of Imported crew").click()
    for upn in upns:
        expect(page.get_by_role("cell", name=upn, exact=True)).to_be_visible()
    page.close()
