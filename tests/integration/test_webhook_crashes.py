"""Workers killed between an event's commit and its delivery, or after a delivery before it
is recorded, and several workers sharing the outbox with a receiver that is slow, fails
or drops the connection: every event arrives at least once, in order per endpoint, and
nothing arrives that was not committed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import scale_support as scale
from sqlalchemy import select
from webhook_receiver import Behaviour, Receiver

from seatplan.services import subscriptions, webhooks
from seatplan.store.tables import OutboxEvent, WebhookDelivery, WebhookEndpoint

DELIVER = (
    "import sys\n"
    "from seatplan.store.db import Database\n"
    "from seatplan.processing import delivery\n"
    "delivery.deliver_due(Database(sys.argv[1]), delivery.Sender.from_settings())\n"
)
#: A lease longer than a request may take, as in production (60 s and 10 s): a worker killed
#: mid-request keeps the endpoint until its request is surely over, so no other worker sends
#: to the endpoint at the same time.
LEASE_SECONDS = 3.0
FAST = {
    "SEATPLAN_WEBHOOK_ALLOW_PRIVATE": "true",
    "SEATPLAN_WEBHOOK_RETRY_SECONDS": "0.05",
    "SEATPLAN_WEBHOOK_MAX_RETRY_SECONDS": "0.2",
    "SEATPLAN_WEBHOOK_LEASE_SECONDS": str(LEASE_SECONDS),
    "SEATPLAN_WEBHOOK_TIMEOUT_SECONDS": "2",
}


def deliver_in_process(url: str, failpoint: str = "") -> int:
    env = {**os.environ, **FAST, "SEATPLAN_FAILPOINT": failpoint}
    done = subprocess.run([sys.executable, "-c", DELIVER, url], env=env, timeout=120, check=False)
    return done.returncode


def add_endpoint(db, receiver: Receiver, path: str) -> None:
    with db.writing() as s:
        webhooks_endpoint = webhooks.create(
            s, url=webhooks.check_url(receiver.url(path)), event_types=["*"]
        )
        receiver.secrets[path] = webhooks_endpoint.secret


def expected_ids(db, path: str) -> list[str]:
    """The webhook-ids the endpoint of `path` must receive, in order."""
    with db.reading() as s:
        return list(
            s.scalars(
                select(OutboxEvent.message_id)
                .join(WebhookDelivery, WebhookDelivery.event_id == OutboxEvent.id)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(WebhookEndpoint.url.endswith(path))
                .order_by(WebhookDelivery.id)
            )
        )


def first_arrivals(receiver: Receiver, path: str) -> list[str]:
    return list(dict.fromkeys(r.message_id for r in receiver.accepted(path)))


def all_delivered(db) -> bool:
    with db.reading() as s:
        return set(s.scalars(select(WebhookDelivery.status))) == {"succeeded"}


@pytest.fixture
def allow_private(monkeypatch):
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize(
    "failpoint", ["before-send:1", "before-send:3", "after-send:1", "after-send:3"]
)
def test_a_killed_sender_loses_no_event_and_keeps_the_order(
    db, database_url, allow_private, failpoint
):
    receiver = Receiver()
    try:
        add_endpoint(db, receiver, "/hook")
        for units in (5, 6, 7, 8, 9):  # five committed events, none sent
            with db.writing() as s:
                subscriptions.set_units(s, sku="POWER_BI_PRO", units=units)
        assert deliver_in_process(database_url, failpoint) == -signal.SIGKILL
        before = len(receiver.accepted())
        assert not all_delivered(db)
        time.sleep(LEASE_SECONDS + 0.2)  # the dead worker's lease runs out
        assert deliver_in_process(database_url) == 0
        expected = expected_ids(db, "/hook")
        assert len(expected) == 5
        assert first_arrivals(receiver, "/hook") == expected
        assert all(r.verified for r in receiver.received)
        assert all_delivered(db)
        if failpoint.startswith("after-send"):  # sent, not recorded: sent again
            assert len(receiver.accepted()) == len(expected) + 1
            assert before == int(failpoint.split(":")[1])
        else:
            assert len(receiver.accepted()) == len(expected)
    finally:
        receiver.close()


def worker(url: str, **extra: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        **FAST,
        "SEATPLAN_DATABASE_URL": url,
        "SEATPLAN_BATCH_SIZE": "40",
        "SEATPLAN_POLL_SECONDS": "0.05",
        **extra,
    }
    return subprocess.Popen(
        [sys.executable, "-c", "from seatplan.cli.main import app; app()", "worker"],
        env=env,
        stderr=subprocess.DEVNULL,
    )


def test_several_workers_share_the_outbox_with_an_unreliable_receiver(
    db, database_url, allow_private
):
    receiver = Receiver(
        behaviour=Behaviour(fail_rate=0.15, drop_rate=0.1, slow_rate=0.1, slow_seconds=0.2)
    )
    workers: list[subprocess.Popen[bytes]] = []
    try:
        scale.build(db, members=400, seats=300)
        for path in ("/a", "/b", "/c"):
            add_endpoint(db, receiver, path)
        with db.writing() as s:
            webhooks.set_seat_alert(s, sku=scale.E3, below=50)
        workers = [worker(database_url) for _ in range(3)]
        scale.assign(db)
        time.sleep(1.0)
        workers[0].send_signal(signal.SIGKILL)  # mid-way: its batch and its lease are lost
        workers[0].wait(timeout=10)
        workers.append(worker(database_url))
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if scale.queued(db) == 0 and all_delivered(db):
                break
            time.sleep(0.2)
        assert scale.queued(db) == 0
        assert all_delivered(db)
        with db.reading() as s:
            committed = set(s.scalars(select(OutboxEvent.message_id)))
        for path in ("/a", "/b", "/c"):
            expected = expected_ids(db, path)
            assert len(expected) > 10
            assert first_arrivals(receiver, path) == expected
        assert {r.message_id for r in receiver.received} <= committed
        assert all(r.verified for r in receiver.received)
        assert receiver.most_in_flight == 1  # never two requests to one endpoint at once
        assert any(r.answered != 200 for r in receiver.received)  # the faults did happen
    finally:
        for process in workers:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in workers:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        receiver.close()
