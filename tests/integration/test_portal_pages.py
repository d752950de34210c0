"""The portal's pages and changes, through a TestClient; the queue is drained by hand."""

from __future__ import annotations

import re

from sqlalchemy import select
from tests.integration.api_support import row_counts

from seatplan.processing import worker
from seatplan.services import catalog, groups, lookup, queue, reports, users
from seatplan.store.tables import AuditEvent


def drain(portal) -> None:
    worker.drain(portal.db, batch_size=1000)


def sku(portal, part: str) -> str:
    with portal.db.reading() as session:
        return str(catalog.find_product(session, part).sku_id)


def test_all_products_shows_seats_a_warning_and_a_chart(portal):
    portal.sign_in("reader")
    page = portal.client.get("/licenses")
    assert page.status_code == 200
    assert "No license left for POWER_BI_PRO" in page.text
    assert page.text.count("<rect") == 2 * 6  # bought and assigned, per product
    product = portal.client.get(f"/licenses/{sku(portal, 'ENTERPRISEPACK')}")
    assert "Licensed users" in product.text
    assert "Licensed groups" in product.text
    assert "Inherited (All Staff)" in product.text
    e1 = portal.client.get(f"/licenses/{sku(portal, 'STANDARDPACK')}").text
    assert re.search(r"adele@contoso.com</td>\s*<td><span class=\"tag\">Direct", e1)


def test_groups_badge_and_error_list_with_explanations_and_fixes(portal):
    portal.sign_in("admin")
    listing = portal.client.get("/groups").text
    assert listing.count("in error</a>") == 5  # every demo group has a member in error
    group = portal.group_id("All Staff")
    page = portal.client.get(f"/groups/{group}").text
    assert "1 user has license assignment errors" in page
    errors = portal.client.get(f"/groups/{group}/errors").text
    assert "MutuallyExclusiveViolation" in errors
    assert "conflicts with a plan the user already has" in errors
    assert "EXCHANGE_S_ENTERPRISE (ENTERPRISEPACK) conflicts with EXCHANGE_S_STANDARD" in errors
    assert "SHAREPOINTENTERPRISE (ENTERPRISEPACK) conflicts with SHAREPOINTSTANDARD" in errors
    assert f'href="/users/{portal.user_id("adele")}#direct"' in errors
    assert f'href="/groups/{group}/product?sku=' in errors
    phone = portal.client.get(f"/groups/{portal.group_id('Phone users')}/errors").text
    assert "ProhibitedInUsageLocationViolation" in phone
    assert "Or remove the user from the group.</button>" in phone


def test_unknown_or_malformed_ids_are_html_404s(portal):
    portal.sign_in("reader")
    for path in ("/groups/nope", "/users/00000000-0000-0000-0000-000000000009", "/licenses/x"):
        answer = portal.client.get(path)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")


def test_resolve_the_conflict_from_the_portal(portal):
    portal.sign_in("licenses")
    adele, e1 = portal.user_id("adele"), sku(portal, "STANDARDPACK")
    with portal.db.reading() as session:
        plans = reports.product_plans(session, sku_id=catalog.find_product(session, e1).sku_id)
    keep = [str(p.id) for p in plans if p.name not in ("EXCHANGE_S_STANDARD", "SHAREPOINTSTANDARD")]
    answer = portal.post(f"/users/{adele}/licenses", sku=e1, plan=keep)
    assert answer.status_code == 200
    assert "License saved" in answer.text
    group = portal.group_id("All Staff")
    assert portal.post(f"/groups/{group}/reprocess").status_code == 200
    state = portal.client.get(f"/groups/{group}/state").json()
    assert state["state"] == queue.QUEUED
    drain(portal)
    assert portal.client.get(f"/groups/{group}/state").json() == {
        "state": "ProcessingComplete",
        "usersInError": 0,
    }
    assert "license assignment errors" not in portal.client.get(f"/groups/{group}").text


def test_an_invalid_usage_location_is_shown_next_to_the_field_and_changes_nothing(portal):
    portal.sign_in("admin")
    bruno = portal.user_id("bruno")
    before = row_counts(portal.db)
    answer = portal.post(f"/users/{bruno}/location", usage_location="Narnia")
    assert answer.status_code == 400
    assert 'id="usage_location-error"' in answer.text
    assert "Invalid usage location &#39;Narnia&#39;" in answer.text
    assert 'value="Narnia"' in answer.text
    assert row_counts(portal.db) == before
    assert portal.post(f"/users/{bruno}/location", usage_location="gb").status_code == 200
    with portal.db.reading() as session:
        assert lookup.user(session, bruno).usage_location == "GB"


def test_a_direct_license_without_a_free_seat_shows_graphs_exact_error(portal):
    portal.sign_in("admin")
    power_bi = sku(portal, "POWER_BI_PRO")
    before = row_counts(portal.db)
    answer = portal.post(f"/users/{portal.user_id('joni')}/licenses", sku=power_bi, plan=[])
    assert answer.status_code == 400
    assert f"Subscription with SKU {power_bi} does not have any available licenses." in answer.text
    assert row_counts(portal.db) == before


