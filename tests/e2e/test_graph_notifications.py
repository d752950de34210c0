"""Microsoft's Python SDK (msgraph-sdk) subscribes to change notifications on a real
`seatplan serve`; a real HTTP receiver answers Graph's validation handshake and gets the
notifications of users the SDK creates and licenses, in Graph's shape."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest
from msgraph.generated.models.assigned_license import AssignedLicense
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.subscription import Subscription
from msgraph.generated.models.user import User
from msgraph.generated.users.item.assign_license.assign_license_post_request_body import (
    AssignLicensePostRequestBody,
)
from tests.e2e.server import running_server
from tests.e2e.test_graph_sdk import graph_client
from tests.integration.webhook_receiver import Receiver

E3 = UUID("6fd2c87f-b296-42f0-b197-1e91e994b900")


@pytest.fixture
def server(tmp_path, monkeypatch):
    monkeypatch.setenv("SEATPLAN_WEBHOOK_ALLOW_PRIVATE", "true")
    with running_server(f"sqlite:///{tmp_path / 'notify.db'}") as running:
        yield running


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.close()


def test_the_sdk_subscribes_and_gets_graph_notifications(server, receiver):
    token = (
        server.cli("token", "create", "--name", "sdk", "--scope", "Directory.ReadWrite.All")
        .strip()
        .splitlines()[-1]
    )
    admin = server.cli("token", "create", "--name", "a", "--scope", "Seatplan.Admin")
    headers = {"Authorization": f"Bearer {admin.strip().splitlines()[-1]}"}
    bought = httpx.post(
        f"{server.url}/admin/subscriptions",
        headers=headers,
        json={"sku": "ENTERPRISEPACK", "enabledUnits": 5},
    )
    assert bought.status_code == 201
    graph = graph_client(server, token)
    subscription, user_id = asyncio.run(scenario(graph, receiver.url("/graph")))

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        got = [n for r in receiver.received for n in r.body.get("value", [])]
        if len(got) >= 2:
            break
        time.sleep(0.2)
    assert receiver.validations  # the handshake came before the subscription existed
    assert [n["changeType"] for n in got] == ["created", "updated"]
    for item in got:
        assert item["subscriptionId"] == subscription
        assert item["clientState"] == "sdk-client-state"
        assert item["resource"] == f"Users/{user_id}"
        assert item["resourceData"]["@odata.type"] == "#Microsoft.Graph.User"
        assert item["resourceData"]["id"] == user_id


async def scenario(graph, url: str) -> tuple[str, str]:
    expires = datetime.now(UTC) + timedelta(days=2)
    created = await graph.subscriptions.post(
        Subscription(
            change_type="created,updated",
            notification_url=url,
            resource="users",
            expiration_date_time=expires,
            client_state="sdk-client-state",
        )
    )
    assert created is not None
    assert created.id is not None
    assert created.resource == "users"
    assert abs((created.expiration_date_time - expires).total_seconds()) < 1

    listed = await graph.subscriptions.get()
    assert [s.id for s in listed.value] == [created.id]
    renewed = await graph.subscriptions.by_subscription_id(created.id).patch(
        Subscription(expiration_date_time=expires + timedelta(days=1))
    )
    assert renewed.expiration_date_time > created.expiration_date_time
    with pytest.raises(ODataError) as too_long:
        await graph.subscriptions.by_subscription_id(created.id).patch(
            Subscription(expiration_date_time=expires + timedelta(days=40))
        )
    assert too_long.value.error.code == "ExtensionError"

    user = await graph.users.post(
        User(
            account_enabled=True,
            display_name="Dana",
            mail_nickname="dana",
            user_principal_name="dana@contoso.com",
            usage_location="US",
            password_profile=PasswordProfile(password="unused-Passw0rd!"),
        )
    )
    await graph.users.by_user_id(user.id).assign_license.post(
        AssignLicensePostRequestBody(
            add_licenses=[AssignedLicense(sku_id=E3, disabled_plans=[])], remove_licenses=[]
        )
    )
    return created.id, user.id
