"""Every destructive action of the portal asks first, with the preview's numbers."""

from __future__ import annotations

from seatplan.services import catalog, groups, lookup, reports, subscriptions, tokens


def sku(portal, part: str) -> str:
    with portal.db.reading() as session:
        return str(catalog.find_product(session, part).sku_id)


def members_of(portal, name: str) -> int:
    with portal.db.reading() as session:
        return groups.member_count(session, lookup.group(session, name).id)


def test_removing_a_product_from_a_group_states_who_loses_it_and_changes_nothing(portal):
    portal.sign_in("licenses")
    group, e3 = portal.group_id("All Staff"), sku(portal, "ENTERPRISEPACK")
    plans = portal.client.get(f"/groups/{group}/product?sku={e3}").text
    assert f'<form method="get" action="/groups/{group}/product/remove"' in plans
    confirm = portal.client.get(f"/groups/{group}/product/remove?sku={e3}")
    assert confirm.status_code == 200
    assert "Remove ENTERPRISEPACK from All Staff?" in confirm.text
    with portal.db.reading() as session:
        detail = reports.group_detail(session, group_id=lookup.group(session, "All Staff").id)
    holders = detail.member_count - detail.users_in_error
    assert holders > 1
    assert f"ENTERPRISEPACK would be taken from {holders} user(s)." in confirm.text
    # Nothing was changed by showing it: the group still has the product.
    again = portal.client.get(f"/groups/{group}").text
    assert "ENTERPRISEPACK" in again
    done = portal.post(f"/groups/{group}/product/remove", sku=e3)
    assert "Product removed from the group" in done.text


def test_removing_a_member_names_what_they_lose(portal):
    portal.sign_in("licenses")
    group, alex = portal.group_id("All Staff"), portal.user_id("alex")
    before = members_of(portal, "All Staff")
    confirm = portal.client.get(f"/groups/{group}/members/{alex}/remove")
    assert confirm.status_code == 200
    assert "Remove alex@contoso.com from All Staff?" in confirm.text
    assert "ENTERPRISEPACK would be taken from 1 user(s)." in confirm.text
    assert "alex@contoso.com: ENTERPRISEPACK" in confirm.text
    assert members_of(portal, "All Staff") == before
    assert f'<form method="post" action="/groups/{group}/members/{alex}/remove"' in confirm.text
    assert "Member removed" in portal.post(f"/groups/{group}/members/{alex}/remove").text
    assert members_of(portal, "All Staff") == before - 1


def test_removing_a_direct_license_counts_the_user(portal):
    portal.sign_in("licenses")
    adele, e1 = portal.user_id("adele"), sku(portal, "STANDARDPACK")
    confirm = portal.client.get(f"/users/{adele}/licenses/remove?sku={e1}")
    assert confirm.status_code == 200
    assert "1 user(s)</b> would lose a license" in confirm.text
    assert "adele@contoso.com: STANDARDPACK" in confirm.text


def test_a_refused_change_shows_why_without_a_button(portal):
    portal.sign_in("admin")
    confirm = portal.client.get("/administrators/delete?username=admin")
    assert confirm.status_code == 400
    assert 'id="confirm-button"' not in confirm.text
    ok = portal.client.get("/administrators/delete?username=reader")
    assert ok.status_code == 200
    assert "reader (Global Reader) can no longer sign in" in ok.text
    assert 'id="confirm-button"' in ok.text


def test_a_reader_sees_no_confirmation(portal):
    portal.sign_in("reader")
    group, lee = portal.group_id("All Staff"), portal.user_id("lee")
    assert portal.client.get(f"/groups/{group}/members/{lee}/remove").status_code == 403
    assert portal.client.get("/administrators/delete?username=admin").status_code == 403


def test_revoking_a_token_asks_first(portal):
    portal.sign_in("admin")
    created = portal.post("/tokens", name="ci", scope=[tokens.PERMISSIONS[0]])
    assert created.status_code == 200
    with portal.db.reading() as session:
        info = tokens.list_tokens(session)[0]
    confirm = portal.client.get(f"/tokens/revoke?token={info.id}")
    assert "Revoke the token ci?" in confirm.text
    assert 'id="confirm-button"' in confirm.text
    with portal.db.reading() as session:
        assert tokens.list_tokens(session)[0].revoked is None


def test_units_below_the_seats_in_use_are_confirmed_and_never_shown_negative(portal):
    portal.sign_in("admin")
    e3 = sku(portal, "ENTERPRISEPACK")
    with portal.db.reading() as session:
        summary = next(s for s in reports.sku_summaries(session) if str(s.sku_id) == e3)
        sub = next(s for s in subscriptions.list_subscriptions(session) if str(s.sku_id) == e3)
    used = summary.consumed_units
    assert used >= 3
    low = used - 2
    path = f"/licenses/{e3}/subscriptions/{sub.id}"
    asked = portal.client.post(
        path, data={"csrf_token": portal.csrf(), "units": str(low)}, follow_redirects=False
    )
    assert asked.status_code == 303
    assert asked.headers["location"] == f"{path}?units={low}"
    confirm = portal.client.get(asked.headers["location"])
    assert f"fewer than the {used} ENTERPRISEPACK seats in use?" in confirm.text
    assert "2 more assigned than bought" in confirm.text
    assert "Nobody loses a working license" in confirm.text
    assert "until 3 seat(s) are freed or bought" in confirm.text
    with portal.db.reading() as session:
        unchanged = next(s for s in reports.sku_summaries(session) if str(s.sku_id) == e3)
    assert unchanged.enabled_units == summary.enabled_units
    saved = portal.post(path, units=str(low), confirmed="yes")
    assert "Subscription units saved." in saved.text
    assert "<b>2</b> over-assigned" in saved.text
    assert "<b>-2</b>" not in saved.text
    listing = portal.client.get("/licenses").text
    assert "0 · none left, 2 over-assigned" in listing
    assert ">-2" not in listing
    # Raising units (or lowering them within what is free) asks nothing.
    raised = portal.post(path, units=str(used + 5))
    assert "Subscription units saved." in raised.text
