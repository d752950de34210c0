"""`seatplan webhooks`: create (secret printed once), test, deliver, log, redeliver, disable."""

from __future__ import annotations

import json

import pytest
from tests.integration.test_cli_commands import invoke
from webhook_receiver import Receiver

PRIVATE = {"SEATPLAN_WEBHOOK_ALLOW_PRIVATE": "true"}


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


def test_a_webhook_from_the_command_line(database_url, receiver):
    def run(*args: str, code: int = 0):
        return invoke(database_url, *args, code=code, env=PRIVATE)

    created = run("webhooks", "create", receiver.url(), "--event", "seats.low", "--format", "slack")
    secret = created.stdout.strip().splitlines()[-1]
    assert secret.startswith("whsec_")
    receiver.secrets["/hook"] = secret
    (endpoint,) = json.loads(run("webhooks", "list", "--json").stdout)
    assert endpoint["events"] == ["seats.low"]
    assert "secret" not in endpoint

    run("webhooks", "test", endpoint["id"])
    assert "1 delivery attempt(s)" in run("webhooks", "deliver").stdout
    (log,) = json.loads(run("webhooks", "deliveries", endpoint["id"], "--json").stdout)
    assert (log["status"], log["attempts"]) == ("succeeded", 1)
    run("webhooks", "redeliver", endpoint["id"], str(log["id"]))
    run("webhooks", "deliver")
    assert [r.body["text"] for r in receiver.accepted()] == [
        "Test event from Seatplan: this endpoint receives its events."
    ] * 2

    shown = run("webhooks", "update", endpoint["id"], "--disable").stdout
    assert "Disabled by an administrator." in shown
    run("webhooks", "seat-alert", "POWER_BI_PRO", "--below", "3")
    alerts = json.loads(run("webhooks", "seat-alerts", "--json").stdout)
    assert alerts[0]["below"] == 3
    run("webhooks", "seat-alert", "POWER_BI_PRO", code=1)
    run("webhooks", "delete", endpoint["id"])
    assert json.loads(run("webhooks", "list", "--json").stdout) == []


def test_a_private_url_is_refused_without_the_setting(database_url):
    result = invoke(database_url, "webhooks", "create", "http://127.0.0.1:9/", code=1)
    assert "SEATPLAN_WEBHOOK_ALLOW_PRIVATE" in result.output
