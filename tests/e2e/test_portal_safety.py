"""The portal in Chromium at 1280 px: destructive actions ask first, with the preview's
numbers, and nothing changes until confirmed."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect
from tests.e2e.portal_server import Portal, browser, portal
from tests.e2e.test_portal_browser import group_id, sign_in

from seatplan.services import catalog, groups, lookup, reports

__all__ = ["browser", "portal"]


def _members(portal: Portal, name: str) -> int:
    with portal.db.reading() as session:
        return groups.member_count(session, lookup.group(session, name).id)


def test_removing_a_product_asks_with_the_numbers_and_cancel_changes_nothing(
    browser: Browser, portal: Portal
) -> None:
    page = sign_in(browser, portal, "licenses")
    group = group_id(portal, "All Staff")
    with portal.db.reading() as session:
        e3 = catalog.find_product(session, "ENTERPRISEPACK").sku_id
    page.goto(f"{portal.url}/groups/{group}/product?sku={e3}")
    page.get_by_role("button", name="Remove this product").click()
    expect(
        page.get_by_role("heading", name="Remove ENTERPRISEPACK from All Staff?")
    ).to_be_visible()
    expect(page.locator("#confirm-preview")).to_contain_text(
        re.compile(r"ENTERPRISEPACK would be taken from [2-9] user\(s\)")
    )
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_role("heading", name=re.compile("Office 365 E3"))).to_be_visible()
    page.goto(f"{portal.url}/groups/{group}")
    expect(page.locator("main")).to_contain_text("ENTERPRISEPACK")
    page.close()


def test_removing_a_member_happens_only_once_confirmed(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "licenses")
    before = _members(portal, "All Staff")
    page.goto(f"{portal.url}/groups/{group_id(portal, 'All Staff')}")
    row = page.locator("#members tr", has_text="alex@contoso.com")
    row.get_by_role("button", name="Remove").click()
    expect(
        page.get_by_role("heading", name="Remove alex@contoso.com from All Staff?")
    ).to_be_visible()
    expect(page.locator("#confirm-preview")).to_contain_text("alex@contoso.com: ENTERPRISEPACK")
    assert _members(portal, "All Staff") == before
    page.reload()  # a confirmation is a page: reloading it changes nothing either
    assert _members(portal, "All Staff") == before
    page.get_by_role("button", name="Remove from the group").click()
    expect(page.get_by_role("status").first).to_contain_text("Member removed")
    assert _members(portal, "All Staff") == before - 1
    page.close()


def test_direct_license_and_administrator_deletion_ask_too(
    browser: Browser, portal: Portal
) -> None:
    page = sign_in(browser, portal, "admin")
    with portal.db.reading() as session:
        adele = lookup.user(session, "adele@contoso.com").id
    page.goto(f"{portal.url}/users/{adele}")
    page.locator("#direct tr", has_text="STANDARDPACK").get_by_role("button", name="Remove").click()
    expect(
        page.get_by_role("heading", name=re.compile("Remove the direct STANDARDPACK"))
    ).to_be_visible()
    expect(page.locator("#confirm-preview")).to_contain_text("adele@contoso.com: STANDARDPACK")
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("#direct")).to_contain_text("STANDARDPACK")

    page.goto(f"{portal.url}/administrators")
    page.get_by_role("button", name="Delete reader").click()
    expect(page.get_by_role("heading", name="Delete administrator reader?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("can no longer sign in")
    page.get_by_role("button", name="Delete reader").click()
    expect(page.get_by_role("status").first).to_contain_text("Administrator deleted")
    page.close()


def test_the_error_pages_fix_asks_before_removing_from_the_group(
    browser: Browser, portal: Portal
) -> None:
    page = sign_in(browser, portal, "licenses")
    before = _members(portal, "Phone users")
    page.goto(f"{portal.url}/groups/{group_id(portal, 'Phone users')}/errors")
    fix = page.get_by_role("button", name="Or remove the user from the group.")
    if not fix.is_visible():  # the dense table keeps its fixes in a disclosure
        page.locator("tr", has_text="bruno@contoso.com").get_by_text("Explain and fix").click()
    fix.click()
    expect(
        page.get_by_role("heading", name="Remove bruno@contoso.com from Phone users?")
    ).to_be_visible()
    assert _members(portal, "Phone users") == before
    page.close()


def test_units_below_the_seats_in_use_say_what_happens_first(
    browser: Browser, portal: Portal
) -> None:
    page = sign_in(browser, portal, "admin")
    with portal.db.reading() as session:
        e1 = catalog.find_product(session, "STANDARDPACK").sku_id
        used = next(s for s in reports.sku_summaries(session) if s.sku_id == e1).consumed_units
    assert used >= 1
    page.goto(f"{portal.url}/licenses/{e1}")
    page.get_by_label(re.compile("Units of subscription 1")).fill(str(used - 1))
    page.get_by_role("button", name="Save units").click()
    expect(page.get_by_role("heading", name=re.compile("seats in use"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("Nobody loses a working license")
    expect(page).to_have_url(re.compile(rf"/subscriptions/[^?]+\?units={used - 1}$"))
    page.get_by_role("button", name=f"Set {used - 1} units anyway").click()
    expect(page.get_by_role("status").first).to_contain_text("Subscription units saved")
    expect(page.locator(".stats")).to_contain_text("1 over-assigned")
    expect(page.locator(".stats")).not_to_contain_text("-1")
    page.close()
