"""msgraph-sdk's delta queries against `seatplan serve`: an initial sync through pages, then
changes, a deletion, a license applied by the worker and a membership change."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.groups.delta.delta_request_builder import (
    DeltaRequestBuilder as GroupsDelta,
)
from msgraph.generated.groups.item.assign_license.assign_license_post_request_body import (
    AssignLicensePostRequestBody,
)
from msgraph.generated.models.assigned_license import AssignedLicense
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.generated.models.user import User
from msgraph.generated.users.delta.delta_request_builder import DeltaRequestBuilder as UsersDelta
from tests.e2e.server import Server, running_server
from tests.e2e.test_graph_sdk import E3, graph_client

USERS = 105  # more than one page of the initial listing (100)


@pytest.fixture
def server(tmp_path):
    with running_server(f"sqlite:///{tmp_path / 'delta.db'}") as running:
        yield running


def _token(server: Server) -> str:
    created = server.cli(
        "token", "create", "--name", "sdk", "--scope", "Directory.ReadWrite.All", "Seatplan.Admin"
    )
    return created.strip().splitlines()[-1]


def test_delta_round_trips_through_msgraph_sdk(server):
    token = _token(server)
    admin = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=server.url, headers=admin) as http:
        bought = http.post(
            "/admin/subscriptions", json={"sku": "ENTERPRISEPACK", "enabledUnits": 9}
        )
        assert bought.status_code == 201, bought.text
        located = http.patch("/admin/organization", json={"countryLetterCode": "US"})
        assert located.status_code == 200, located.text
        ids = []
        for n in range(USERS):
            body = {"userPrincipalName": f"u{n:03}@contoso.com", "displayName": f"User {n:03}"}
            created = http.post("/v1.0/users", json=body)
            assert created.status_code == 201, created.text
            ids.append(created.json()["id"])
        group = http.post(
            "/v1.0/groups",
            json={"displayName": "Staff", "mailEnabled": False, "securityEnabled": True},
        ).json()["id"]
        for user_id in ids[:3]:
            reference = {
                "@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{user_id}"
            }
            assert (
                http.post(f"/v1.0/groups/{group}/members/$ref", json=reference).status_code == 204
            )
    asyncio.run(scenario(graph_client(server, token), ids, group))


async def _users_round(graph: GraphServiceClient, link: str | None) -> tuple[list[User], str, int]:
    """Every user of one round, from `link` (None: a new round selecting three properties)."""
    if link is None:
        query = UsersDelta.DeltaRequestBuilderGetQueryParameters(
            select=["displayName", "jobTitle", "assignedLicenses"]
        )
        page = await graph.users.delta.get(RequestConfiguration(query_parameters=query))
    else:
        page = await graph.users.delta.with_url(link).get()
    found: list[User] = []
    pages = 0
    while True:
        assert page is not None
        pages += 1
        found += page.value or []
        if page.odata_delta_link:
            return found, page.odata_delta_link, pages
        assert page.odata_next_link
        page = await graph.users.delta.with_url(page.odata_next_link).get()


async def _groups_round(graph: GraphServiceClient, link: str | None) -> tuple[list[Any], str]:
    if link is None:
        query = GroupsDelta.DeltaRequestBuilderGetQueryParameters(select=["displayName", "members"])
        page = await graph.groups.delta.get(RequestConfiguration(query_parameters=query))
    else:
        page = await graph.groups.delta.with_url(link).get()
    found: list[Any] = []
    while True:
        assert page is not None
        found += page.value or []
        if page.odata_delta_link:
            return found, page.odata_delta_link
        assert page.odata_next_link
        page = await graph.groups.delta.with_url(page.odata_next_link).get()


def _members(group: Any) -> list[tuple[str, bool]]:
    """(member id, removed) of a group's members@delta, as the SDK keeps it."""
    return [
        (str(member["id"]), "@removed" in member)
        for member in group.additional_data.get("members@delta", [])
    ]


async def scenario(graph: GraphServiceClient, ids: list[str], group: str) -> None:
    users, users_link, pages = await _users_round(graph, None)
    assert pages == 2
    assert sorted(user.id for user in users) == sorted(ids)
    assert {user.display_name for user in users} == {f"User {n:03}" for n in range(USERS)}
    groups, groups_link = await _groups_round(graph, None)
    [staff] = groups
    assert staff.display_name == "Staff"
    assert sorted(_members(staff)) == sorted((user_id, False) for user_id in ids[:3])

    # Changes: a rename, a deletion, a member removed and one added, a license by group.
    await graph.users.by_user_id(ids[10]).patch(User(job_title="Buyer"))
    await graph.users.by_user_id(ids[11]).delete()
    await graph.groups.by_group_id(group).members.by_directory_object_id(ids[0]).ref.delete()
    await graph.groups.by_group_id(group).members.ref.post(
        ReferenceCreate(odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{ids[20]}")
    )
    users, users_link, _ = await _users_round(graph, users_link)
    assert {user.id: user.job_title for user in users if not user.additional_data} == {
        ids[10]: "Buyer"
    }
    [gone] = [user for user in users if user.additional_data]
    assert gone.id == ids[11]
    assert gone.additional_data["@removed"] == {"reason": "deleted"}

    groups, groups_link = await _groups_round(graph, groups_link)
    [staff] = groups
    assert sorted(_members(staff)) == sorted([(ids[0], True), (ids[20], False)])

    # The worker applies the group's product: the members' assignedLicenses changed.
    await graph.groups.by_group_id(group).assign_license.post(
        AssignLicensePostRequestBody(
            add_licenses=[AssignedLicense(sku_id=E3, disabled_plans=[])], remove_licenses=[]
        )
    )
    licensed: dict[str, Any] = {}
    deadline = time.monotonic() + 30
    while len(licensed) < 3 and time.monotonic() < deadline:
        users, users_link, _ = await _users_round(graph, users_link)
        licensed |= {user.id: user.assigned_licenses for user in users}
        await asyncio.sleep(0.2)
    assert set(licensed) == {ids[1], ids[2], ids[20]}
    assert all([license.sku_id for license in found] == [E3] for found in licensed.values())

    # Nothing more: an empty round.
    users, _, pages = await _users_round(graph, users_link)
    assert users == []
    assert pages == 1
