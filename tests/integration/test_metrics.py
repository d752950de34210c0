"""`GET /metrics`: scraped and parsed with prometheus_client's own parser, on both databases.

The database's gauges (queue, seats, assignments in error) and the workers' counters
follow what is in it; HTTP requests are counted by route template and status; only
loopback clients, or those with the metrics token, read them.
"""

from __future__ import annotations

import json
import re
import socket
import sqlite3
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from sqlalchemy.exc import OperationalError
from tests.integration.api_support import E3, bearer, buy, make_group, make_user
from tests.integration.metrics_support import Samples, parse, series, value
from webhook_receiver import Behaviour, Receiver

from seatplan.processing import delivery, worker
from seatplan.server import create_app
from seatplan.services import gauges, tokens, webhooks
from seatplan.services.outbox import Policy
from seatplan.settings import Settings, get_settings
from seatplan.store.db import Database
from seatplan.store.tables import QueuedUser, WebhookEndpoint
from seatplan.store.types import utcnow

DOCS = Path(__file__).parents[2] / "docs"
LOOPBACK = ("127.0.0.1", 40000)
ELSEWHERE = ("10.1.2.3", 40000)


def _app(db: Database, **settings: object) -> TestClient:
    return TestClient(
        create_app(db, Settings(database_url=db.url, secret_key="test", **settings)),
        client=LOOPBACK,
    )


@pytest.fixture
def local(db: Database) -> Iterator[TestClient]:
    """The app, seen from loopback (where /metrics needs no token by default)."""
    with _app(db) as client:
        yield client


def scrape(client: TestClient, **headers: str) -> Samples:
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    return parse(answer.text)


def _queue_group_of_three(db: Database, client: TestClient) -> None:
    """Two E3 seats for three members of Sales: one of them ends in CountViolation."""
    headers = bearer(db, *tokens.PERMISSIONS)
    buy(db, units=2)
    members = [make_user(client, headers, name) for name in ("ann", "bob", "cat")]
    group = make_group(client, headers, "Sales", *members)
    queued = client.post(
        f"/v1.0/groups/{group}/assignLicense",
        headers=headers,
        json={"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []},
    )
    assert queued.status_code == 202, queued.text


def test_the_gauges_and_the_workers_counters_follow_the_database(db, local):
    _queue_group_of_three(db, local)
    before = scrape(local)
    assert value(before, "seatplan_database_up") == 1
    assert value(before, "seatplan_queue_users") == 3
    assert value(before, "seatplan_worker_batches_total") == 0
    with db.writing() as session:
        session.execute(update(QueuedUser).values(enqueued_at=utcnow() - timedelta(minutes=5)))
    waited = value(scrape(local), "seatplan_queue_oldest_wait_seconds")
    assert 300 <= waited < 400

    worker.drain(db, batch_size=1)  # one batch per user

    after = scrape(local)
    assert value(after, "seatplan_queue_users") == 0
    assert value(after, "seatplan_queue_oldest_wait_seconds") == 0
    assert value(after, "seatplan_seats_enabled", sku="ENTERPRISEPACK") == 2
    assert value(after, "seatplan_seats_assigned", sku="ENTERPRISEPACK") == 2
    assert value(after, "seatplan_seats_available", sku="ENTERPRISEPACK") == 0
    # A product nobody bought has no series.
    assert ("seatplan_seats_enabled", frozenset({("sku", "SPE_E5")})) not in after
    assert series(after, "seatplan_license_assignments_in_error") == {
        frozenset({("sku", "ENTERPRISEPACK"), ("state", "Error"), ("error", "CountViolation")}): 1
    }
    assert value(after, "seatplan_worker_batches_total") == 3
    assert value(after, "seatplan_worker_users_total") == 3
    histogram = "seatplan_worker_batch_duration_seconds"
    assert value(after, f"{histogram}_count") == 3
    assert value(after, f"{histogram}_sum") > 0
    buckets = sorted(
        (float(dict(labels)["le"]), count)
        for labels, count in series(after, f"{histogram}_bucket").items()
    )
    assert buckets[-1] == (float("inf"), 3)
    counts = [count for _, count in buckets]
    assert counts == sorted(counts)  # cumulative, as Prometheus reads them


def test_a_batch_that_rolls_back_counts_nothing(db, local, monkeypatch):
    _queue_group_of_three(db, local)

    def fail(name: str) -> None:
        if name == "after-write":
            raise RuntimeError("the worker dies before committing")

    monkeypatch.setattr("seatplan.processing.failpoints.reach", fail)
    with pytest.raises(RuntimeError):
        worker.drain(db, batch_size=10)
    samples = scrape(local)
    assert value(samples, "seatplan_worker_batches_total") == 0
    assert value(samples, "seatplan_queue_users") == 3


def test_http_requests_are_counted_by_route_template_and_status(db, local):
    headers = bearer(db, "User.ReadWrite.All")
    user = make_user(local, headers, "ann")
    before = scrape(local)
    for _ in range(2):
        assert local.get(f"/v1.0/users/{user}", headers=headers).status_code == 200
    assert local.get(f"/v1.0/users/{uuid4()}", headers=headers).status_code == 404
    assert local.get("/v1.0/no/such/thing", headers=headers).status_code == 404
    after = scrape(local)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    route = "/v1.0/users/{user_id}"
    total = "seatplan_http_requests_total"
    assert delta(total, method="GET", route=route, status="200") == 2
    assert delta(total, method="GET", route=route, status="404") == 1
    assert delta(total, method="GET", route="unmatched", status="404") == 1
    # The scrape before this one was counted too.
    assert delta(total, method="GET", route="/metrics", status="200") == 1
    histogram = "seatplan_http_request_duration_seconds"
    assert delta(f"{histogram}_count", method="GET", route=route) == 3
    assert delta(f"{histogram}_bucket", method="GET", route=route, le="+Inf") == 3
    # No path, only templates: no series names this user.
    assert not any(user in str(labels) for (_, labels) in after)


def test_the_database_down_still_answers_with_the_process_metrics(sqlite_db, monkeypatch):
    def unreachable(_session: object) -> gauges.Gauges:
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("unable to open database"))

    with _app(sqlite_db) as client:
        client.get("/healthz")
        monkeypatch.setattr(gauges, "read", unreachable)
        samples = scrape(client)
    assert value(samples, "seatplan_database_up") == 0
    assert value(
        samples, "seatplan_http_requests_total", method="GET", route="/healthz", status="200"
    )
    assert not series(samples, "seatplan_queue_users")


