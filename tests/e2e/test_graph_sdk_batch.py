"""Microsoft's Python SDK batch helpers (`BatchRequestContent`, `…Collection`) against
`seatplan serve`.

The SDK reads each answer's status and headers; it drops a body that is a JSON object
(as Graph sends it) when it parses the batch (microsoft/kiota-python issue 737), so the
bodies are checked with plain HTTP in tests/integration/test_api_batch.py.
"""

from __future__ import annotations

import asyncio

import httpx
from msgraph import GraphServiceClient
from msgraph.generated.models.user import User
from msgraph_core.requests.batch_request_content import BatchRequestContent
from msgraph_core.requests.batch_request_content_collection import (
    BatchRequestContentCollection,
)
from msgraph_core.requests.batch_request_item import BatchRequestItem
from msgraph_core.requests.batch_response_content import BatchResponseContent
from msgraph_core.requests.batch_response_content_collection import (
    BatchResponseContentCollection,
)
from tests.e2e.server import Server
from tests.e2e.test_graph_sdk import graph_client, server

__all__ = ["server"]


def token(server: Server) -> str:
    created = server.cli("token", "create", "--name", "sdk", "--scope", "Directory.ReadWrite.All")
    return created.strip().splitlines()[-1]


def test_batches_through_the_sdk(server):
    secret = token(server)
    asyncio.run(batch_scenario(graph_client(server, secret)))
    listed = httpx.get(
        f"{server.url}/v1.0/users?$filter=startswith(userPrincipalName,'batch')&$count=true",
        headers={"Authorization": f"Bearer {secret}", "ConsistencyLevel": "eventual"},
    )
    assert listed.status_code == 200, listed.text
    assert len(listed.json()["value"]) == 25


async def batch_scenario(graph: GraphServiceClient) -> None:
    alice = await graph.users.post(
        User(account_enabled=True, display_name="Alice", user_principal_name="alice@contoso.com")
    )
    assert alice is not None
    assert alice.id is not None

    carol = User(
        account_enabled=True, display_name="Carol", user_principal_name="carol@contoso.com"
    )
    content = BatchRequestContent()
    for item in (
        BatchRequestItem(graph.users.by_user_id(alice.id).to_get_request_information(), "alice"),
        BatchRequestItem(
            graph.users.by_user_id("nobody@contoso.com").to_get_request_information(), "nobody"
        ),
        BatchRequestItem(graph.users.to_post_request_information(carol), "carol"),
    ):
        content.add_request(item.id, item)
    answer = await graph.batch.post(content)
    assert isinstance(answer, BatchResponseContent)
    assert answer.get_response_status_codes() == {"alice": 200, "nobody": 404, "carol": 201}
    got = answer.get_response_by_id("alice")
    assert got is not None
    assert got.content_type == "application/json"
    created = await graph.users.by_user_id("carol@contoso.com").get()
    assert created is not None
    assert created.display_name == "Carol"

    # 25 requests: the collection sends them as batches of at most 20.
    collection = BatchRequestContentCollection()
    for number in range(25):
        new_user = User(
            account_enabled=True,
            display_name=f"Batch {number}",
            user_principal_name=f"batch{number}@contoso.com",
        )
        collection.add_batch_request_item(
            BatchRequestItem(graph.users.to_post_request_information(new_user), f"new{number}")
        )
    answers = await graph.batch.post(collection)
    assert isinstance(answers, BatchResponseContentCollection)
    parts = answers.get_responses()
    assert [len(part.responses or {}) for part in parts] == [20, 5]
    statuses = {}
    for part in parts:
        statuses.update(part.get_response_status_codes())
    assert statuses == {f"new{number}": 201 for number in range(25)}
