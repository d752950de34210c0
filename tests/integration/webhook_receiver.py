"""A real HTTP receiver of webhooks for tests: it verifies every request's signature with the
Standard Webhooks library (not Seatplan's code) and can be slow, fail or drop connections."""

from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    path: str
    message_id: str
    body: dict[str, Any]
    verified: bool
    answered: int | None


@dataclass
class Behaviour:
    """What the receiver does: answer `status`, after `delay` seconds; the first `fail_first`
    requests get 500; with probabilities, fail (503), drop the connection, or be slow."""

    status: int = 200
    delay: float = 0.0
    fail_first: int = 0
    fail_rate: float = 0.0
    drop_rate: float = 0.0
    slow_rate: float = 0.0
    slow_seconds: float = 0.0
    seed: int = 7
    #: Answer Graph's validation handshake correctly, after `validate_delay` seconds.
    validate: bool = True
    validate_delay: float = 0.0


@dataclass
class Receiver:
    secrets: dict[str, str] = field(default_factory=dict)
    behaviour: Behaviour = field(default_factory=Behaviour)
    received: list[Received] = field(default_factory=list)
    #: Graph validation tokens received.
    validations: list[str] = field(default_factory=list)
    #: Requests being answered at once, per path, and the most ever seen.
    in_flight: dict[str, int] = field(default_factory=dict)
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._random = random.Random(self.behaviour.seed)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                receiver._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str = "/hook") -> str:
        return self.base + path

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def accepted(self, path: str | None = None) -> list[Received]:
        """Requests answered 2xx whose signature verified (what counts as delivered)."""
        with self.lock:
            return [
                r
                for r in self.received
                if r.verified and r.answered and r.answered < 300 and path in (None, r.path)
            ]

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        path, _, query = request.path.partition("?")
        token = parse_qs(query).get("validationToken")
        if token is not None:  # Graph's handshake: echo the decoded token as plain text
            self.validations.append(token[0])
            time.sleep(self.behaviour.validate_delay)
            answer = (token[0] if self.behaviour.validate else "no").encode()
            request.send_response(200)
            request.send_header("content-type", "text/plain; charset=utf-8")
            request.send_header("content-length", str(len(answer)))
            request.end_headers()
            request.wfile.write(answer)
            return
        length = int(request.headers.get("content-length", 0))
        raw = request.rfile.read(length)
        headers = {k.lower(): v for k, v in request.headers.items()}
        secret = self.secrets.get(path)
        verified = False
        body: dict[str, Any] = json.loads(raw or b"{}")
        if secret is not None:
            try:
                body = Webhook(secret).verify(raw, headers)
                verified = True
            except WebhookVerificationError:
                body = json.loads(raw or b"{}")
        with self.lock:
            self.in_flight[path] = self.in_flight.get(path, 0) + 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight[path])
            count = len([r for r in self.received if r.path == path])
            roll = self._random.random()
        try:
            b = self.behaviour
            time.sleep(b.delay)
            status = b.status
            if count < b.fail_first:
                status = 500
            elif roll < b.drop_rate:
                self._record(path, headers, body, verified, None)
                request.connection.close()  # the worker sees the connection dropped
                return
            elif roll < b.drop_rate + b.fail_rate:
                status = 503
            elif roll < b.drop_rate + b.fail_rate + b.slow_rate:
                time.sleep(b.slow_seconds)
            self._record(path, headers, body, verified, status)
            request.send_response(status)
            request.send_header("content-length", "2")
            request.end_headers()
            request.wfile.write(b"ok")
        finally:
            with self.lock:
                self.in_flight[path] -= 1

    def _record(
        self, path: str, headers: dict[str, str], body: Any, verified: bool, status: int | None
    ) -> None:
        with self.lock:
            self.received.append(
                Received(path, headers.get("webhook-id", ""), body, verified, status)
            )
