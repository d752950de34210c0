"""The admin API of webhooks: register (secret shown once), log, test, redeliver, disable,
seat alerts; bad input answers Graph's error shape and writes nothing."""

from __future__ import annotations

import ipaddress
import sqlite3

import httpx
import pytest
from tests.integration.api_support import error_of, row_counts
from webhook_receiver import Receiver

from seatplan.processing import delivery
from seatplan.services import webhook_urls
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


def deliver(db) -> None:
    sender = delivery.Sender(Policy(retry_seconds=3600), True, httpx.Client(), "api-test")
    delivery.deliver_due(db, sender)


def test_register_test_log_and_redeliver(db, client, admin, receiver):
    created = client.post(
        "/admin/webhooks",
        headers=admin,
        json={
            "url": receiver.url(),
            "events": ["license.error", "seats.low"],
            "sku": "POWER_BI_PRO",
        },
    )
    assert created.status_code == 201, created.text
    endpoint = created.json()
    assert endpoint["secret"].startswith("whsec_")
    assert endpoint["skuId"] == "f8a1db68-be16-40ed-86d5-cb42ce701560"
    receiver.secrets["/hook"] = endpoint["secret"]
    listed = client.get("/admin/webhooks", headers=admin).json()
    assert [e["id"] for e in listed] == [endpoint["id"]]
    assert "secret" not in listed[0]

    base = f"/admin/webhooks/{endpoint['id']}"
    queued = client.post(f"{base}/test", headers=admin)
    assert queued.status_code == 202
    assert queued.json()["status"] == "pending"
    deliver(db)
    (log,) = client.get(f"{base}/deliveries", headers=admin).json()
    assert (log["status"], log["attempts"], log["responseStatus"]) == ("succeeded", 1, 200)
    assert log["responseMilliseconds"] >= 0
    assert log["eventType"] == "webhook.test"

    again = client.post(f"{base}/deliveries/{log['id']}/redeliver", headers=admin)
    assert again.status_code == 202
    deliver(db)
    got = receiver.accepted()
    assert len(got) == 2
    assert got[0].message_id == got[1].message_id == log["webhookId"]

    rotated = client.post(f"{base}/rotateSecret", headers=admin).json()["secret"]
    assert rotated != endpoint["secret"]
    off = client.patch(base, headers=admin, json={"enabled": False, "sku": None})
    assert off.json()["enabled"] is False
    assert off.json()["disabledReason"] == "Disabled by an administrator."
    assert off.json()["skuId"] is None
    assert client.delete(base, headers=admin).status_code == 204
    assert client.get(base, headers=admin).status_code == 404


def test_bad_endpoints_are_refused_and_write_nothing(db, client, admin, monkeypatch):
    monkeypatch.delenv("SEATPLAN_WEBHOOK_ALLOW_PRIVATE", raising=False)
    get_settings.cache_clear()
    before = row_counts(db)
    for body, words in [
        ({"url": "http://127.0.0.1:8080/", "events": ["*"]}, "SEATPLAN_WEBHOOK_ALLOW_PRIVATE"),
        ({"url": "file:///etc/passwd", "events": ["*"]}, "http://"),
        ({"url": "https://93.184.215.14/", "events": ["license.bogus"]}, "Unknown event type"),
        ({"url": "https://93.184.215.14/", "events": ["*"], "format": "xml"}, "format"),
        ({"url": "https://93.184.215.14/", "events": []}, "events"),
        ({"url": "https://93.184.215.14/", "events": ["*"], "sku": "NOPE"}, "NOPE"),
    ]:
        answer = client.post("/admin/webhooks", headers=admin, json=body)
        assert answer.status_code in (400, 404), answer.text
        assert words in error_of(answer)[2], error_of(answer)
    assert row_counts(db) == before


def test_seat_alerts(db, client, admin):
    put = client.put("/admin/seatAlerts/POWER_BI_PRO", headers=admin, json={"below": 5})
    assert put.json() == {
        "skuId": "f8a1db68-be16-40ed-86d5-cb42ce701560",
        "skuPartNumber": "POWER_BI_PRO",
        "below": 5,
    }
    assert (
        client.put("/admin/seatAlerts/POWER_BI_PRO", headers=admin, json={"below": 0}).status_code
        == 400
    )
    assert len(client.get("/admin/seatAlerts", headers=admin).json()) == 1
    assert client.delete("/admin/seatAlerts/POWER_BI_PRO", headers=admin).status_code == 204
    assert client.delete("/admin/seatAlerts/POWER_BI_PRO", headers=admin).status_code == 404


def test_a_url_is_resolved_before_the_write_transaction(db, client, admin, monkeypatch):
    """Resolving a name can take seconds; SQLite's write transaction locks the database."""
    if not db.is_sqlite:
        pytest.skip("the database-wide write lock is SQLite's")
    locked_while_resolving: list[bool] = []

    def resolve(host: str, port: int) -> list[webhook_urls.IpAddress]:
        probe = sqlite3.connect(db.engine.url.database, timeout=0)
        try:
            probe.execute("BEGIN IMMEDIATE")
            locked_while_resolving.append(False)
        except sqlite3.OperationalError:
            locked_while_resolving.append(True)
        finally:
            probe.close()
        return [ipaddress.ip_address("8.8.8.8")]  # public: allowed without the setting

    monkeypatch.setattr(webhook_urls, "_resolve", resolve)
    created = client.post(
        "/admin/webhooks",
        headers=admin,
        json={"url": "https://hooks.example.com/a", "events": ["*"]},
    )
    assert created.status_code == 201, created.text
    changed = client.patch(
        f"/admin/webhooks/{created.json()['id']}",
        headers=admin,
        json={"url": "https://hooks.example.com/b"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["url"] == "https://hooks.example.com/b"
    assert locked_while_resolving == [False, False]