def test_assign_a_product_to_a_group_with_a_plan_turned_off(portal):
    portal.sign_in("admin")
    group, ems = portal.group_id("Marketing"), sku(portal, "EMS")
    form = portal.client.get(f"/groups/{group}/product?sku={ems}").text
    plans = re.findall(r'name="plan" value="([^"]+)" checked', form)
    assert len(plans) > 2
    answer = portal.post(f"/groups/{group}/product", sku=ems, plan=plans[1:])
    assert "Group license saved" in answer.text
    assert "QueuedForProcessing" in answer.text
    assert '<noscript><meta http-equiv="refresh"' in answer.text
    drain(portal)
    with portal.db.reading() as session:
        detail = reports.group_detail(session, group_id=lookup.group(session, group).id)
    assert [len(p.disabled_plans) for p in detail.products if str(p.sku_id) == ems] == [1]


def test_preview_a_group_product_before_saving_it(portal):
    portal.sign_in("admin")
    group, ems = portal.group_id("Marketing"), sku(portal, "EMS")
    form = portal.client.get(f"/groups/{group}/product?sku={ems}").text
    assert f'formaction="/groups/{group}/product/preview"' in form
    plans = re.findall(r'name="plan" value="([^"]+)" checked', form)
    before = row_counts(portal.db)

    answer = portal.post(f"/groups/{group}/product/preview", sku=ems, plan=plans[1:])

    assert answer.status_code == 200
    assert "Preview: nothing was changed" in answer.text
    assert "2 user(s) would be evaluated" in answer.text  # Irvin and Henrietta
    # The plans as ticked stay ticked, ready to save.
    assert re.findall(r'name="plan" value="([^"]+)" checked', answer.text) == plans[1:]
    assert row_counts(portal.db) == before


def test_members_add_remove_and_search(portal):
    portal.sign_in("admin")
    group = portal.group_id("Phone users")
    missing = portal.post(f"/groups/{group}/members", member="ghost@contoso.com")
    assert missing.status_code == 400
    assert "User &#39;ghost@contoso.com&#39; was not found." in missing.text
    assert 'value="ghost@contoso.com"' in missing.text
    assert "Member added" in portal.post(f"/groups/{group}/members", member="lee@contoso.com").text
    found = portal.client.get(f"/groups/{group}?search=lee").text
    assert "lee@contoso.com" in found
    assert "joni@contoso.com" not in found
    lee = portal.user_id("lee")
    assert "Member removed" in portal.post(f"/groups/{group}/members/{lee}/remove").text


def test_long_lists_are_paged(portal):
    with portal.db.writing() as session:
        for n in range(60):
            users.create(session, user_principal_name=f"zz{n:02}@contoso.com")
        everyone = groups.create(session, display_name="Everyone")
        for n in range(60):
            groups.add_member(
                session, group=everyone, user=lookup.user(session, f"zz{n:02}@contoso.com")
            )
    portal.sign_in("reader")
    first = portal.client.get("/users").text
    assert "Page 1 of 2 · 78 in all" in first
    second = portal.client.get("/users?page=2").text
    assert "zz59@contoso.com" in second
    assert "adele@contoso.com" not in second
    members = portal.client.get(f"/groups/{portal.group_id('Everyone')}?page=2").text
    assert "Page 2 of 2 · 60 in all" in members


def test_audit_log_filters(portal):
    portal.sign_in("reader")
    page = portal.client.get("/audit?activity=Add+member+to+group&target=bruno").text
    assert page.count("<tr>") == 2  # the header and Bruno joining Phone users
    bad = portal.client.get("/audit?from=yesterday")
    assert bad.status_code == 400
    assert "Enter a date as YYYY-MM-DD." in bad.text
    assert "No event matches." in portal.client.get("/audit?to=2000-01-01").text


def test_changes_are_audited_as_the_signed_in_administrator(portal):
    portal.sign_in("admin")
    analysts = portal.group_id("Analysts")
    portal.post(f"/groups/{analysts}/members", member="adele@contoso.com")
    with portal.db.reading() as session:
        added = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.activity_display_name == "Add member to group")
            .order_by(AuditEvent.activity_date_time.desc())
        ).first()
    assert added is not None
    assert added.target_resources[0]["displayName"] == "adele@contoso.com"
    assert added.initiated_by["user"]["displayName"] == "admin"
    assert added.initiated_by["user"]["userPrincipalName"] == "admin"


def test_buy_more_seats_from_the_product_page(portal):
    portal.sign_in("admin")
    power_bi = sku(portal, "POWER_BI_PRO")
    page = portal.client.get(f"/licenses/{power_bi}").text
    sub = re.search(r"/subscriptions/([0-9a-f-]{36})", page).group(1)
    bad = portal.post(f"/licenses/{power_bi}/subscriptions/{sub}", units="lots")
    assert bad.status_code == 400
    assert 'value="lots"' in bad.text
    assert (
        "Subscription units saved"
        in portal.post(f"/licenses/{power_bi}/subscriptions/{sub}", units="10").text
    )
    drain(portal)
    assert (
        portal.client.get(f"/groups/{portal.group_id('Analysts')}/state").json()["usersInError"]
        == 0
    )
