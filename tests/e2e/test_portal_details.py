"""The portal in Chromium at 1280 px: errors name their plans, counts say what they
count, lists past their end say so, the plans page sits in its section, and the audit log
names who reprocessed, which plans changed, and refuses dates the wrong way round."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect
from tests.e2e.portal_server import Portal, browser, portal
from tests.e2e.test_portal_browser import group_id, sign_in

from seatplan.services import catalog

__all__ = ["browser", "portal"]


def _open_fixes(page, who: str) -> None:
    row = page.locator("tr", has_text=who)
    summary = row.get_by_text("Explain and fix")
    if summary.count():
        summary.first.click()


def test_dependency_and_location_errors_name_their_plans(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "reader")
    page.goto(f"{portal.url}/groups/{group_id(portal, 'Security team')}/errors")
    _open_fixes(page, "megan@contoso.com")
    expect(page.locator("main")).to_contain_text(
        "THREAT_INTELLIGENCE (THREAT_INTELLIGENCE, Direct) needs EXCHANGE_S_ENTERPRISE"
    )
    page.goto(f"{portal.url}/groups/{group_id(portal, 'Phone users')}/errors")
    _open_fixes(page, "bruno@contoso.com")
    expect(page.locator("main")).to_contain_text(re.compile(r"\(MCOPSTN1\) is not allowed in BR"))
    page.close()


def test_counts_pages_and_sections_say_what_they_mean(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "reader")
    page.goto(f"{portal.url}/groups/{group_id(portal, 'Security team')}")
    expect(page.locator("#former-members")).to_contain_text("no longer a member")
    page.goto(f"{portal.url}/groups")
    badge = page.locator("tr", has_text="Marketing").get_by_role(
        "link", name=re.compile("in error")
    )
    expect(badge).to_have_text("⚠ 2 users in error")
    badge.click()
    expect(page.locator("main")).to_contain_text("4 license assignments")
    expect(page.locator("main")).to_contain_text("for 2 users")
    page.goto(f"{portal.url}/users?page=401")
    expect(page.get_by_role("alert")).to_contain_text("There is no page 401")
    expect(page.locator("main")).not_to_contain_text("Page 401 of")
    page.get_by_role("link", name=re.compile("Go to page")).click()
    expect(page).to_have_url(re.compile(r"/users\?$|/users$"))
    with portal.db.reading() as session:
        e3 = catalog.find_product(session, "ENTERPRISEPACK").sku_id
    page.goto(f"{portal.url}/groups/{group_id(portal, 'All Staff')}/product?sku={e3}")
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link", name="Groups")).to_have_attribute("aria-current", "page")
    page.locator(".crumbs").get_by_role("link", name="Groups").click()
    expect(page).to_have_url(re.compile(r"/groups$"))
    page.close()


def test_the_audit_log_names_who_reprocessed_and_refuses_reversed_dates(
    browser: Browser, portal: Portal
) -> None:
    page = sign_in(browser, portal, "licenses")
    page.goto(f"{portal.url}/groups/{group_id(portal, 'Analysts')}")
    page.get_by_role("button", name="Reprocess").click()
    page.goto(f"{portal.url}/audit")
    page.get_by_label("Activity").select_option("Reprocess group license assignments")
    page.get_by_role("button", name="Filter").click()
    row = page.locator("tbody tr").first
    expect(row).to_contain_text("Analysts")
    expect(row).to_contain_text("licenses")
    with portal.db.reading() as session:
        e3 = catalog.find_product(session, "ENTERPRISEPACK").sku_id
    page.goto(f"{portal.url}/groups/{group_id(portal, 'All Staff')}/product?sku={e3}")
    page.get_by_role("switch", name=re.compile(r"\bSWAY\b")).uncheck()
    page.get_by_role("button", name="Save").click()
    page.goto(f"{portal.url}/audit?activity=Set+group+license")
    expect(page.locator("tbody tr").first).to_contain_text("DisabledPlans=[SWAY]")
    page.goto(f"{portal.url}/audit")
    page.get_by_label("From").fill("2026-05-02")
    page.get_by_label("To").fill("2026-05-01")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#to-error")).to_contain_text("is before the From date")
    page.close()
