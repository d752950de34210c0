"""Send webhook deliveries: lease an endpoint, send its due deliveries in order, record each.

Runs beside the licensing batches in every worker process (`worker.run` starts it) and
once from `seatplan webhooks deliver`. Requests are signed as the Standard Webhooks
specification says (`webhook-id`, `webhook-timestamp`, `webhook-signature`, HMAC-SHA256),
with its reference library, and go only to the address the SSRF guard checked just before.

Sending happens between two transactions (the lease, then the record of the attempt), so
no database lock is held while a receiver takes its time.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
from standardwebhooks.webhooks import Webhook

from seatplan.processing import failpoints, stats, webhook_payloads
from seatplan.services import graph_subscriptions, outbox, transaction, webhook_urls
from seatplan.services.outbox import Head, Outcome, Policy
from seatplan.settings import Settings, get_settings
from seatplan.store.db import Database
from seatplan.store.types import utcnow

log = logging.getLogger(__name__)

#: Deliveries sent for one endpoint before its lease is given up for others to take.
PER_LEASE = 50
USER_AGENT = "Seatplan-Webhooks/1"
PRUNE_EVERY_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class Attempt:
    """What listeners are told of each attempt (metrics count them by `result`)."""

    endpoint_id: str
    event_type: str
    #: "succeeded", "failed" (an answer other than 2xx) or "error" (no answer).
    result: str
    milliseconds: int


#: Called after every attempt; `observe`'s metrics add one here. Must not raise.
listeners: list[Callable[[Attempt], None]] = []


@dataclass(frozen=True, slots=True)
class Sender:
    """What one process needs to send: the retry policy, the SSRF setting, an HTTP client."""

    policy: Policy
    allow_private: bool
    client: httpx.Client
    owner: str

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Sender:
        settings = settings or get_settings()
        policy = Policy(
            retry_seconds=settings.webhook_retry_seconds,
            max_retry_seconds=settings.webhook_max_retry_seconds,
            disable_after_seconds=settings.webhook_disable_after_seconds,
            lease_seconds=settings.webhook_lease_seconds,
        )
        client = httpx.Client(
            timeout=settings.webhook_timeout_seconds,
            follow_redirects=False,
            trust_env=False,  # a proxy from the environment would bypass the address check
        )
        return cls(policy, settings.webhook_allow_private, client, f"w-{uuid.uuid4().hex[:16]}")


def notify(db: Database) -> int:
    """Queue the Graph change notifications of changes committed since the last round."""
    with db.reading() as session:
        if not graph_subscriptions.anything_to_notify(session):
            return 0
    with transaction.writing(db) as session:
        return graph_subscriptions.notify(session)


def deliver_due(db: Database, sender: Sender) -> int:
    """Send what is due now, endpoint after endpoint, until nothing is. Returns attempts."""
    notify(db)
    attempts = 0
    while True:
        made = _one_endpoint(db, sender)
        if made == 0:
            return attempts
        attempts += made


def _one_endpoint(db: Database, sender: Sender) -> int:
    with db.reading() as session:
        if not outbox.anything_due(session):
            return 0
    with transaction.writing(db) as session:
        endpoint_id = outbox.claim(session, sender.owner, sender.policy)
    if endpoint_id is None:
        return 0
    attempts = 0
    try:
        while attempts < PER_LEASE:
            with db.reading() as session:
                head = outbox.head(session, endpoint_id, sender.owner)
            if head is None:
                break
            failpoints.reach("before-send")
            outcome = send(sender, head)
            attempts += 1
            failpoints.reach("after-send")
            with transaction.writing(db) as session:
                outbox.record(session, endpoint_id, sender.owner, head, outcome, sender.policy)
                stats.record_attempt(session, result_of(outcome))  # /metrics, with the record
            _tell(str(endpoint_id), head, outcome)
            if not outcome.ok:
                break
    finally:
        with transaction.writing(db) as session:
            outbox.release(session, endpoint_id, sender.owner)
    return max(attempts, 1)


def send(sender: Sender, head: Head) -> Outcome:
    """One signed request to the head's URL, checked against SSRF at this moment."""
    started = time.perf_counter()
    try:
        target = webhook_urls.check_url(head.url, allow_private=sender.allow_private)
    except webhook_urls.UrlRefused as refused:
        return Outcome(False, None, 0, refused.message)
    body = webhook_payloads.body(head.format, head.event_type, head.occurred, head.data)
    now = utcnow()
    signature = Webhook(head.secret).sign(head.message_id, now, body)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        # The name and port of the URL: the request itself goes to the checked address.
        "host": httpx.URL(head.url).netloc.decode("ascii"),
        "webhook-id": head.message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
    }
    try:
        response = sender.client.post(
            target.url,
            content=body.encode(),
            headers=headers,
            extensions={"sni_hostname": target.host},
        )
    except httpx.HTTPError as error:
        elapsed = _ms(started)
        return Outcome(False, None, elapsed, f"{type(error).__name__}: {error}"[:500])
    elapsed = _ms(started)
    if 200 <= response.status_code < 300:
        return Outcome(True, response.status_code, elapsed, None)
    return Outcome(False, response.status_code, elapsed, f"HTTP {response.status_code}")


