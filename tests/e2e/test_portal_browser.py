"""The portal in Debian's Chromium: the founding document's scenario, roles and CSRF.

Screenshots of each main page go to a temporary folder (SEATPLAN_PORTAL_SCREENSHOTS
chooses it), to be looked at by a person.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect
from tests.e2e.portal_server import ACCOUNTS, Portal, browser, portal

from seatplan.services import catalog, lookup

__all__ = ["browser", "portal"]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def sign_in(
    browser: Browser, portal: Portal, username: str, viewport: dict[str, int] = DESKTOP
) -> Page:
    page = browser.new_page(viewport=viewport)
    page.goto(f"{portal.url}/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(ACCOUNTS[username][1])
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/licenses$"))
    return page


def shot(page: Page, portal: Portal, name: str) -> None:
    page.screenshot(path=str(portal.screenshots / f"{name}.png"), full_page=True)


def group_id(portal: Portal, name: str) -> str:
    with portal.db.reading() as session:
        return str(lookup.group(session, name).id)


def test_resolve_a_conflict_and_reprocess(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "admin")
    expect(page.get_by_role("heading", name="All products")).to_be_visible()
    expect(page.locator("svg[role=img]")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("POWER_BI_PRO")
    shot(page, portal, "01-all-products")

    page.get_by_role("link", name="Office 365 E1").first.click()
    expect(page.get_by_role("heading", name="Licensed users")).to_be_visible()
    shot(page, portal, "02-product")

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Groups").click()
    expect(page.get_by_role("link", name=re.compile("in error")).first).to_be_visible()
    shot(page, portal, "03-groups")

    page.get_by_role("link", name="All Staff").click()
    notice = page.locator("#errors-notice")
    expect(notice).to_contain_text("1 user has license assignment errors")
    shot(page, portal, "04-group-licenses")

    notice.click()
    expect(page.get_by_role("heading", name="Users with license assignment errors")).to_be_visible()
    row = page.locator("tbody tr", has_text="Adele Vance")
    expect(row).to_contain_text("MutuallyExclusiveViolation")
    row.get_by_text("Explain and fix").click()  # the fix sits in the dense table's disclosure
    shot(page, portal, "05-group-errors")

    page.get_by_role(
        "link", name="Disable the conflicting plans on the user's direct license."
    ).click()
    expect(page.get_by_role("heading", name=re.compile("Adele Vance"))).to_be_visible()
    shot(page, portal, "06-user")
    direct = page.locator("#direct tr", has_text="Direct").filter(has_text="STANDARDPACK")
    direct.get_by_role("link", name="Change plans").click()
    for plan in ("EXCHANGE_S_STANDARD", "SHAREPOINTSTANDARD"):
        page.get_by_role("switch", name=re.compile(plan + r"\b")).uncheck()
    shot(page, portal, "07-plan-toggles")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("License saved")

    page.goto(f"{portal.url}/groups/{group_id(portal, 'All Staff')}")
    page.get_by_role("button", name="Reprocess").click()
    expect(page.locator("#errors-notice")).to_have_count(0, timeout=20_000)
    expect(page.locator("#processing")).to_contain_text("ProcessingComplete", timeout=20_000)
    shot(page, portal, "08-group-after-reprocess")

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Users").click()
    shot(page, portal, "09-users")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Audit log").click()
    page.get_by_label("Activity").select_option("Change user license")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr").first).to_contain_text("adele@contoso.com")
    shot(page, portal, "10-audit")
    page.close()


def test_preview_a_group_product_in_the_browser(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "admin")
    with portal.db.reading() as session:
        power_bi = catalog.find_product(session, "POWER_BI_PRO").sku_id
    page.goto(f"{portal.url}/groups/{group_id(portal, 'Analysts')}/product?sku={power_bi}")
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview: nothing was changed")
    expect(preview).to_contain_text("CountViolation")
    expect(preview).to_contain_text("POWER_BI_PRO")
    shot(page, portal, "16-group-product-preview")
    page.close()


def test_preview_a_membership_rule_in_the_browser(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "admin")
    page.goto(f"{portal.url}/groups/{group_id(portal, 'Phone users')}")
    page.get_by_role("link", name="Membership rule").click()
    rule = page.get_by_label("Rule")
    rule.fill("user.department -eq")
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_role("alert")).to_contain_text("Invalid membership rule at position")
    expect(page.get_by_label("Rule")).to_have_attribute("aria-invalid", "true")

    page.get_by_label("Rule").fill('user.department -eq "Analytics"')
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_role("region", name="Preview: nothing was changed")
    expect(preview).to_contain_text("6 would join and 2 would leave")
    expect(preview.locator("#joiners")).to_contain_text("Lee Gu")
    expect(preview.locator("#leavers")).to_contain_text("Bruno Costa")
    expect(preview.locator("#seats")).to_contain_text("MCOPSTN1")
    expect(preview).to_contain_text("CountViolation")
    expect(preview).to_contain_text("Not enough licenses: every seat of the product is in use.")
    expect(page.get_by_label("Rule")).to_have_value('user.department -eq "Analytics"')
    shot(page, portal, "17-membership-rule-preview")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Membership rule saved")
    rule_section = page.locator("#membership-rule")
    expect(rule_section).to_contain_text('user.department -eq "Analytics"')
    page.close()

    phone = sign_in(browser, portal, "licenses", PHONE)
    phone.goto(f"{portal.url}/groups/{group_id(portal, 'Phone users')}/rule")
    phone.get_by_label("Rule").fill('user.department -eq "Analytics"')
    phone.get_by_role("button", name="Preview").click()
    expect(phone.get_by_role("region", name="Preview: nothing was changed")).to_be_visible()
    shot(phone, portal, "18-phone-membership-rule-preview")
    assert_fits_a_phone(phone)
    phone.close()


def test_pages_fit_a_phone(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "licenses", PHONE)
    shot(page, portal, "11-phone-products")
    page.goto(f"{portal.url}/groups/{group_id(portal, 'Analysts')}")
    expect(page.locator("#errors-notice")).to_be_visible()
    shot(page, portal, "12-phone-group")
    assert_fits_a_phone(page)
    page.close()


def assert_fits_a_phone(page: Page) -> None:
    """Nothing but a scrolling table is wider than the phone's screen."""
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                         && !e.closest('.table-wrap'))
            .map(e => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)"""
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide on a phone: {wide}"


def test_a_global_administrator_adds_an_administrator(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "admin")
    page.get_by_role("navigation", name="Sections").get_by_role(
        "link", name="Administrators"
    ).click()
    page.get_by_label("Username").fill("auditor")
    page.get_by_label("Role", exact=True).select_option("Global Reader")
    page.get_by_label("Password", exact=True).fill("auditor-password-1")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status").first).to_contain_text("Administrator added.")
    expect(page.locator("tbody")).to_contain_text("auditor")
    shot(page, portal, "14-administrators")
    page.close()

    phone = sign_in(browser, portal, "admin", PHONE)
    phone.goto(f"{portal.url}/administrators")
    shot(phone, portal, "15-phone-administrators")
    assert_fits_a_phone(phone)
    phone.close()


def _post_form(page: Page, action: str, csrf: str | None) -> int:
    """Post a form the page did not offer; the status of the answer."""
    with page.expect_response(lambda r: r.url.endswith(action)) as answer:
        page.evaluate(
            """([action, csrf]) => {
                const form = document.createElement('form');
                form.method = 'post'; form.action = action;
                if (csrf) { const i = document.createElement('input');
                  i.type = 'hidden'; i.name = 'csrf_token'; i.value = csrf; form.appendChild(i); }
                document.body.appendChild(form); form.submit();
            }""",
            [action, csrf],
        )
    return answer.value.status


def test_a_global_reader_sees_no_change_buttons_and_is_refused(
    browser: Browser, portal: Portal
) -> None:
    page = sign_in(browser, portal, "reader")
    group = group_id(portal, "Analysts")
    page.goto(f"{portal.url}/groups/{group}")
    expect(page.locator("#errors-notice")).to_be_visible()
    expect(page.get_by_role("button", name="Reprocess")).to_have_count(0)
    expect(page.get_by_role("button", name="Add")).to_have_count(0)
    expect(page.get_by_role("button", name="Remove")).to_have_count(0)
    assert page.locator("main form[method=post]").count() == 0
    shot(page, portal, "13-reader-group")
    csrf = page.locator("input[name=csrf_token]").first.input_value()
    assert _post_form(page, f"/groups/{group}/reprocess", csrf) == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    page.close()


def test_a_form_without_its_csrf_token_is_refused(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "admin")
    with portal.db.reading() as session:
        user = lookup.user(session, "bruno@contoso.com")
        e1 = catalog.find_product(session, "STANDARDPACK")
    page.goto(f"{portal.url}/users/{user.id}")
    assert _post_form(page, f"/users/{user.id}/licenses/remove", None) == 403
    expect(page.locator("main")).to_contain_text("security token")
    assert _post_form(page, f"/users/{user.id}/reprocess", "forged-token") == 403
    assert e1 is not None
    page.close()
