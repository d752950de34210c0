"""The portal in Chromium at 1280 px: pages follow processing without reloading (htmx
fragments), the address bar never holds a form's POST address, and unknown addresses or
wrong methods are portal pages."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from tests.e2e.portal_server import Portal, browser, portal
from tests.e2e.test_portal_browser import group_id, sign_in

from seatplan.services import lookup

__all__ = ["browser", "portal"]

#: The worker of the test server processes within a second; a loaded machine is slower.
SETTLED = 30_000


def _mark(page: Page) -> None:
    """A mark that a reload would wipe: the page must keep it."""
    page.evaluate("document.body.dataset.mark = 'kept'")


def _kept(page: Page) -> None:
    expect(page.locator("body")).to_have_attribute("data-mark", "kept")


def test_the_user_page_shows_the_fix_take_effect_without_reloading(
    browser: Browser, portal: Portal
) -> None:
    page = sign_in(browser, portal, "licenses")
    with portal.db.reading() as session:
        adele = lookup.user(session, "adele@contoso.com").id
    page.goto(f"{portal.url}/users/{adele}")
    direct = page.locator("#direct tr", has_text="Direct").filter(has_text="STANDARDPACK")
    direct.get_by_role("link", name="Change plans").click()
    for plan in ("EXCHANGE_S_STANDARD", "SHAREPOINTSTANDARD"):
        page.get_by_role("switch", name=re.compile(plan + r"\b")).uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"/users/{adele}#direct$"))  # no ?done= left
    _mark(page)
    inherited = page.locator("#direct tr", has_text="All Staff")
    expect(inherited).to_contain_text("Active", timeout=SETTLED)
    expect(inherited).not_to_contain_text("Error")
    expect(page.locator("#user-processing")).to_have_count(0)
    expect(page.locator("#flash")).to_have_text("License saved and processed.")
    _kept(page)
    page.close()


def test_the_group_page_drops_its_stale_notices_when_processing_is_done(
    browser: Browser, portal: Portal
) -> None:
    page = sign_in(browser, portal, "licenses")
    page.goto(f"{portal.url}/groups/{group_id(portal, 'All Staff')}")
    page.get_by_role("button", name="Reprocess").click()
    _mark(page)
    expect(page.locator("#processing")).to_contain_text("ProcessingComplete", timeout=SETTLED)
    expect(page.locator("#flash")).to_have_text("Reprocessing done.", timeout=SETTLED)
    expect(page.locator("#main")).not_to_contain_text("Reprocessing queued")
    expect(page.locator("#processing")).not_to_contain_text("updates itself")
    _kept(page)
    page.reload()
    expect(page.locator("#flash")).to_have_count(0)  # a notice is shown once
    page.close()


def test_after_a_refused_form_the_address_is_the_page_and_reloading_it_works(
    browser: Browser, portal: Portal
) -> None:
    page = sign_in(browser, portal, "licenses")
    with portal.db.reading() as session:
        bruno = lookup.user(session, "bruno@contoso.com").id
    page.goto(f"{portal.url}/users/{bruno}")
    page.get_by_label(re.compile("Usage location")).fill("Atlantis")
    page.get_by_role("button", name="Save location").click()
    expect(page.locator("#usage_location-error")).to_be_visible()
    expect(page).to_have_url(f"{portal.url}/users/{bruno}")
    answer = page.reload()
    assert answer is not None
    assert answer.status == 200
    expect(page.get_by_role("heading", name=re.compile("Bruno Costa"))).to_be_visible()
    page.close()


def test_unknown_addresses_and_wrong_methods_are_portal_pages(
    browser: Browser, portal: Portal
) -> None:
    page = sign_in(browser, portal, "reader")
    answer = page.goto(f"{portal.url}/no-such-page")
    assert answer is not None
    assert answer.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_role("link", name="Back to Licenses")).to_be_visible()
    group = group_id(portal, "All Staff")
    answer = page.goto(f"{portal.url}/groups/{group}/members")
    assert answer is not None
    assert answer.status == 405
    expect(page.get_by_role("heading", name="Not available")).to_be_visible()
    answer = page.goto(f"{portal.url}/v1.0/no-such-thing")
    assert answer is not None
    assert answer.headers["content-type"].startswith("application/json")
    page.close()
