"""Structured logs: one JSON object per line naming the request, its route, status,
duration and caller, and never a secret (tokens, passwords, keys)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.api_support import bearer, buy, make_user, process
from tests.integration.portal_support import csrf_of

from seatplan import logs
from seatplan.server import create_app
from seatplan.services import admins, tokens
from seatplan.settings import Settings
from seatplan.store.db import Database

SECRET_KEY = "signing-key-that-must-stay-secret"
METRICS_TOKEN = "metrics-token-that-must-stay-secret"
PASSWORD = "right-password-of-alice-1"
WRONG_PASSWORD = "wrong-password-of-alice-2"
#: Shaped like a Seatplan token, but unknown.
FORGED = "spt_0123456789ab_" + "Q" * 43
NOT_A_TOKEN = "opaque-bearer-value-that-must-stay-secret"


def _secret_part(secret: str) -> str:
    """What is secret in it: a Seatplan token's part after `spt_<public id>_`."""
    return secret[len("spt_0123456789ab_") :] if secret.startswith("spt_") else secret


class Captured:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.text.splitlines()]

    def access(self, route: str) -> list[dict[str, Any]]:
        return [
            line
            for line in self.lines()
            if line["logger"] == "seatplan.access" and line.get("route") == route
        ]


@pytest.fixture
def captured() -> Iterator[Captured]:
    """Every log line of the test, as `SEATPLAN_LOG_FORMAT=json` writes them."""
    capture = Captured()
    handler = logging.StreamHandler(capture.stream)
    handler.setFormatter(logs.JsonFormatter())
    handler.addFilter(logs.ContextFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield capture
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_requests_are_logged_without_any_secret(sqlite_db: Database, captured: Captured):
    db = sqlite_db
    with db.writing() as session:
        admins.create(
            session, username="alice", role=admins.GLOBAL_ADMINISTRATOR, password=PASSWORD
        )
    headers = bearer(db, *tokens.PERMISSIONS)
    settings = Settings(database_url=db.url, secret_key=SECRET_KEY, metrics_token=METRICS_TOKEN)
    app = create_app(db, settings)
    secrets = [SECRET_KEY, METRICS_TOKEN, PASSWORD, WRONG_PASSWORD, FORGED, NOT_A_TOKEN]
    first_token = headers["Authorization"].removeprefix("Bearer ")
    secrets.append(first_token)
    with TestClient(app, client=("10.0.0.7", 50000)) as client:
        buy(db)
        listed = client.get("/v1.0/users", headers={**headers, "client-request-id": "trace-me-7"})
        assert listed.status_code == 200
        created = client.post(
            "/admin/tokens", headers=headers, json={"name": "ci", "scopes": ["User.Read.All"]}
        )
        assert created.status_code == 201, created.text
        new_token = created.json()["token"]
        secrets.append(new_token)
        assert client.get("/v1.0/users", headers={"Authorization": f"Bearer {new_token}"})
        for bad in (FORGED, NOT_A_TOKEN):
            refused = client.get("/v1.0/users", headers={"Authorization": f"Bearer {bad}"})
            assert refused.status_code == 401
        metrics = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
        assert metrics.status_code == 200
        user = make_user(client, headers, "ann")
        assert client.post(f"/v1.0/users/{user}/reprocessLicenseAssignment", headers=headers)

        page = client.get("/signin")
        for password in (WRONG_PASSWORD, PASSWORD):
            client.post(
                "/signin",
                data={"csrf_token": csrf_of(page.text), "username": "alice", "password": password},
                follow_redirects=False,
            )
        assert client.get("/licenses").status_code == 200
    process(db)
    # Even a careless message with a token in it keeps only the token's public prefix.
    logging.getLogger("seatplan.test").warning("retrying with %s", new_token)

    for secret in secrets:
        assert secret not in captured.text
        assert _secret_part(secret) not in captured.text
    lines = captured.lines()
    assert all({"timestamp", "level", "logger", "message"} <= set(line) for line in lines)

    first = captured.access("/v1.0/users")[0]
    assert first["request_id"] == listed.headers["request-id"]
    assert first["client_request_id"] == "trace-me-7"
    assert (first["method"], first["status"], first["level"]) == ("GET", 200, "INFO")
    assert isinstance(first["duration_ms"], float)
    assert first["token_name"] == "test"
    assert first["token_id"] == first_token.split("_")[1]  # the public prefix only
    assert first["timestamp"].endswith("+00:00")
    [minted] = captured.access("/admin/tokens")
    assert (minted["method"], minted["status"]) == ("POST", 201)
    assert [(line["method"], line["status"]) for line in captured.access("/v1.0/users")] == [
        ("GET", 200),
        ("GET", 200),
        ("GET", 401),
        ("GET", 401),
        ("POST", 201),
    ]
    assert [line.get("administrator") for line in captured.access("/signin")] == [
        None,
        None,
        "alice",
    ]
    assert captured.access("/licenses")[0]["administrator"] == "alice"

    [batch] = [line for line in lines if line["logger"] == "seatplan.processing.batch"]
    assert batch["users"] == 1
    assert batch["batch"]
    assert batch["duration_ms"] >= 0
    [careless] = [line for line in lines if line["logger"] == "seatplan.test"]
    assert careless["message"] == f"retrying with spt_{new_token.split('_')[1]}_[redacted]"


def test_lines_logged_while_serving_name_the_request(sqlite_db: Database, captured: Captured):
    """A line a route logs (here the 500 of a failure) carries the request's ids."""
    app = create_app(sqlite_db, Settings(database_url=sqlite_db.url, secret_key="k"))

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaboom")

    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/boom", headers={"client-request-id": "abc"})
    assert answer.status_code == 500
    [failure] = [line for line in captured.lines() if line["level"] == "ERROR"]
    assert failure["request_id"] == answer.json()["error"]["innerError"]["request-id"]
    assert answer.headers.get_list("request-id") == [failure["request_id"]]
    assert failure["client_request_id"] == "abc"
    assert "RuntimeError: kaboom" in failure["exception"]
    [access] = captured.access("/boom")
    assert access["status"] == 500


def test_console_lines_are_readable():
    record = logging.makeLogRecord(
        {
            "name": "seatplan.access",
            "levelno": logging.INFO,
            "levelname": "INFO",
            "msg": "%s %s %d",
            "args": ("GET", "/v1.0/users", 200),
            "request_id": "r-1",
            "status": 200,
        }
    )
    line = logs.ConsoleFormatter().format(record)
    assert line.endswith("INFO seatplan.access: GET /v1.0/users 200 [request_id=r-1 status=200]")
