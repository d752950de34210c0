"""The portal on a phone (390 px wide) and on a desktop (1280 px), in Debian's Chromium.

Every page (tests/e2e/portal_pages.py finds them from the routes) fits the phone's width with
every control on screen; the menu is one compact row until opened; tables become cards
without blank space; the seats chart's labels stay legible.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from tests.e2e.portal_pages import addresses, is_page
from tests.e2e.portal_server import ACCOUNTS, Portal, browser, portal

from seatplan.services import lookup

__all__ = ["browser", "portal"]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

#: Every control that is displayed and lies, even partly, outside the window's width.
OFF_SCREEN = """() => [...document.querySelectorAll(
        'button, .button, input:not([type=hidden]), select, textarea, summary, main a')]
    .filter(e => e.getClientRects().length > 0)
    .filter(e => { const r = e.getBoundingClientRect();
                   return r.left < -1 || r.right > window.innerWidth + 1; })
    .map(e => { const r = e.getBoundingClientRect();
                const name = (e.textContent || e.name || '').trim().slice(0, 40);
                return `${e.tagName} "${name}" at ${r.left | 0}..${r.right | 0}`; })"""


def signed_in(browser: Browser, portal: Portal, role: str, viewport: dict[str, int]) -> Page:
    context: BrowserContext = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{portal.url}/signin")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password").fill(ACCOUNTS[role][1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/licenses")
    return page


def html_pages(page: Page, portal: Portal) -> list[str]:
    found = []
    for address in addresses(portal.db):
        answer = page.context.request.get(f"{portal.url}{address}", max_redirects=0)
        if is_page(answer.headers.get("content-type", ""), answer.body()):
            found.append(address)
    return found


@pytest.mark.parametrize("role", ["admin", "reader"])
def test_every_page_fits_a_phone_with_every_control_on_screen(
    browser: Browser, portal: Portal, role: str
) -> None:
    page = signed_in(browser, portal, role, PHONE)
    problems: list[str] = []
    pages = html_pages(page, portal)
    assert len(pages) >= 15, pages
    for address in pages:
        page.goto(f"{portal.url}{address}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{address}: the page is {width} px wide")
        problems += [f"{address}: {control} is off screen" for control in page.evaluate(OFF_SCREEN)]
        header = page.locator("header").bounding_box()
        assert header is not None
        if header["height"] > 64:
            problems.append(f"{address}: the header takes {header['height']} px")
    page.context.close()
    assert not problems, "\n".join(problems)


def test_the_menu_opens_on_a_phone_and_is_a_row_on_a_desktop(
    browser: Browser, portal: Portal
) -> None:
    page = signed_in(browser, portal, "admin", PHONE)
    sections = page.get_by_role("navigation", name="Sections")
    menu = page.get_by_role("button", name="Menu")
    expect(sections).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(sections.get_by_role("link", name="Groups")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.keyboard.press("Escape")
    expect(sections).to_be_hidden()
    expect(menu).to_be_focused()
    menu.click()
    sections.get_by_role("link", name="Groups").click()
    expect(page.get_by_role("heading", name="Groups", exact=True)).to_be_visible()
    expect(sections).to_be_hidden()
    page.context.close()

    desktop = signed_in(browser, portal, "admin", DESKTOP)
    expect(desktop.get_by_role("button", name="Menu")).to_be_hidden()
    links = desktop.get_by_role("navigation", name="Sections").get_by_role("link")
    tops = {round(box["y"]) for box in (link.bounding_box() for link in links.all()) if box}
    assert len(tops) == 1, f"the sections take {len(tops)} rows on a desktop"
    desktop.context.close()


#: The size in screen pixels of each label of the seats chart (its font size times the
#: drawing's scale).
CHART_TEXT = """() => [...document.querySelectorAll('svg[role=img] text')].map(t =>
    parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_seats_chart_labels_are_legible(
    browser: Browser, portal: Portal, viewport: dict[str, int]
) -> None:
    page = signed_in(browser, portal, "reader", viewport)
    sizes = page.evaluate(CHART_TEXT)
    assert len(sizes) == 2 * 6, sizes  # a name and numbers per product
    assert min(sizes) >= 12, f"chart labels of {min(sizes):.1f} px"
    page.context.close()


#: Per table cell: its height less the height of what it holds, in pixels.
BLANK = """table => [...table.querySelectorAll('tbody td')].map(td => {
    const range = document.createRange(); range.selectNodeContents(td);
    return td.getBoundingClientRect().height - range.getBoundingClientRect().height; })"""


def test_a_users_licenses_are_cards_without_blank_space_on_a_phone(
    browser: Browser, portal: Portal
) -> None:
    with portal.db.reading() as session:
        adele = lookup.user(session, "adele@contoso.com").id
    page = signed_in(browser, portal, "admin", PHONE)
    page.goto(f"{portal.url}/users/{adele}")
    table = page.locator("#direct table")
    blank = table.evaluate(BLANK)
    assert max(blank) <= 32, f"table cells with {max(blank):.0f} px of blank space"
    # Each cell is named on its card, as the column it came from.
    expect(table.locator("td[data-label=State]").first).to_be_visible()
    for button in ("Change plans", "Remove"):
        box = table.get_by_role(
            "link" if button == "Change plans" else "button", name=button
        ).bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= PHONE["width"], f"{button} is off screen"
    page.context.close()
