"""The portal's Webhooks pages: add an endpoint (its secret shown once), send a test event,
see it in the delivery log, redeliver, disable; other roles see and change nothing."""

from __future__ import annotations

import re

import httpx
import pytest
from tests.integration.api_support import row_counts
from webhook_receiver import Receiver

from seatplan.processing import delivery
from seatplan.services.outbox import Policy
from seatplan.settings import get_settings


@pytest.fixture
def receiver(monkeypatch):
    monkeypatch.setenv("SEATPLAN_WEBHOOK_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    found = Receiver()
    yield found
    found.close()
    get_settings.cache_clear()


def test_an_endpoint_from_the_portal(portal, receiver):
    portal.sign_in("admin")
    before = row_counts(portal.db)
    refused = portal.post("/webhooks", url="ftp://example.com/", events=["license.error"])
    assert refused.status_code == 400
    assert "must start with http:// or https://" in refused.text
    assert row_counts(portal.db) == before

    added = portal.post("/webhooks", url=receiver.url(), events=["license.error"], format="slack")
    assert added.status_code == 200
    secret = re.search(r"<code>(whsec_[^<]+)</code>", added.text).group(1)
    receiver.secrets["/hook"] = secret
    page = portal.client.get("/webhooks").text
    assert secret not in page  # shown once
    endpoint = re.search(r'href="/webhooks/([0-9a-f-]{36})"', page).group(1)

    assert "Test event queued" in portal.post(f"/webhooks/{endpoint}/test").text
    sender = delivery.Sender(Policy(retry_seconds=3600), True, httpx.Client(), "portal-test")
    delivery.deliver_due(portal.db, sender)
    log = portal.client.get(f"/webhooks/{endpoint}").text
    assert "webhook.test" in log
    assert "succeeded" in log
    assert " ms" in log
    delivery_id = re.search(r'name="delivery" value="(\d+)"', log).group(1)
    again = portal.post(f"/webhooks/{endpoint}/redeliver", delivery=delivery_id)
    assert "Event queued again" in again.text
    delivery.deliver_due(portal.db, sender)
    assert len(receiver.accepted()) == 2

    disabled = portal.post(f"/webhooks/{endpoint}/disable")
    assert "Disabled by an administrator." in disabled.text
    assert "Seat alert saved." in portal.post("/webhooks/seat-alert", sku="EMS", below="2").text


def test_other_roles_see_webhooks_and_change_nothing(portal):
    portal.sign_in("licenses")
    assert "Add an endpoint" not in portal.client.get("/webhooks").text
    refused = portal.post("/webhooks", url="https://93.184.215.14/", events=["license.error"])
    assert refused.status_code == 403
    assert "Only a Global Administrator manages webhooks." in refused.text