def test_only_loopback_reads_metrics_without_the_token(sqlite_db):
    app = create_app(sqlite_db, Settings(database_url=sqlite_db.url, secret_key="test"))
    with TestClient(app, client=ELSEWHERE) as remote:
        refused = remote.get("/metrics")
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "Authorization_RequestDenied"
        assert "SEATPLAN_METRICS_TOKEN" in refused.json()["error"]["message"]
        # A Seatplan API token is not the metrics token.
        api_token = bearer(sqlite_db, *tokens.PERMISSIONS)
        assert remote.get("/metrics", headers=api_token).status_code == 403
    for host in ("127.0.0.1", "::1"):
        with TestClient(app, client=(host, 40000)) as local:
            assert local.get("/metrics").status_code == 200


def test_the_metrics_token(sqlite_db):
    token = "metrics-" + uuid4().hex
    settings = Settings(
        database_url=sqlite_db.url,
        secret_key="test",
        metrics_token=token,
        metrics_open_on_loopback=False,
    )
    app = create_app(sqlite_db, settings)
    for client in (ELSEWHERE, LOOPBACK):
        with TestClient(app, client=client) as remote:
            missing = remote.get("/metrics")
            assert missing.status_code == 401
            assert missing.json()["error"]["code"] == "InvalidAuthenticationToken"
            wrong = remote.get("/metrics", headers={"Authorization": f"Bearer {token}x"})
            assert wrong.status_code == 401
            samples = scrape(remote, Authorization=f"Bearer {token}")
            assert value(samples, "seatplan_database_up") == 1


def test_the_sample_dashboard_reads_metrics_that_exist(sqlite_db):
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text())
    used = {
        name
        for panel in dashboard["panels"]
        for target in panel["targets"]
        for name in re.findall(r"\bseatplan_\w+", target["expr"])
    }
    buy(sqlite_db, units=1)
    with _app(sqlite_db) as client:
        headers = bearer(sqlite_db, "User.ReadWrite.All")
        make_user(client, headers, "ann")
        worker.drain(sqlite_db, batch_size=10)
        answer = client.get("/metrics")
    exposed = {
        name
        for family in text_string_to_metric_families(answer.text)
        for name in (family.name, *(sample.name for sample in family.samples))
    }
    assert used
    assert used <= exposed, used - exposed


def test_webhook_deliveries_pending_and_endpoints_by_state(db, local):
    """Read from the outbox's tables: what is still to deliver, and how endpoints fare."""
    with db.writing() as session:
        endpoints = [
            WebhookEndpoint(
                url=f"https://hooks.example.com/{name}",
                event_types="*",
                secret=webhooks.new_secret(),
                enabled=name != "off",
                failing_since=utcnow() if name == "failing" else None,
                created=utcnow(),
            )
            for name in ("ok", "ok2", "failing", "off")
        ]
        session.add_all(endpoints)
        session.flush()
        sent = [webhooks.send_test(session, endpoint)[0] for endpoint in endpoints[:3]]
        sent[2].attempts = 3  # tried and failed: retried later; sent[1] not tried yet
        sent[0].status = "succeeded"  # delivered: no longer pending
    samples = scrape(local)
    assert series(samples, "seatplan_webhook_deliveries_pending") == {
        frozenset({("state", "waiting")}): 1,
        frozenset({("state", "retrying")}): 1,
    }
    assert series(samples, "seatplan_webhook_endpoints") == {
        frozenset({("state", "ok")}): 2,
        frozenset({("state", "failing")}): 1,
        frozenset({("state", "disabled")}): 1,
    }


def test_webhook_attempts_are_counted_by_result_with_their_record(db, local, monkeypatch):
    monkeypatch.setenv("SEATPLAN_WEBHOOK_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    receiver = Receiver(behaviour=Behaviour(fail_first=1))
    closed = f"http://127.0.0.1:{_closed_port()}/hook"
    try:
        with db.writing() as session:
            for url in (receiver.url(), closed):
                endpoint = webhooks.create(session, url=webhooks.check_url(url), event_types=["*"])
                webhooks.send_test(session, endpoint)
        sender = delivery.Sender(Policy(retry_seconds=3600), True, httpx.Client(), "metrics")
        delivery.deliver_due(db, sender)  # the receiver answers 500; the closed port nothing
        with db.writing() as session:  # the retry is due now
            session.execute(update(WebhookEndpoint).values(retry_at=None))
        delivery.deliver_due(db, sender)
    finally:
        receiver.close()
        get_settings.cache_clear()
    attempts = series(scrape(local), "seatplan_webhook_attempts_total")
    assert attempts[frozenset({("result", "failed")})] == 1
    assert attempts[frozenset({("result", "succeeded")})] == 1
    assert attempts[frozenset({("result", "error")})] == 2  # tried twice, never answered


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
