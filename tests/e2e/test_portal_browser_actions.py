"""The portal's actions in Chromium at 1280 px: the people picker, bulk actions, creating
and deleting users and groups, buying a product.

A module of its own (its own server and database): it adds and removes members and users
that the other browser tests count.
"""

from __future__ import annotations

import re

from playwright.sync_api import Browser, expect
from tests.e2e.portal_server import Portal, browser, portal
from tests.e2e.test_portal_browser import group_id, shot, sign_in

from seatplan.services import catalog, lookup

__all__ = ["browser", "portal"]


def test_the_people_picker_adds_a_member_as_you_type(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "admin")
    page.goto(f"{portal.url}/groups/{group_id(portal, 'Phone users')}")
    box = page.get_by_role("searchbox", name="Add member")
    box.press_sequentially("gu", delay=30)  # typed, not submitted: htmx fetches the results
    results = page.get_by_role("region", name="People found")
    expect(results).to_contain_text("Lee Gu")
    expect(page).to_have_url(re.compile(r"/groups/[0-9a-f-]+$"))  # no page load
    shot(page, portal, "40-people-picker")
    # Keyboard: Down reaches the first result, Enter adds it.
    box.press("ArrowDown")
    expect(page.get_by_role("button", name=re.compile(r"^Add Lee Gu"))).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".flash")).to_contain_text("Member added")
    members = page.locator("#members table")
    expect(members).to_contain_text("lee@contoso.com")
    # The page reloads itself once the new member is processed: type after that.
    expect(page.locator("#processing")).to_contain_text("ProcessingComplete", timeout=20_000)

    # Found by mail too, and a member is marked, not offered again.
    page.get_by_role("searchbox", name="Add member").press_sequentially("LEE@contoso", delay=30)
    expect(page.get_by_role("region", name="People found")).to_contain_text("Member")
    expect(page.get_by_role("button", name=re.compile(r"^Add Lee Gu"))).to_have_count(0)


def test_the_people_picker_works_without_script(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "admin")
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    context.add_cookies(page.context.cookies())
    plain = context.new_page()
    plain.goto(f"{portal.url}/groups/{group_id(portal, 'Phone users')}")
    plain.get_by_role("searchbox", name="Add member").fill("adele")
    plain.get_by_role("button", name="Find").click()
    plain.get_by_role("button", name=re.compile(r"^Add Adele Vance")).click()
    expect(plain.locator(".flash")).to_contain_text("Member added")
    expect(plain.locator("#members table")).to_contain_text("adele@contoso.com")
    context.close()


def test_tokens_are_created_once_and_revoked(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "admin")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Tokens").click()
    expect(page.get_by_role("heading", name="Access tokens")).to_be_visible()
    page.get_by_label("Name").fill("Okta provisioning")
    page.get_by_label("Seatplan.Provisioning").check()
    page.get_by_role("button", name="Create").click()
    token = page.get_by_label("Token", exact=True)
    expect(token).to_have_value(re.compile(r"^spt_[0-9a-f]{12}_"))
    secret = token.input_value()
    shot(page, portal, "41-token-created")
    row = page.locator("#tokens tr", has_text="Okta provisioning")
    expect(row).to_contain_text("Seatplan.Provisioning")
    answer = page.request.get(
        f"{portal.url}/scim/v2/Users", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status == 200
    page.goto(f"{portal.url}/tokens")  # shown once: never on the list
    expect(page.get_by_label("Token", exact=True)).to_have_count(0)
    page.get_by_role("button", name="Revoke Okta provisioning").click()
    page.locator("#confirm-button").click()  # the confirmation every destructive action has
    expect(page.locator(".flash")).to_contain_text("Token revoked")
    expect(page.locator("#tokens tr", has_text="Okta provisioning")).to_contain_text("Revoked")
    answer = page.request.get(
        f"{portal.url}/scim/v2/Users", headers={"Authorization": f"Bearer {secret}"}
    )
    assert answer.status == 401


def test_the_plans_page_reads_by_friendly_name_marks_conflicts_and_filters(
    browser: Browser, portal: Portal
) -> None:
    page = sign_in(browser, portal, "admin")
    with portal.db.reading() as session:
        adele = lookup.user(session, "adele@contoso.com").id
    page.goto(f"{portal.url}/users/{adele}")
    # Enabled plans compactly, by friendly name.
    direct = page.locator("#direct")
    expect(direct.locator("summary").first).to_contain_text(re.compile(r"\d+ of \d+ enabled"))
    direct.locator("summary").first.click()
    expect(direct).to_contain_text("Exchange Online (Plan 1)")
    direct.get_by_role("link", name="Change plans").click()

    labels = page.locator("#plan-list .switch span").all_inner_texts()
    names = [label.split("\n")[0] for label in labels]
    assert names == sorted(names, key=str.casefold), names
    exchange = page.locator("#plan-list li", has_text="EXCHANGE_S_STANDARD")
    expect(exchange).to_have_class(re.compile("conflict"))
    expect(exchange).to_contain_text("Conflicts with Exchange Online (Plan 2)")
    shot(page, portal, "42-plans-conflicts")

    page.get_by_label("Find a plan").fill("exchange")
    expect(page.locator("#plan-filter-count")).to_contain_text("1 of")
    page.get_by_role("button", name="Disable all shown").click()
    expect(page.get_by_role("switch", name=re.compile("EXCHANGE_S_STANDARD"))).not_to_be_checked()
    page.get_by_label("Find a plan").fill("")
    expect(page.get_by_role("switch", name=re.compile("SHAREPOINTSTANDARD"))).to_be_checked()
    page.get_by_role("button", name="Enable all shown").click()
    expect(page.locator("#plan-list input[name=plan]:not(:checked)")).to_have_count(0)


def test_create_a_user_and_a_group_and_buy_a_product(browser: Browser, portal: Portal) -> None:
    page = sign_in(browser, portal, "admin")
    sections = page.get_by_role("navigation", name="Sections")
    sections.get_by_role("link", name="Users").click()
    page.get_by_text("New user", exact=True).click()
    page.get_by_label("Principal name").fill("ines@contoso.com")
    page.get_by_label("Name", exact=True).fill("Ines Duarte")
    page.get_by_label("Usage location", exact=True).fill("PT")
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("heading", name=re.compile("Ines Duarte"))).to_be_visible()
    expect(page.locator(".flash")).to_contain_text("User created")

    sections.get_by_role("link", name="Groups").click()
    page.get_by_text("New group", exact=True).click()
    page.get_by_label("Name", exact=True).fill("Lisbon office")
    page.get_by_role("button", name="Create group").click()
    expect(page.get_by_role("heading", name=re.compile("Lisbon office"))).to_be_visible()
    expect(page.locator(".flash")).to_contain_text("Group created")

    sections.get_by_role("link", name="Licenses").click()
    page.get_by_text("Buy a product", exact=True).click()
    with portal.db.reading() as session:
        visio = str(catalog.find_product(session, "VISIOCLIENT").sku_id)
    page.get_by_label("Product (not bought yet)").select_option(value=visio)
    page.get_by_label("Units").fill("5")
    page.get_by_role("button", name="Buy").click()
    expect(page.locator(".flash")).to_contain_text("Subscription added")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Visio")
    shot(page, portal, "43-product-bought")


