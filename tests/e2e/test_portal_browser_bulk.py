"""The portal's Bulk import page in Chromium: a file with a bad row is checked and
refused by line, then the corrected file imported; the export downloads.

A module of its own: its users would otherwise join the demo's dynamic groups that the
other browser tests count.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, expect
from tests.e2e.portal_server import Portal, browser, portal
from tests.e2e.test_portal_browser import shot, sign_in

__all__ = ["browser", "portal"]

HEADER = (
    "Name [displayName] Required,User name [userPrincipalName] Required,"
    "Initial password [passwordProfile] Required,Block sign in (Yes/No) [accountEnabled] Required,"
    "Department [department],Usage location [usageLocation]"
)


def test_check_then_import_a_file(browser: Browser, portal: Portal, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        f"version:v1.0\n{HEADER}\nBulk One,bulk1@contoso.com,x,No,Bulk,US\n"
        "Bulk Two,bulk2,x,Maybe,Bulk,US\n",
        encoding="utf-8",
    )
    good = tmp_path / "good.csv"
    good.write_text(
        f"version:v1.0\n{HEADER}\nBulk One,bulk1@contoso.com,x,No,Bulk,US\n"
        "Bulk Two,bulk2@contoso.com,x,Yes,Bulk,US\n",
        encoding="utf-8",
    )
    page = sign_in(browser, portal, "admin")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Bulk import").click()
    expect(page.get_by_role("heading", name="Bulk import")).to_be_visible()

    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Check").click()
    result = page.get_by_role("region", name=re.compile("problem"))
    expect(result).to_contain_text("nothing was written")
    problems = page.locator("#problems")
    expect(problems).to_contain_text("userPrincipalName")
    expect(problems).to_contain_text("Block sign in must be Yes or No")
    expect(problems.locator("tbody tr").first).to_contain_text("4")
    shot(page, portal, "30-bulk-import-problems")

    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Imported")).to_be_visible()
    expect(page.locator("#result-summary")).to_contain_text("2 created")
    shot(page, portal, "31-bulk-import-done")

    with page.expect_download() as download:
        page.get_by_role("link", name="Export every user").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    assert text.startswith("version:v1.0")
    assert "Bulk Two,bulk2@contoso.com,,Yes,," in text
    page.close()
