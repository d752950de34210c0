"""axe-core finds no accessibility violation on any page of the portal, at 1280 and 390 px.

Every page (tests/e2e/portal_pages.py finds them from the routes) is checked as each role,
since buttons and forms differ by role. axe-core is pinned in tests/js/package.json and
installed by `npm ci` there (`make js`; `.ci/run` sets SEATPLAN_TEST_REQUIRE_NODE=1 so that a
missing package fails instead of skipping).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from tests.e2e.portal_pages import addresses, is_page
from tests.e2e.portal_server import ACCOUNTS, Portal, browser, portal

__all__ = ["browser", "portal"]

AXE = Path(__file__).resolve().parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
REQUIRE_NODE = os.environ.get("SEATPLAN_TEST_REQUIRE_NODE") == "1"
WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.exists():
        missing = f"axe-core is not installed: run `npm ci` in {AXE.parents[2]}"
        if REQUIRE_NODE:
            pytest.fail(f"SEATPLAN_TEST_REQUIRE_NODE=1 but {missing}")
        pytest.skip(missing)
    return AXE.read_text()


@pytest.fixture(scope="module")
def pages(portal: Portal) -> list[str]:
    return addresses(portal.db)


def signed_in(browser: Browser, portal: Portal, role: str, width: str) -> BrowserContext:
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    page.goto(f"{portal.url}/signin")
    page.get_by_label("Username").fill(role)
    page.get_by_label("Password").fill(ACCOUNTS[role][1])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/licenses")
    page.close()
    return context


def axe_violations(page: Page, source: str) -> list[str]:
    """axe's violations on the page, one line per rule and element."""
    # The portal's policy forbids inline scripts, so a <script> tag holding axe would be
    # refused; page.evaluate runs the source through the DevTools protocol, which the policy
    # does not govern, and the page keeps its real policy (no bypass_csp) while it is checked.
    page.evaluate(source)
    found: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {node['target']}: "
        + " ".join(node["failureSummary"].split())
        for v in found
        for node in v["nodes"]
    ]


def html_pages(context: BrowserContext, portal: Portal, pages: list[str]) -> Iterator[str]:
    """The addresses answering HTML (JSON and CSV answers are not pages)."""
    for address in pages:
        answer = context.request.get(f"{portal.url}{address}", max_redirects=0)
        if is_page(answer.headers.get("content-type", ""), answer.body()):
            yield address


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", ACCOUNTS)
def test_no_accessibility_violation_on_any_page(
    browser: Browser, portal: Portal, pages: list[str], axe_source: str, role: str, width: str
) -> None:
    context = signed_in(browser, portal, role, width)
    page = context.new_page()
    problems: list[str] = []
    checked = 0
    for address in html_pages(context, portal, pages):
        page.goto(f"{portal.url}{address}")
        checked += 1
        problems += [f"{address}: {line}" for line in axe_violations(page, axe_source)]
    if width == "phone":  # the menu, opened
        page.goto(f"{portal.url}/licenses")
        page.get_by_role("button", name="Menu").click()
        problems += [f"/licenses, menu open: {line}" for line in axe_violations(page, axe_source)]
    context.close()
    assert checked >= 15, f"only {checked} pages answered HTML"
    assert not problems, f"{len(problems)} axe violations as {role} ({width}):\n" + "\n".join(
        problems
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_no_accessibility_violation_signed_out(
    browser: Browser, portal: Portal, axe_source: str, width: str
) -> None:
    context = browser.new_context(viewport=WIDTHS[width])
    page = context.new_page()
    problems: list[str] = []
    checked = list(html_pages(context, portal, ["/signin", "/no-such-page"]))
    for address in checked:
        page.goto(f"{portal.url}{address}")
        problems += [f"{address}: {line}" for line in axe_violations(page, axe_source)]
    context.close()
    assert "/signin" in checked
    assert not problems, "\n".join(problems)