def test_delete_a_user_after_a_confirmation_naming_what_they_hold(
    browser: Browser, portal: Portal
) -> None:
    page = sign_in(browser, portal, "admin")
    with portal.db.reading() as session:
        grady = lookup.user(session, "grady@contoso.com").id
    page.goto(f"{portal.url}/users/{grady}")
    page.get_by_role("button", name="Delete user").click()
    expect(page.get_by_role("heading", name="Delete user grady@contoso.com?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("ENTERPRISEPACK (All Staff)")
    expect(page.locator("#confirm-preview")).to_contain_text("ENTERPRISEPACK")
    shot(page, portal, "44-delete-user-confirmation")
    page.locator("#confirm-button").click()
    expect(page.locator(".flash")).to_contain_text("User deleted")
    expect(page).to_have_url(re.compile(r"/users(\?done=user-deleted)?$"))
    expect(page.locator("main")).not_to_contain_text("grady@contoso.com")


def test_bulk_actions_are_confirmed_with_the_users_they_touch(
    browser: Browser, portal: Portal
) -> None:
    page = sign_in(browser, portal, "admin")
    page.goto(f"{portal.url}/groups/{group_id(portal, 'Analysts')}")
    page.get_by_label("Select Lidia Holloway").check()
    page.get_by_label("Select Lynne Robbins").check()
    page.get_by_role("button", name="Remove selected…").click()
    expect(page.get_by_role("heading", name="Remove 2 members from Analysts?")).to_be_visible()
    expect(page.locator("main")).to_contain_text("This touches 2 users")
    expect(page.locator("main")).to_contain_text("lidia@contoso.com, lynne@contoso.com")
    shot(page, portal, "45-bulk-remove-confirmation")
    page.locator("#confirm-button").click()
    expect(page.locator(".flash")).to_contain_text("Members removed")
    members = page.locator("#members table")
    expect(members).not_to_contain_text("lidia@contoso.com")
    expect(members).to_contain_text("miriam@contoso.com")

    # Select all on the page ticks every row; one unticked leaves it mixed.
    page.goto(f"{portal.url}/users")
    everyone = page.get_by_label("Select every user on this page")
    everyone.check()
    rows = page.locator('input[form="bulk-users"]')
    assert rows.count() > 5
    expect(page.locator('input[form="bulk-users"]:not(:checked)')).to_have_count(0)
    page.get_by_label("Select Bruno Costa").uncheck()
    assert everyone.evaluate("box => box.indeterminate")
    everyone.check()  # from mixed: every row, then none
    everyone.uncheck()
    expect(page.locator('input[form="bulk-users"]:checked')).to_have_count(0)
    page.get_by_label("Select Bruno Costa").check()
    page.get_by_label("Select Nestor Wilke").check()
    page.get_by_label("Set usage location of selected").fill("US")
    page.get_by_role("button", name="Set…").click()
    expect(
        page.get_by_role("heading", name="Set the usage location of 2 users to US?")
    ).to_be_visible()
    page.locator("#confirm-button").click()
    expect(page.locator(".flash")).to_contain_text("Usage locations saved")

    page.goto(f"{portal.url}/groups")
    page.get_by_label("Select every group on this page").check()
    page.get_by_role("button", name="Reprocess selected…").click()
    expect(page.get_by_role("heading", name=re.compile(r"Reprocess \d+ groups\?"))).to_be_visible()
    expect(page.locator("main")).to_contain_text(re.compile(r"This touches \d+ users"))
    page.locator("#confirm-button").click()
    expect(page.locator(".flash")).to_contain_text("queued for processing")
