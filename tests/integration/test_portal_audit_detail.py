"""The audit log names who pressed Reprocess, the plans of a change of disabled plans, and
refuses a From date after the To date."""

from __future__ import annotations

from tests.integration.test_portal_pages import sku

from seatplan.services import catalog, reports


def test_reprocess_is_audited_with_its_administrator(portal):
    portal.sign_in("licenses")
    group, megan = portal.group_id("All Staff"), portal.user_id("megan")
    portal.post(f"/groups/{group}/reprocess")
    portal.post(f"/users/{megan}/reprocess")
    log = portal.client.get("/audit?activity=Reprocess+group+license+assignments").text
    assert "<td>All Staff</td>" in log
    assert "<td>licenses</td>" in log
    log = portal.client.get("/audit?activity=Reprocess+user+license+assignments").text
    assert "megan@contoso.com" in log
    assert "<td>licenses</td>" in log


def test_a_change_of_disabled_plans_names_the_plans(portal):
    portal.sign_in("licenses")
    group, e3 = portal.group_id("All Staff"), sku(portal, "ENTERPRISEPACK")
    with portal.db.reading() as session:
        plans = reports.product_plans(session, sku_id=catalog.find_product(session, e3).sku_id)
    keep = [str(p.id) for p in plans if p.name != "SWAY"]
    assert len(keep) == len(plans) - 1
    portal.post(f"/groups/{group}/product", sku=e3, plan=keep)
    log = portal.client.get("/audit?activity=Set+group+license").text
    assert "DisabledPlans=[SWAY]" in log


def test_a_from_date_after_the_to_date_is_an_error(portal):
    portal.sign_in("reader")
    answer = portal.client.get("/audit?from=2026-05-02&to=2026-05-01")
    assert answer.status_code == 400
    assert "The To date (2026-05-01) is before the From date (2026-05-02)" in answer.text
    assert 'id="to" name="to" type="date" value="2026-05-01" aria-invalid="true"' in answer.text
    assert portal.client.get("/audit?from=2026-05-01&to=2026-05-01").status_code == 200
