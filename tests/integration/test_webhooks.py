"""Events and webhooks: the outbox commits with its cause, deliveries are signed, ordered,
retried, filtered, and refused to private addresses unless allowed."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update
from webhook_receiver import Behaviour, Receiver

from seatplan.processing import delivery, webhook_payloads, worker
from seatplan.services import (
    catalog,
    groups,
    licenses,
    lookup,
    outbox,
    subscriptions,
    users,
    webhooks,
)
from seatplan.services.errors import BadRequest
from seatplan.services.outbox import Policy
from seatplan.settings import get_settings
from seatplan.store.tables import OutboxEvent, WebhookDelivery, WebhookEndpoint
from seatplan.store.types import utcnow

PBI = "POWER_BI_PRO"
FAST = Policy(retry_seconds=0.01, max_retry_seconds=0.02, disable_after_seconds=3600)


@pytest.fixture
def allow_private(monkeypatch):
    monkeypatch.setenv("SEATPLAN_WEBHOOK_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


def sender(policy: Policy = FAST) -> delivery.Sender:
    return delivery.Sender(policy, True, httpx.Client(timeout=2.0), "test-worker")


def marketing(db, *, members: int, seats: int) -> None:
    """Marketing: `members` users in the US; Power BI Pro with `seats` seats, assigned."""
    with db.writing() as s:
        subscriptions.set_units(s, sku=PBI, units=seats)
        group = groups.create(s, display_name="Marketing")
        for n in range(members):
            user = users.create(s, user_principal_name=f"m{n}@contoso.com", usage_location="US")
            groups.add_member(s, group=group, user=user)
        sku = catalog.find_product(s, PBI).sku_id
        licenses.assign_to_group(s, group=group, add={sku: frozenset()}, remove=[])


def endpoint(db, receiver, path="/hook", **options):
    options.setdefault("event_types", ["*"])
    with db.writing() as s:
        found = webhooks.create(s, url=webhooks.check_url(receiver.url(path)), **options)
        receiver.secrets[path] = found.secret
        return found.id


def events_of(db, kind=None):
    with db.reading() as s:
        query = select(OutboxEvent).order_by(OutboxEvent.id)
        if kind is not None:
            query = query.where(OutboxEvent.type == kind)
        return [(e.type, e.data) for e in s.scalars(query)]


def test_license_events_commit_with_the_batch_and_name_every_user(db, allow_private, receiver):
    marketing(db, members=5, seats=2)
    endpoint(db, receiver, event_types=["license.error", "license.active"])
    worker.drain(db, batch_size=100)

    active = events_of(db, "license.active")
    errors = events_of(db, "license.error")
    assert [data["userCount"] for _, data in active] == [2]
    assert [data["userCount"] for _, data in errors] == [3]
    error = errors[0][1]
    assert error["error"] == "CountViolation"
    assert error["source"]["displayName"] == "Marketing"
    assert error["product"]["skuPartNumber"] == PBI
    assert len(set(error["userIds"]) | set(active[0][1]["userIds"])) == 5
    assert len(events_of(db, "group.processingFinished")) == 1
    with db.reading() as s:  # two of the events are wanted by the endpoint
        assert s.scalar(select(func.count()).select_from(WebhookDelivery)) == 2


def test_nothing_rolled_back_emits_an_event(db, allow_private, receiver):
    endpoint(db, receiver)
    written = []

    def change_then_fail() -> None:
        with db.writing() as s:
            subscriptions.set_units(s, sku=PBI, units=3)
            written.append(s.scalar(select(func.count()).select_from(OutboxEvent)))
            raise RuntimeError("the change fails after its event was written")

    with pytest.raises(RuntimeError):
        change_then_fail()
    assert written == [1]
    assert events_of(db) == []
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(WebhookDelivery)) == 0


def test_deliveries_are_signed_in_order_and_verified_by_the_library(db, allow_private, receiver):
    endpoint(db, receiver)
    marketing(db, members=5, seats=2)
    worker.drain(db, batch_size=2)  # several batches: several events
    made = delivery.deliver_due(db, sender())
    sent = events_of(db)
    assert made == len(sent) > 3
    got = receiver.accepted()
    assert all(r.verified for r in receiver.received)
    assert [r.body["type"] for r in got] == [kind for kind, _ in sent]
    with db.reading() as s:
        ids = list(s.scalars(select(OutboxEvent.message_id).order_by(OutboxEvent.id)))
        states = set(s.scalars(select(WebhookDelivery.status)))
    assert [r.message_id for r in got] == ids
    assert states == {"succeeded"}


def test_slack_and_teams_messages_say_what_happened(db, allow_private, receiver):
    endpoint(db, receiver, "/slack", event_types=["license.error"], format_="slack")
    endpoint(db, receiver, "/teams", event_types=["license.error"], format_="teams")
    marketing(db, members=5, seats=2)
    worker.drain(db, batch_size=100)
    delivery.deliver_due(db, sender())
    text = "3 users in Marketing are in error: not enough Power BI Pro"
    assert [r.body for r in receiver.accepted("/slack")] == [{"text": text}]
    (teams,) = receiver.accepted("/teams")
    card = teams.body["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["body"][0]["text"] == text


def test_a_failing_receiver_is_retried_until_it_answers(db, allow_private):
    receiver = Receiver(behaviour=Behaviour(fail_first=2))
    try:
        endpoint(db, receiver)
        with db.writing() as s:
            subscriptions.set_units(s, sku=PBI, units=3)
        send = sender()
        for _ in range(200):
            delivery.deliver_due(db, send)
            if receiver.accepted():
                break
        assert [r.answered for r in receiver.received] == [500, 500, 200]
        assert len({r.message_id for r in receiver.received}) == 1  # the same webhook-id
        with db.reading() as s:
            row = s.scalars(select(WebhookDelivery)).one()
            ep = s.scalars(select(WebhookEndpoint)).one()
        assert (row.status, row.attempts, row.response_status) == ("succeeded", 3, 200)
        assert ep.failing_since is None
        assert ep.enabled
    finally:
        receiver.close()


def test_backoff_grows_with_jitter_up_to_its_ceiling():
    policy = Policy(retry_seconds=10, max_retry_seconds=3600)
    for attempts, ceiling in [(1, 10), (2, 20), (5, 160), (20, 3600)]:
        delays = {policy.retry_delay(attempts) for _ in range(20)}
        assert all(
            timedelta(seconds=ceiling / 2) <= d <= timedelta(seconds=ceiling) for d in delays
        )
        assert len(delays) > 1


def test_an_endpoint_failing_for_a_day_is_disabled_with_the_reason(db, allow_private):
    receiver = Receiver(behaviour=Behaviour(status=500))
    try:
        endpoint_id = endpoint(db, receiver)
        with db.writing() as s:
            subscriptions.set_units(s, sku=PBI, units=3)
        delivery.deliver_due(db, sender(Policy(retry_seconds=3600)))
        with db.writing() as s:  # the first failure was a day ago
            s.execute(
                update(WebhookEndpoint).values(
                    failing_since=utcnow() - timedelta(days=1), retry_at=None
                )
            )
        delivery.deliver_due(db, sender(Policy(retry_seconds=0.01)))
        with db.reading() as s:
            ep = s.get(WebhookEndpoint, endpoint_id)
            row = s.scalars(select(WebhookDelivery)).one()
        assert not ep.enabled
        assert "no delivery succeeded since" in ep.disabled_reason
        assert "HTTP 500" in ep.disabled_reason
        assert (row.status, row.attempts) == ("pending", 2)  # kept, sent once enabled again
        receiver.behaviour.status = 200
        with db.writing() as s:
            webhooks.update(s, s.get(WebhookEndpoint, endpoint_id), enabled=True)
        delivery.deliver_due(db, sender())
        assert len(receiver.accepted()) == 1
    finally:
        receiver.close()


def test_filters_send_only_the_events_of_a_product_or_group(db, allow_private, receiver):
    marketing(db, members=2, seats=5)
    with db.writing() as s:
        sales = groups.create(s, display_name="Sales")
        groups.add_member(s, group=sales, user=lookup.user(s, "m0@contoso.com"))
    endpoint(db, receiver, "/sales", group="Sales")
    endpoint(db, receiver, "/pbi", sku=PBI)
    endpoint(db, receiver, "/e3", sku="ENTERPRISEPACK")
    worker.drain(db, batch_size=100)
    delivery.deliver_due(db, sender())
    assert receiver.accepted("/sales") == []
    assert {r.body["type"] for r in receiver.accepted("/pbi")} == {"license.active"}
    assert receiver.accepted("/e3") == []


def test_test_events_and_redeliveries_reuse_nothing_but_the_event(db, allow_private, receiver):
    endpoint_id = endpoint(db, receiver)
    with db.writing() as s:
        found = s.get(WebhookEndpoint, endpoint_id)
        test, _ = webhooks.send_test(s, found)
        test_id = test.id
    delivery.deliver_due(db, sender())
    with db.writing() as s:
        again, _ = webhooks.redeliver(s, s.get(WebhookEndpoint, endpoint_id), test_id)
        assert again.id != test_id
    delivery.deliver_due(db, sender())
    got = receiver.accepted()
    assert [r.body["type"] for r in got] == ["webhook.test", "webhook.test"]
    assert got[0].message_id == got[1].message_id  # one event: one idempotency id


def test_seat_alerts_and_exhaustion(db, allow_private, receiver):
    with db.writing() as s:
        webhooks.set_seat_alert(s, sku=PBI, below=2)
    marketing(db, members=3, seats=3)
    worker.drain(db, batch_size=1)  # one seat at a time: 3, 2, 1 (under 2), 0
    kinds = [kind for kind, _ in events_of(db)]
    assert kinds.count("seats.low") == 1
    assert kinds.count("seats.exhausted") == 1
    low = events_of(db, "seats.low")[0][1]
    assert (low["available"], low["below"]) == (1, 2)
    changed = events_of(db, "subscription.changed")[0][1]
    assert (changed["change"], changed["enabledUnits"]) == ("created", 3)


def test_private_addresses_are_refused_unless_allowed(db, monkeypatch):
    monkeypatch.delenv("SEATPLAN_WEBHOOK_ALLOW_PRIVATE", raising=False)
    get_settings.cache_clear()
    try:
        for url in [
            "http://127.0.0.1:9/hook",
            "http://localhost/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://10.0.0.8/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "ftp://example.com/",
            "http://user:pw@example.com/",
        ]:
            with pytest.raises(BadRequest):
                webhooks.check_url(url)
    finally:
        get_settings.cache_clear()


def test_the_address_is_checked_again_when_sending(db, allow_private, receiver):
    endpoint_id = endpoint(db, receiver)
    with db.writing() as s:
        webhooks.send_test(s, s.get(WebhookEndpoint, endpoint_id))
    guarded = delivery.Sender(FAST, False, httpx.Client(timeout=2.0), "guarded")
    delivery.deliver_due(db, guarded)
    assert receiver.received == []
    with db.reading() as s:
        row = s.scalars(select(WebhookDelivery)).one()
    assert row.status == "pending"
    assert "loopback" in row.error


def test_messages_cover_every_event_type():
    data = {"product": {"displayName": "Power BI Pro"}, "userCount": 1, "source": {}}
    for kind in webhooks.SUBSCRIBABLE:
        assert webhook_payloads.message(kind, data) != kind


def test_old_events_are_pruned_once_no_endpoint_waits_for_them(db, allow_private, receiver):
    endpoint(db, receiver)
    for units in (3, 4):
        with db.writing() as s:
            subscriptions.set_units(s, sku=PBI, units=units)
    delivery.deliver_due(db, sender(Policy(retry_seconds=3600)))
    with db.writing() as s:  # a third event, still waiting for its endpoint
        subscriptions.set_units(s, sku=PBI, units=5)
    later = utcnow() + timedelta(days=31)
    with db.writing() as s:
        assert outbox.prune(s, retention=timedelta(days=30), now=later) == 2
    assert [data["enabledUnits"] for _, data in events_of(db)] == [5]
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
