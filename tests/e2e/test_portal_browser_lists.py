"""The portal's lists in Chromium at 1280 px: sort by a header, filter, find every user in
error, a product's licensed users and groups, download a list as CSV.

Which three demo users wait in CountViolation depends on processing order, so the
tests name the users whose errors do not (Adele, Bruno, Henrietta, Irvin, Megan).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from tests.e2e.portal_server import Portal, browser, portal
from tests.e2e.test_portal_browser import shot, sign_in

__all__ = ["browser", "portal"]


def principal_names(page: Page) -> list[str]:
    """The table's principal names, in the order shown (the column holding '@')."""
    cells = page.locator("table tbody td").all_inner_texts()
    return [c for c in cells if re.fullmatch(r"[a-z]+@contoso\.com", c)]


def test_sort_users_by_a_header_then_filter_those_in_error(
    browser: Browser, portal: Portal
) -> None:
    page = sign_in(browser, portal, "reader")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Users").click()
    header = page.get_by_role("columnheader", name=re.compile("Principal name"))
    expect(header).to_have_attribute("aria-sort", "ascending")
    first = principal_names(page)
    assert first == sorted(first)

    header.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"sort=upn&dir=desc"))
    expect(page.get_by_role("columnheader", name=re.compile("Principal name"))).to_have_attribute(
        "aria-sort", "descending"
    )
    assert principal_names(page) == sorted(first, reverse=True)

    page.get_by_label("Errors").select_option(label="Users in error")
    page.get_by_label("Error", exact=True).select_option("ProhibitedInUsageLocationViolation")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"error=ProhibitedInUsageLocationViolation"))
    assert principal_names(page) == ["bruno@contoso.com"]
    # The sort survived the filter form (hidden fields), and the export keeps both.
    expect(page).to_have_url(re.compile(r"sort=upn&dir=desc"))
    link = page.get_by_role("link", name="Download CSV")
    expect(link).to_have_attribute("href", re.compile(r"/users/export\?.*errors=1"))
    shot(page, portal, "40-users-in-error")
    page.close()


def test_every_user_in_error_in_a_dense_table_with_fixes_per_row(
    browser: Browser, portal: Portal
) -> None:
    page = sign_in(browser, portal, "admin")
    page.get_by_role("navigation", name="Sections").get_by_role(
        "link", name="License errors"
    ).click()
    expect(page.get_by_role("heading", name="Users with license assignment errors")).to_be_visible()
    rows = page.locator("table.errors-table tbody tr")
    expect(rows).to_have_count(8)
    # Dense: a row is one line high, not a 230 px card.
    heights = [box["height"] for box in (r.bounding_box() for r in rows.all()) if box]
    assert max(heights) < 80, heights

    bruno = rows.filter(has_text="bruno@contoso.com")
    bruno.get_by_text("Explain and fix").click()
    expect(bruno).to_contain_text("usage location")
    expect(bruno.get_by_role("button", name="Or remove the user from the group.")).to_be_visible()
    shot(page, portal, "41-every-error")

    page.get_by_label("Error", exact=True).select_option("DependencyViolation")
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("megan@contoso.com")
    expect(rows.first).to_contain_text("Security team")

    page.get_by_role("link", name="Clear").click()
    page.get_by_role("columnheader", name=re.compile("Source")).get_by_role("link").click()
    expect(page.get_by_role("columnheader", name=re.compile("Source"))).to_have_attribute(
        "aria-sort", "ascending"
    )
    sources = rows.locator("td:nth-child(4)").all_inner_texts()
    assert sources == sorted(sources, key=str.casefold)
    page.close()


def test_groups_with_errors_sorted_by_members(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "reader")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Groups").click()
    page.get_by_role("columnheader", name=re.compile("Members")).get_by_role("link").click()
    expect(page.get_by_role("columnheader", name=re.compile("Members"))).to_have_attribute(
        "aria-sort", "descending"
    )
    counts = [int(n) for n in page.locator("table tbody td.num").all_inner_texts()]
    assert counts == sorted(counts, reverse=True)
    page.get_by_label("License errors").select_option(label="Groups with errors only")
    page.get_by_role("button", name="Search").click()
    badges = page.locator("table tbody tr")
    expect(badges.first).to_contain_text("in error")
    for row in badges.all():
        expect(row).to_contain_text("in error")
    page.close()


def test_a_products_licensed_users_search_and_groups_tab(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "reader")
    page.get_by_role("link", name=re.compile("Office 365 E3|ENTERPRISEPACK")).first.click()
    tabs = page.get_by_role("navigation", name="Who holds this product")
    expect(tabs.get_by_role("link", name=re.compile(r"Licensed groups \(3\)"))).to_be_visible()
    page.get_by_label("Search licensed users").fill("alex")
    page.get_by_role("button", name="Search").click()
    assert principal_names(page) == ["alex@contoso.com"]
    tabs.get_by_role("link", name=re.compile("Licensed groups")).click()
    expect(tabs.get_by_role("link", name=re.compile("Licensed groups"))).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("heading", name="Licensed groups")).to_be_visible()
    names = page.locator("table tbody td:first-child").all_inner_texts()
    assert names == ["All Staff", "Marketing", "Security team"]
    shot(page, portal, "42-product-licensed-groups")
    page.close()


def test_download_a_filtered_list_as_csv(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "reader")
    page.goto(f"{portal.url}/errors?error=MutuallyExclusiveViolation")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == "license-errors.csv"
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    assert rows[0][:3] == ["User id", "Name", "Principal name"]
    assert [r[2] for r in rows[1:]] == ["adele@contoso.com"]
    page.close()
