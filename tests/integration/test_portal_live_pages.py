"""Pages that follow processing (htmx fragments), HTML error pages, honest addresses."""

from __future__ import annotations

import re

from tests.integration.test_portal_pages import drain, sku

from seatplan.services import catalog, lookup, reports


def test_unknown_paths_and_wrong_methods_are_portal_pages_but_the_apis_keep_json(portal):
    portal.sign_in("reader")
    group = portal.group_id("All Staff")
    for path, status in (
        ("/nope", 404),
        ("/groups/x/y/z", 404),
        ("/administrators/nope", 404),
        (f"/groups/{group}/members", 405),
        (f"/groups/{group}/reprocess", 405),
    ):
        answer = portal.client.get(path)
        assert answer.status_code == status, path
        assert answer.headers["content-type"].startswith("text/html"), path
        assert "<h1>" in answer.text
        assert answer.headers["content-security-policy"].startswith("default-src 'self'")
    assert "Not available" in portal.client.get(f"/groups/{group}/members").text
    for path in ("/v1.0/nope", "/admin/nope", "/scim/v2/nope"):
        answer = portal.client.get(path)
        assert answer.status_code in (401, 404), path
        assert answer.headers["content-type"].startswith(
            ("application/json", "application/scim")
        ), path
    assert (
        portal.client.post("/v1.0/users/x/nope")
        .headers["content-type"]
        .startswith("application/json")
    )


def test_a_refused_form_names_the_page_it_came_from(portal):
    portal.sign_in("admin")
    group = portal.group_id("Phone users")
    origin = f"http://testserver/groups/{group}?search=jo"
    refused = portal.client.post(
        f"/groups/{group}/members",
        data={"csrf_token": portal.csrf(), "member": "ghost@contoso.com"},
        headers={"referer": origin},
    )
    assert refused.status_code == 400
    assert f'<main id="main" data-page-url="/groups/{group}?search=jo">' in refused.text
    other_site = portal.client.post(
        f"/groups/{group}/members",
        data={"csrf_token": portal.csrf(), "member": "ghost@contoso.com"},
        headers={"referer": "http://elsewhere.example/x"},
    )
    assert "data-page-url" not in other_site.text
    assert "data-page-url" not in portal.client.get(f"/groups/{group}").text


def test_the_group_page_follows_processing_and_then_stops(portal):
    portal.sign_in("licenses")
    group = portal.group_id("All Staff")
    portal.post(f"/groups/{group}/reprocess")
    page = portal.client.get(f"/groups/{group}?done=reprocess").text
    assert "Reprocessing queued" in page
    assert f'hx-get="/groups/{group}/live?done=reprocess" hx-trigger="every 1s"' in page
    live = portal.client.get(f"/groups/{group}/live?done=reprocess").text
    assert 'hx-trigger="every 1s"' in live
    assert "hx-swap-oob" not in live
    drain(portal)
    live = portal.client.get(f"/groups/{group}/live?done=reprocess").text
    assert "hx-trigger" not in live
    assert "<b>ProcessingComplete</b>" in live
    assert (
        '<p class="flash" id="flash" role="status" hx-swap-oob="true">Reprocessing done.</p>'
        in live
    )
    page = portal.client.get(f"/groups/{group}?done=reprocess").text
    assert "Reprocessing queued" not in page
    assert "Reprocessing done." in page


def test_a_former_member_queued_keeps_the_group_page_following(portal):
    """Megan left Security team but keeps its E3 in error: the group's processing state
    does not move when she is queued, yet its count of errors will."""
    portal.sign_in("licenses")
    group, megan = portal.group_id("Security team"), portal.user_id("megan")
    assert 'hx-trigger="every 1s"' not in portal.client.get(f"/groups/{group}").text
    portal.post(f"/users/{megan}/reprocess")
    with portal.db.reading() as session:
        state = reports.group_detail(
            session, group_id=lookup.group(session, "Security team").id
        ).processing_state
    assert state == "ProcessingComplete"
    live = portal.client.get(f"/groups/{group}/live").text
    assert 'hx-trigger="every 1s"' in live
    assert "1 user in error is queued for processing" in live
    drain(portal)
    assert "hx-trigger" not in portal.client.get(f"/groups/{group}/live").text


def test_the_user_page_follows_the_user_until_processed(portal):
    portal.sign_in("licenses")
    adele, e1 = portal.user_id("adele"), sku(portal, "STANDARDPACK")
    with portal.db.reading() as session:
        plans = reports.product_plans(session, sku_id=catalog.find_product(session, e1).sku_id)
    keep = [str(p.id) for p in plans if p.name not in ("EXCHANGE_S_STANDARD", "SHAREPOINTSTANDARD")]
    saved = portal.post(f"/users/{adele}/licenses", sku=e1, plan=keep).text
    assert "Queued for processing" in saved
    assert f'hx-get="/users/{adele}/live?done=license"' in saved
    drain(portal)
    live = portal.client.get(f"/users/{adele}/live?done=license").text
    assert "hx-trigger" not in live
    assert "Queued for processing" not in live
    assert "MutuallyExclusiveViolation" not in live
    assert "License saved and processed." in live


def test_dependency_and_location_errors_name_their_plans(portal):
    portal.sign_in("reader")
    security = portal.client.get(f"/groups/{portal.group_id('Security team')}/errors").text
    assert (
        "THREAT_INTELLIGENCE (THREAT_INTELLIGENCE, Direct) needs EXCHANGE_S_ENTERPRISE "
        "(ENTERPRISEPACK)" in security
    )
    phone = portal.client.get(f"/groups/{portal.group_id('Phone users')}/errors").text
    assert re.search(r"[A-Z0-9_]+ \(MCOPSTN1\) is not allowed in BR", phone)


def test_counts_and_stale_wording(portal):
    portal.sign_in("reader")
    security = portal.client.get(f"/groups/{portal.group_id('Security team')}").text
    assert "1 of them is no longer a member (the group has no member left)" in security
    listing = portal.client.get("/groups").text
    marketing = portal.group_id("Marketing")
    assert re.search(rf'href="/groups/{marketing}/errors"[^>]*>⚠ 2 users in error</a>', listing)
    errors = portal.client.get(f"/groups/{marketing}/errors").text
    assert re.search(
        r"4 license assignments of <a[^>]*>Marketing</a> in error, for 2 users", errors
    )
    far = portal.client.get("/users?page=401").text
    assert "There is no page 401: the last is page 1" in far
    assert "Page 401 of" not in far
    e3 = sku(portal, "ENTERPRISEPACK")
    plans = portal.client.get(f"/groups/{portal.group_id('All Staff')}/product?sku={e3}").text
    assert '<a href="/groups" aria-current="page">Groups</a>' in plans
    assert '<p class="crumbs"><a href="/groups">Groups</a> › <a href="/groups/' in plans
