"""`/v1.0/subscriptions` as Graph: the validationToken handshake, Graph's limits and errors,
and notifications in Graph's shape made from the change log, delivered and retried."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.integration.api_support import bearer, error_of, make_group, make_user, row_counts
from webhook_receiver import Behaviour, Receiver

from seatplan.processing import delivery
from seatplan.server import create_app
from seatplan.services import tokens
from seatplan.services.outbox import Policy
from seatplan.settings import Settings, get_settings
from seatplan.store.tables import OutboxEvent


@pytest.fixture
def allow_private(monkeypatch):
    monkeypatch.setenv("SEATPLAN_WEBHOOK_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def receiver(allow_private):
    found = Receiver()
    yield found
    found.close()


def later(minutes: int) -> str:
    return (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def deliver(db) -> None:
    sender = delivery.Sender(Policy(retry_seconds=0.01), True, httpx.Client(), "graph-test")
    delivery.deliver_due(db, sender)


def subscribe(client, headers, receiver, resource="users", change="created,updated,deleted"):
    body = {
        "changeType": change,
        "notificationUrl": receiver.url("/graph"),
        "resource": resource,
        "expirationDateTime": later(60),
        "clientState": "secretClientValue",
    }
    answer = client.post("/v1.0/subscriptions", headers=headers, json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def notifications(receiver):
    return [item for r in receiver.received if r.path == "/graph" for item in r.body["value"]]


def test_users_subscription_is_validated_and_notified_in_graphs_shape(db, client, admin, receiver):
    created = subscribe(client, admin, receiver)
    assert created["@odata.context"].endswith("/v1.0/$metadata#subscriptions/$entity")
    assert created["clientState"] == "secretClientValue"
    assert created["resource"] == "users"
    assert receiver.validations
    assert receiver.validations[0].startswith("Validation: ")
    assert (
        client.get(f"/v1.0/subscriptions/{created['id']}", headers=admin).json()["id"]
        == created["id"]
    )
    listed = client.get("/v1.0/subscriptions", headers=admin).json()["value"]
    assert [s["id"] for s in listed] == [created["id"]]

    alice = make_user(client, admin, "alice")
    client.patch(f"/v1.0/users/{alice}", headers=admin, json={"jobTitle": "Analyst"})
    client.delete(f"/v1.0/users/{alice}", headers=admin)
    deliver(db)
    got = notifications(receiver)
    assert [n["changeType"] for n in got] == ["created", "updated", "deleted"]
    tenant = client.get("/v1.0/organization", headers=admin).json()["value"][0]["id"]
    first = got[0]
    assert first["subscriptionId"] == created["id"]
    assert first["clientState"] == "secretClientValue"
    assert first["tenantId"] == tenant
    assert first["resource"] == f"Users/{alice}"
    assert first["subscriptionExpirationDateTime"] == created["expirationDateTime"]
    assert first["resourceData"] == {
        "@odata.type": "#Microsoft.Graph.User",
        "@odata.id": f"Users/{alice}",
        "id": alice,
        "organizationId": tenant,
    }
    assert len({n["id"] for n in got}) == 3


def test_group_members_and_change_type_filters(db, client, admin, receiver):
    bob = make_user(client, admin, "bob")
    sales = make_group(client, admin, "Sales")
    other = make_group(client, admin, "Other")
    members = subscribe(client, admin, receiver, f"groups/{sales}/members", "created,deleted")
    groups = subscribe(client, admin, receiver, "groups", "updated")
    for group in (sales, other):
        client.post(
            f"/v1.0/groups/{group}/members/$ref",
            headers=admin,
            json={"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{bob}"},
        )
    client.delete(f"/v1.0/groups/{sales}/members/{bob}/$ref", headers=admin)
    make_group(client, admin, "Created, not wanted")
    deliver(db)
    got = notifications(receiver)
    of_members = [n for n in got if n["subscriptionId"] == members["id"]]
    assert [(n["changeType"], n["resource"]) for n in of_members] == [
        ("created", f"Groups/{sales}/members/{bob}"),
        ("deleted", f"Groups/{sales}/members/{bob}"),
    ]
    of_groups = [n for n in got if n["subscriptionId"] == groups["id"]]
    assert {n["changeType"] for n in of_groups} == {"updated"}
    deltas = [n["resourceData"]["members@delta"] for n in of_groups]
    assert [{"id": bob}] in deltas
    assert [{"id": bob, "@removed": {"reason": "deleted"}}] in deltas


def test_graphs_errors_and_nothing_written(db, client, admin, allow_private):
    refusing = Receiver(behaviour=Behaviour(validate=False))
    try:
        before = row_counts(db)
        base = {
            "changeType": "updated",
            "notificationUrl": refusing.url("/graph"),
            "resource": "users",
            "expirationDateTime": later(60),
        }
        for changes, status, code, words in [
            ({}, 400, "InvalidRequest", "Response must exactly match validationToken"),
            ({"expirationDateTime": later(41761)}, 400, "ExtensionError", "41760 minutes"),
            ({"expirationDateTime": later(-1)}, 400, "InvalidRequest", "in the future"),
            ({"resource": "me/messages"}, 400, "InvalidRequest", "not supported"),
            ({"changeType": "moved"}, 400, "InvalidRequest", "changeType"),
            (
                {"resource": "groups/00000000-0000-0000-0000-000000000001/members"},
                404,
                "ResourceNotFound",
                "does not exist",
            ),
            ({"notificationUrl": "http://127.0.0.1:1/none"}, 400, "InvalidRequest", "200 OK"),
        ]:
            answer = client.post("/v1.0/subscriptions", headers=admin, json={**base, **changes})
            found = error_of(answer)
            assert found[:2] == (status, code), (changes, found)
            assert words in found[2], (changes, found)
        assert row_counts(db) == before
        missing = client.get(
            "/v1.0/subscriptions/7f105c7d-2dc5-4530-97cd-4e7ae6534c07", headers=admin
        )
        assert error_of(missing)[:2] == (404, "ResourceNotFound")
    finally:
        refusing.close()


def test_renew_delete_and_permissions(db, client, admin, receiver):
    created = subscribe(client, admin, receiver, "groups", "updated")
    path = f"/v1.0/subscriptions/{created['id']}"
    renewed = client.patch(path, headers=admin, json={"expirationDateTime": later(41000)})
    assert renewed.status_code == 200
    assert renewed.json()["expirationDateTime"] > created["expirationDateTime"]
    too_far = client.patch(path, headers=admin, json={"expirationDateTime": later(50000)})
    assert error_of(too_far)[:2] == (400, "ExtensionError")

    users_only = bearer(db, "User.Read.All")
    body = {
        "changeType": "updated",
        "notificationUrl": receiver.url("/graph"),
        "resource": "groups",
        "expirationDateTime": later(60),
    }
    denied = client.post("/v1.0/subscriptions", headers=users_only, json=body)
    assert error_of(denied)[:2] == (403, "Authorization_RequestDenied")
    assert client.delete(path, headers=admin).status_code == 204
    assert client.get(path, headers=admin).status_code == 404
    assert client.get("/admin/webhooks", headers=admin).json() == []  # its endpoint is hidden


def test_an_app_sees_only_its_own_subscriptions_and_an_administrator_all(db, client, receiver):
    """As Graph: an app lists, reads, renews and deletes the subscriptions it created;
    another app's are not found; an administrator's token sees every one."""
    first, second = bearer(db, "User.Read.All"), bearer(db, "User.Read.All")
    administrator = bearer(db, tokens.ADMIN, "User.Read.All")
    mine = subscribe(client, first, receiver)
    theirs = subscribe(client, second, receiver)

    def listed(headers):
        return [s["id"] for s in client.get("/v1.0/subscriptions", headers=headers).json()["value"]]

    assert listed(first) == [mine["id"]]
    assert listed(second) == [theirs["id"]]
    assert listed(administrator) == [mine["id"], theirs["id"]]
    path = f"/v1.0/subscriptions/{theirs['id']}"
    assert error_of(client.get(path, headers=first))[0] == 404
    renew = {"expirationDateTime": later(120)}
    assert error_of(client.patch(path, headers=first, json=renew))[0] == 404
    assert error_of(client.delete(path, headers=first))[0] == 404
    assert client.get(path, headers=second).status_code == 200
    assert client.get(path, headers=administrator).status_code == 200
    assert client.delete(path, headers=administrator).status_code == 204
    assert listed(second) == []


def test_a_failing_receiver_gets_its_notifications_again(db, client, admin, allow_private):
    receiver = Receiver(behaviour=Behaviour(fail_first=1))
    try:
        subscribe(client, admin, receiver)
        make_user(client, admin, "carol")
        for _ in range(100):
            deliver(db)
            if receiver.accepted("/graph") or any(r.answered == 200 for r in receiver.received):
                break
        answers = [r.answered for r in receiver.received]
        assert answers[:2] == [500, 200]
        assert receiver.received[0].message_id == receiver.received[1].message_id
    finally:
        receiver.close()


def test_a_slow_handshake_does_not_use_up_the_statements_time(db, allow_private):
    """The receiver may take its time to validate: the request's statement time limit
    starts again once it has answered."""
    # A limit that the request's own statements meet even on a loaded machine, and a
    # handshake that alone takes longer than it.
    limit = 3.0
    settings = Settings(
        database_url=db.url, secret_key="test-secret", statement_timeout_seconds=limit
    )
    receiver = Receiver(behaviour=Behaviour(validate_delay=limit + 1.0))
    try:
        with TestClient(create_app(db, settings)) as client:
            created = subscribe(client, bearer(db, *tokens.PERMISSIONS), receiver)
        assert receiver.validations
        assert created["resource"] == "users"
    finally:
        receiver.close()


def test_workers_notifying_at_once_queue_each_change_once(db, client, admin, receiver):
    """Two notifiers racing for the same changes: the cursor's row lock lets one take them."""
    subscribe(client, admin, receiver, "users", "created")
    for name in ("ann", "ben", "cat", "dan"):
        make_user(client, admin, name)
    start = threading.Barrier(3)
    counts: list[int] = []

    def notifier() -> None:
        start.wait()
        counts.append(delivery.notify(db))

    threads = [threading.Thread(target=notifier) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(counts) == [0, 0, 4]
    with db.reading() as s:
        queued = [e.data["value"] for e in s.scalars(select(OutboxEvent))]
    assert [len(value) for value in queued] == [4]
    assert delivery.notify(db) == 0