def validate_notification_url(
    url: str, *, allow_private: bool, timeout: float = 10.0
) -> str | None:
    """Graph's handshake: POST `url?validationToken=…` (text/plain) and expect, within 10
    s, 200 with the token as plain text. None when it passed, else why it failed."""
    try:
        target = webhook_urls.check_url(url, allow_private=allow_private)
    except webhook_urls.UrlRefused as refused:
        return refused.message
    token = f"Validation: Seatplan {uuid.uuid4().hex}"
    address = httpx.URL(target.url).copy_merge_params({"validationToken": token})
    headers = {
        "content-type": "text/plain; charset=utf-8",
        "user-agent": USER_AGENT,
        "host": httpx.URL(url).netloc.decode("ascii"),
    }
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            answer = client.post(
                address, content=b"", headers=headers, extensions={"sni_hostname": target.host}
            )
    except httpx.TimeoutException:
        return "Subscription validation request timed out."
    except httpx.HTTPError:
        return (
            "Subscription validation request failed. Notification endpoint must respond "
            "with 200 OK to validation request."
        )
    if answer.status_code != 200:
        return (
            "Subscription validation request failed. Notification endpoint must respond "
            "with 200 OK to validation request."
        )
    kind = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "text/plain" or answer.text != token:
        return (
            "Subscription validation request failed. Response must exactly match "
            "validationToken query parameter."
        )
    return None


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def result_of(outcome: Outcome) -> str:
    return "succeeded" if outcome.ok else "failed" if outcome.status else "error"


def _tell(endpoint_id: str, head: Head, outcome: Outcome) -> None:
    attempt = Attempt(endpoint_id, head.event_type, result_of(outcome), outcome.milliseconds)
    for listener in listeners:
        try:
            listener(attempt)
        except Exception:  # a listener's fault never stops deliveries
            log.exception("a delivery listener failed")
    if not outcome.ok:
        log.warning(
            "webhook delivery %s to endpoint %s failed: %s",
            head.delivery_id,
            endpoint_id,
            outcome.error,
        )


def prune(db: Database, retention_days: float) -> int:
    """Forget the events no endpoint waits for any more, after the retention period."""
    with transaction.writing(db) as session:
        pruned = outbox.prune(session, retention=timedelta(days=retention_days))
    if pruned:
        log.info("pruned %d old events and their deliveries", pruned)
    return pruned


def run(db: Database, *, poll_seconds: float, stop: threading.Event) -> None:
    """Deliver until `stop` is set (a thread of the worker); prune old events hourly."""
    sender = Sender.from_settings()
    retention = get_settings().event_retention_days
    pruned_at = float("-inf")
    try:
        while not stop.is_set():
            try:
                if time.monotonic() - pruned_at >= PRUNE_EVERY_SECONDS:
                    prune(db, retention)
                    pruned_at = time.monotonic()
                if deliver_due(db, sender) == 0:
                    stop.wait(poll_seconds)
            except Exception:  # deliveries stay pending; the next round retries them
                log.exception("webhook delivery round failed; retrying after a pause")
                stop.wait(poll_seconds * 5)
    finally:
        sender.client.close()
