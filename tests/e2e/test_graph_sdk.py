"""Microsoft's own Python SDK (msgraph-sdk) against `seatplan serve`, changing only the base URL.

No request leaves localhost: the SDK gets a static bearer token, never Azure identity.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from kiota_abstractions.authentication import (
    AccessTokenProvider,
    AllowedHostsValidator,
    BaseBearerTokenAuthenticationProvider,
)
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.audit_logs.directory_audits.directory_audits_request_builder import (
    DirectoryAuditsRequestBuilder,
)
from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder
from msgraph.generated.groups.item.assign_license.assign_license_post_request_body import (
    AssignLicensePostRequestBody as GroupAssignLicense,
)
from msgraph.generated.groups.item.group_item_request_builder import GroupItemRequestBuilder
from msgraph.generated.groups.item.members.graph_user.graph_user_request_builder import (
    GraphUserRequestBuilder,
)
from msgraph.generated.models.assigned_license import AssignedLicense
from msgraph.generated.models.group import Group
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.on_premises_extension_attributes import (
    OnPremisesExtensionAttributes,
)
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.reference_create import ReferenceCreate
from msgraph.generated.models.user import User
from msgraph.generated.models.user_collection_response import UserCollectionResponse
from msgraph.generated.users.item.assign_license.assign_license_post_request_body import (
    AssignLicensePostRequestBody as UserAssignLicense,
)
from msgraph.generated.users.item.license_details.item.license_details_item_request_builder import (
    LicenseDetailsItemRequestBuilder,
)
from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core.tasks.page_iterator import PageIterator
from tests.e2e.server import Server, running_server

E3 = UUID("6fd2c87f-b296-42f0-b197-1e91e994b900")


class StaticToken(AccessTokenProvider):
    def __init__(self, token: str) -> None:
        self.token = token

    async def get_authorization_token(
        self, uri: str, additional_authentication_context: dict[str, Any] | None = None
    ) -> str:
        return self.token

    def get_allowed_hosts_validator(self) -> AllowedHostsValidator:
        return AllowedHostsValidator(["127.0.0.1"])


def graph_client(server: Server, token: str) -> GraphServiceClient:
    adapter = GraphRequestAdapter(BaseBearerTokenAuthenticationProvider(StaticToken(token)))
    adapter.base_url = f"{server.url}/v1.0"
    return GraphServiceClient(request_adapter=adapter)


@pytest.fixture
def server(tmp_path):
    with running_server(f"sqlite:///{tmp_path / 'sdk.db'}") as running:
        yield running


def test_group_licensing_scenario_through_msgraph_sdk(server):
    token = (
        server.cli(
            "token",
            "create",
            "--name",
            "sdk",
            "--scope",
            "Directory.ReadWrite.All",
            "Seatplan.Admin",
        )
        .strip()
        .splitlines()[-1]
    )
    admin = {"Authorization": f"Bearer {token}"}
    bought = httpx.post(
        f"{server.url}/admin/subscriptions",
        headers=admin,
        json={"sku": "ENTERPRISEPACK", "enabledUnits": 10},
    )
    assert bought.status_code == 201, bought.text
    asyncio.run(scenario(graph_client(server, token)))


async def scenario(graph: GraphServiceClient) -> None:
    users = {}
    for name, location in (("alice", "US"), ("bob", "GB"), ("carol", None)):
        created = await graph.users.post(
            User(
                account_enabled=True,
                display_name=name.title(),
                mail_nickname=name,
                user_principal_name=f"{name}@contoso.com",
                usage_location=location,
                password_profile=PasswordProfile(password="unused-Passw0rd!"),
            )
        )
        assert created is not None
        assert created.id is not None
        users[name] = created.id
    group = await graph.groups.post(
        Group(
            display_name="Sales", mail_enabled=False, mail_nickname="sales", security_enabled=True
        )
    )
    assert group is not None
    assert group.id is not None
    group_api = graph.groups.by_group_id(group.id)
    for user_id in users.values():
        await group_api.members.ref.post(
            ReferenceCreate(odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{user_id}")
        )
    members = await group_api.members.get()
    assert members is not None
    assert len(members.value or []) == 3

    await group_api.assign_license.post(
        GroupAssignLicense(
            add_licenses=[AssignedLicense(sku_id=E3, disabled_plans=[])], remove_licenses=[]
        )
    )
    await wait_for_processing(graph, group.id)

    alice = await user_with_licenses(graph, users["alice"])
    (state,) = alice.license_assignment_states or []
    assert (state.sku_id, state.assigned_by_group, state.state, state.error) == (
        E3,
        group.id,
        "Active",
        "None",
    )
    details = await graph.users.by_user_id(users["alice"]).license_details.get()
    assert details is not None
    assert [d.sku_part_number for d in details.value or []] == ["ENTERPRISEPACK"]
    plans = details.value[0].service_plans or []  # type: ignore[index]
    assert plans
    assert {p.provisioning_status for p in plans} == {"Success"}
    detail = await (
        graph.users.by_user_id(users["alice"]).license_details.by_license_details_id(
            f"{users['alice']}_{E3}"
        )
    ).get(
        RequestConfiguration(
            query_parameters=LicenseDetailsItemRequestBuilder.LicenseDetailsItemRequestBuilderGetQueryParameters(
                select=["id", "skuPartNumber"]
            )
        )
    )
    assert detail is not None
    assert (detail.sku_part_number, detail.service_plans) == ("ENTERPRISEPACK", None)
    organization = await graph.organization.get()
    skus = await graph.subscribed_skus.get()
    assert organization is not None
    assert skus is not None
    (e3,) = [sku for sku in skus.value or [] if sku.sku_id == E3]
    assert e3.account_id == (organization.value or [])[0].id
    assert len(e3.subscription_ids or []) == 1

    # Carol has no usage location and the organization no country: her license fails.
    carol = await user_with_licenses(graph, users["carol"])
    assert [s.error for s in carol.license_assignment_states or []] == [
        "ProhibitedInUsageLocationViolation"
    ]
    query = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters(
        filter="hasMembersWithLicenseErrors eq true"
    )
    in_error = await graph.groups.get(RequestConfiguration(query_parameters=query))
    assert in_error is not None
    assert [g.id for g in in_error.value or []] == [group.id]
    failing = await group_api.members_with_license_errors.get()
    assert failing is not None
    assert [u.id for u in failing.value or []] == [users["carol"]]

    await graph.users.by_user_id(users["carol"]).patch(User(usage_location="FR"))
    await graph.users.by_user_id(users["carol"]).reprocess_license_assignment.post()
    await wait_for_processing(graph, group.id)
    carol = await user_with_licenses(graph, users["carol"])
    assert [(s.state, s.error) for s in carol.license_assignment_states or []] == [
        ("Active", "None")
    ]
    in_error = await graph.groups.get(RequestConfiguration(query_parameters=query))
    assert in_error is not None
    assert in_error.value == []

    # A direct assignment that cannot work: the SDK raises ODataError with Graph's answer.
    dave = await graph.users.post(
        User(account_enabled=True, display_name="Dave", user_principal_name="dave@contoso.com")
    )
    assert dave is not None
    assert dave.id is not None
    with pytest.raises(ODataError) as refused:
        await graph.users.by_user_id(dave.id).assign_license.post(
            UserAssignLicense(add_licenses=[AssignedLicense(sku_id=E3)], remove_licenses=[])
        )
    assert refused.value.response_status_code == 400
    assert refused.value.error is not None
    assert refused.value.error.code == "Request_BadRequest"
    assert refused.value.error.message == (
        "License assignment cannot be done for user with invalid usage location."
    )
    with pytest.raises(ODataError) as missing:
        await graph.users.by_user_id("nobody@contoso.com").get()
    assert missing.value.response_status_code == 404
    assert missing.value.error is not None
    assert missing.value.error.code == "Request_ResourceNotFound"


async def user_with_licenses(graph: GraphServiceClient, user_id: str) -> User:
    query = UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
        select=["id", "usageLocation", "assignedLicenses", "licenseAssignmentStates"]
    )
    user = await graph.users.by_user_id(user_id).get(RequestConfiguration(query_parameters=query))
    assert user is not None
    return user


async def wait_for_processing(graph: GraphServiceClient, group_id: str) -> None:
    query = GroupItemRequestBuilder.GroupItemRequestBuilderGetQueryParameters(
        select=["id", "licenseProcessingState"]
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        group = await graph.groups.by_group_id(group_id).get(
            RequestConfiguration(query_parameters=query)
        )
        assert group is not None
        assert group.license_processing_state is not None
        if group.license_processing_state.state == "ProcessingComplete":
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the group was not processed within 30 s")


def sdk_token(server: Server, *scopes: str) -> str:
    created = server.cli("token", "create", "--name", "sdk", "--scope", *scopes)
    return created.strip().splitlines()[-1]


def test_paging_report_filters_and_audit_through_msgraph_sdk(server):
    token = sdk_token(server, "Directory.ReadWrite.All", "AuditLog.Read.All", "Seatplan.Admin")
    bought = httpx.post(
        f"{server.url}/admin/subscriptions",
        headers={"Authorization": f"Bearer {token}"},
        json={"sku": "ENTERPRISEPACK", "enabledUnits": 10},
    )
    assert bought.status_code == 201, bought.text
    asyncio.run(paging_report_and_audit(graph_client(server, token), token))


async def paging_report_and_audit(graph: GraphServiceClient, token: str) -> None:
    since = datetime.now(UTC) - timedelta(seconds=1)
    ids = []
    for number in range(12):
        created = await graph.users.post(
            User(
                account_enabled=True,
                display_name=f"Pager {number:02}",
                user_principal_name=f"pager{number:02}@contoso.com",
                usage_location="US",
            )
        )
        assert created is not None
        ids.append(created.id)

    # The SDK's PageIterator follows the nextLinks: every user once, in displayName order.
    query = UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
        filter="startswith(displayName,'Pager')", select=["id", "displayName"], top=5
    )
    first = await graph.users.get(RequestConfiguration(query_parameters=query))
    assert isinstance(first, UserCollectionResponse)
    assert len(first.value or []) == 5
    seen: list[str | None] = []

    def collect(user: User) -> bool:
        seen.append(user.display_name)
        return True

    pages = PageIterator(first, graph.request_adapter, error_mapping={"XXX": ODataError})
    await pages.iterate(collect)
    assert seen == [f"Pager {number:02}" for number in range(12)]

    # The usual license report: who holds E3.
    await graph.users.by_user_id(ids[3]).assign_license.post(
        UserAssignLicense(add_licenses=[AssignedLicense(sku_id=E3)], remove_licenses=[])
    )
    holders = await graph.users.get(
        RequestConfiguration(
            query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                filter=f"assignedLicenses/any(x:x/skuId eq {E3})",
                select=["id", "assignedLicenses"],
            )
        )
    )
    assert holders is not None
    assert [(u.id, [a.sku_id for a in u.assigned_licenses or []]) for u in holders.value or []] == [
        (ids[3], [E3])
    ]

    # The audit log, filtered by activity and time, newest first.
    audits = await graph.audit_logs.directory_audits.get(
        RequestConfiguration(
            query_parameters=DirectoryAuditsRequestBuilder.DirectoryAuditsRequestBuilderGetQueryParameters(
                filter=(
                    "activityDisplayName eq 'Change user license' "
                    f"and activityDateTime ge {since.isoformat().replace('+00:00', 'Z')}"
                ),
                top=10,
            )
        )
    )
    assert audits is not None
    (change,) = audits.value or []
    assert change.activity_display_name == "Change user license"
    assert [t.id for t in change.target_resources or []][:1] == [ids[3]]
    assert change.activity_date_time is not None
    assert change.activity_date_time >= since

    # One event by id; Graph's filters on the target, the caller (a token is an app) and
    # the service; Entra's fields on the change.
    one = await graph.audit_logs.directory_audits.by_directory_audit_id(str(change.id)).get()
    assert one is not None
    assert (one.id, one.correlation_id) == (change.id, change.correlation_id)
    assert one.logged_by_service == "Core Directory"
    assert one.operation_type == "Update"
    (target, *_) = one.target_resources or []
    assert [p.display_name for p in target.modified_properties or []] == ["AssignedLicense"]
    assert "SkuName=ENTERPRISEPACK" in str((target.modified_properties or [])[0].new_value)
    token_id = token.split("_")[1]
    filtered = await graph.audit_logs.directory_audits.get(
        RequestConfiguration(
            query_parameters=DirectoryAuditsRequestBuilder.DirectoryAuditsRequestBuilderGetQueryParameters(
                filter=(
                    f"targetResources/any(t:t/id eq '{ids[3]}') "
                    f"and initiatedBy/app/appId eq '{token_id}' "
                    "and loggedByService eq 'Core Directory'"
                ),
            )
        )
    )
    assert filtered is not None
    assert [e.activity_display_name for e in filtered.value or []] == [
        "Change user license",
        "Add user",
    ]
    with pytest.raises(ODataError) as refused:
        await graph.audit_logs.directory_audits.get(
            RequestConfiguration(
                query_parameters=DirectoryAuditsRequestBuilder.DirectoryAuditsRequestBuilderGetQueryParameters(
                    filter="activityDateTime gt 2026-01-01T00:00:00Z"
                )
            )
        )
    assert refused.value.response_status_code == 400
    assert refused.value.error is not None
    assert refused.value.error.code == "BadRequest"


def test_expand_and_casts_through_msgraph_sdk(server):
    asyncio.run(
        expand_and_casts(graph_client(server, sdk_token(server, "Directory.ReadWrite.All")))
    )


async def expand_and_casts(graph: GraphServiceClient) -> None:
    group = await graph.groups.post(
        Group(display_name="Casted", mail_enabled=False, mail_nickname="c", security_enabled=True)
    )
    other = await graph.groups.post(
        Group(display_name="Other", mail_enabled=False, mail_nickname="o", security_enabled=True)
    )
    assert group is not None
    assert group.id is not None
    assert other is not None
    assert other.id is not None
    ids = []
    for number in range(22):
        user = await graph.users.post(
            User(
                account_enabled=True,
                display_name=f"Member {number:02}",
                user_principal_name=f"member{number:02}@contoso.com",
            )
        )
        assert user is not None
        assert user.id is not None
        ids.append(user.id)
        reference = f"https://graph.microsoft.com/v1.0/directoryObjects/{user.id}"
        await graph.groups.by_group_id(group.id).members.ref.post(
            ReferenceCreate(odata_id=reference)
        )
    await graph.groups.by_group_id(other.id).members.ref.post(
        ReferenceCreate(odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{ids[0]}")
    )

    # $expand: at most 20 members, as the SDK's typed objects, with the nested $select.
    expanded = await graph.groups.by_group_id(group.id).get(
        RequestConfiguration(
            query_parameters=GroupItemRequestBuilder.GroupItemRequestBuilderGetQueryParameters(
                select=["id", "displayName"], expand=["members($select=id,displayName)"]
            )
        )
    )
    assert expanded is not None
    members = expanded.members or []
    assert len(members) == 20
    assert all(isinstance(member, User) for member in members)
    assert [m.display_name for m in members] == [f"Member {n:02}" for n in range(20)]
    user = await graph.users.by_user_id(ids[0]).get(
        RequestConfiguration(
            query_parameters=UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
                expand=["memberOf"]
            )
        )
    )
    assert user is not None
    assert all(isinstance(g, Group) for g in user.member_of or [])
    assert sorted(g.id or "" for g in user.member_of or []) == sorted([group.id, other.id])
    with pytest.raises(ODataError) as refused:
        await graph.groups.by_group_id(group.id).get(
            RequestConfiguration(
                query_parameters=GroupItemRequestBuilder.GroupItemRequestBuilderGetQueryParameters(
                    expand=["members", "owners"]
                )
            )
        )
    assert refused.value.response_status_code == 400
    assert refused.value.error is not None
    assert refused.value.error.code == "BadRequest"

    # Casts, through the SDK's request builders (which send graph.user, graph.group).
    cast = await graph.groups.by_group_id(group.id).members.graph_user.get(
        RequestConfiguration(
            query_parameters=GraphUserRequestBuilder.GraphUserRequestBuilderGetQueryParameters(
                filter="startswith(displayName,'Member 2')", select=["id", "displayName"]
            )
        )
    )
    assert cast is not None
    assert [(u.id, u.display_name) for u in cast.value or []] == [
        (ids[20], "Member 20"),
        (ids[21], "Member 21"),
    ]
    groups_of = await graph.users.by_user_id(ids[0]).member_of.graph_group.get()
    assert groups_of is not None
    assert sorted(g.id or "" for g in groups_of.value or []) == sorted([group.id, other.id])
    no_groups = await graph.groups.by_group_id(group.id).members.graph_group.get()
    assert no_groups is not None
    assert no_groups.value == []


def test_standard_properties_through_msgraph_sdk(server):
    asyncio.run(
        standard_properties(graph_client(server, sdk_token(server, "Directory.ReadWrite.All")))
    )


async def standard_properties(graph: GraphServiceClient) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    created = await graph.users.post(
        User(account_enabled=True, display_name="Xena", user_principal_name="xena@contoso.com")
    )
    assert created is not None
    assert created.id is not None
    names = [
        "id",
        "createdDateTime",
        "userType",
        "mail",
        "givenName",
        "companyName",
        "businessPhones",
        "onPremisesExtensionAttributes",
        "assignedLicenses",
    ]
    user = await graph.users.by_user_id(created.id).get(
        RequestConfiguration(
            query_parameters=UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
                select=names
            )
        )
    )
    assert user is not None
    assert user.user_type == "Member"
    assert user.created_date_time is not None
    assert user.created_date_time >= before
    assert (user.mail, user.given_name, user.company_name) == (None, None, None)
    assert user.business_phones == []
    assert user.on_premises_extension_attributes is not None
    assert user.on_premises_extension_attributes.extension_attribute1 is None
    # The license report that used to answer 400 for `mail`.
    report = await graph.users.get(
        RequestConfiguration(
            query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                select=["displayName", "mail", "userPrincipalName", "assignedLicenses"],
                filter="userType eq 'Member'",
            )
        )
    )
    assert report is not None
    assert [(u.display_name, u.mail, u.user_principal_name) for u in report.value or []] == [
        ("Xena", None, "xena@contoso.com")
    ]
    group = await graph.groups.post(
        Group(display_name="Props", mail_enabled=False, mail_nickname="p", security_enabled=True)
    )
    assert group is not None
    assert group.id is not None
    selected = await graph.groups.by_group_id(group.id).get(
        RequestConfiguration(
            query_parameters=GroupItemRequestBuilder.GroupItemRequestBuilderGetQueryParameters(
                select=["groupTypes", "visibility", "createdDateTime", "securityEnabled"]
            )
        )
    )
    assert selected is not None
    assert selected.group_types == []
    assert selected.security_enabled is True
    assert selected.created_date_time is not None

    # Provisioning writes them through the SDK's models, and reads them back.
    written = await graph.users.post(
        User(
            account_enabled=True,
            display_name="Yuki Tanaka",
            user_principal_name="yuki@contoso.com",
            given_name="Yuki",
            surname="Tanaka",
            mail="yuki.tanaka@contoso.com",
            company_name="Contoso",
            employee_id="E-1001",
            business_phones=["+81 3 5555 0100"],
            on_premises_extension_attributes=OnPremisesExtensionAttributes(
                extension_attribute1="CC-17"
            ),
            usage_location="JP",
        )
    )
    assert written is not None
    assert written.id is not None
    await graph.users.by_user_id(written.id).patch(User(company_name="Fabrikam", user_type="Guest"))
    read = await graph.users.by_user_id(written.id).get(
        RequestConfiguration(
            query_parameters=UserItemRequestBuilder.UserItemRequestBuilderGetQueryParameters(
                select=[
                    "givenName",
                    "surname",
                    "mail",
                    "companyName",
                    "employeeId",
                    "businessPhones",
                    "userType",
                    "proxyAddresses",
                    "onPremisesExtensionAttributes",
                ]
            )
        )
    )
    assert read is not None
    assert (read.given_name, read.surname, read.mail) == (
        "Yuki",
        "Tanaka",
        "yuki.tanaka@contoso.com",
    )
    assert (read.company_name, read.employee_id, read.user_type) == ("Fabrikam", "E-1001", "Guest")
    assert read.business_phones == ["+81 3 5555 0100"]
    assert read.proxy_addresses == ["SMTP:yuki.tanaka@contoso.com"]
    assert read.on_premises_extension_attributes is not None
    assert read.on_premises_extension_attributes.extension_attribute1 == "CC-17"
    guests = await graph.users.get(
        RequestConfiguration(
            query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                filter="userType eq 'Guest' and startswith(mail,'yuki')", select=["id"]
            )
        )
    )
    assert guests is not None
    assert [u.id for u in guests.value or []] == [written.id]
    with pytest.raises(ODataError) as read_only:
        await graph.users.by_user_id(written.id).patch(
            User(created_date_time=datetime(2020, 1, 1, tzinfo=UTC))
        )
    assert read_only.value.response_status_code == 400


def eventual(query: Any = None) -> RequestConfiguration[Any]:
    """ConsistencyLevel: eventual, which Graph's counting and advanced queries require."""
    configuration: RequestConfiguration[Any] = RequestConfiguration(query_parameters=query)
    configuration.headers.add("ConsistencyLevel", "eventual")
    return configuration


def test_counting_and_advanced_queries_through_msgraph_sdk(server):
    token = sdk_token(server, "Directory.ReadWrite.All", "Seatplan.Admin")
    bought = httpx.post(
        f"{server.url}/admin/subscriptions",
        headers={"Authorization": f"Bearer {token}"},
        json={"sku": "ENTERPRISEPACK", "enabledUnits": 10},
    )
    assert bought.status_code == 201, bought.text
    asyncio.run(counting_and_advanced_queries(graph_client(server, token)))


async def counting_and_advanced_queries(graph: GraphServiceClient) -> None:
    ids = {}
    for name in ("Yara Licensed", "Yves Unlicensed", "Zoe Unlicensed"):
        created = await graph.users.post(
            User(
                account_enabled=True,
                display_name=name,
                user_principal_name=f"{name.split()[0].lower()}@contoso.com",
                usage_location="US",
            )
        )
        assert created is not None
        assert created.id is not None
        ids[name] = created.id
    await graph.users.by_user_id(ids["Yara Licensed"]).assign_license.post(
        UserAssignLicense(add_licenses=[AssignedLicense(sku_id=E3)], remove_licenses=[])
    )
    group = await graph.groups.post(
        Group(display_name="Counted", mail_enabled=False, mail_nickname="c", security_enabled=True)
    )
    assert group is not None
    assert group.id is not None
    for user_id in list(ids.values())[:2]:
        reference = f"https://graph.microsoft.com/v1.0/directoryObjects/{user_id}"
        await graph.groups.by_group_id(group.id).members.ref.post(
            ReferenceCreate(odata_id=reference)
        )

    # The SDK's .count builders: /$count as a number, with the header.
    assert await graph.users.count.get(eventual()) == 3
    assert await graph.groups.by_group_id(group.id).members.count.get(eventual()) == 2
    cast = await graph.groups.by_group_id(group.id).members.graph_user.get(
        eventual(GraphUserRequestBuilder.GraphUserRequestBuilderGetQueryParameters(count=True))
    )
    assert cast is not None
    assert cast.odata_count == 2
    with pytest.raises(ODataError) as refused:
        await graph.users.count.get()
    assert refused.value.response_status_code == 400
    assert refused.value.error is not None
    assert refused.value.error.message == "$count is not currently supported."

    # The unlicensed-users report, ordered: an advanced query.
    unlicensed = await graph.users.get(
        eventual(
            UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                filter="assignedLicenses/$count eq 0",
                count=True,
                orderby=["displayName desc"],
                select=["id", "displayName"],
            )
        )
    )
    assert unlicensed is not None
    assert unlicensed.odata_count == 2
    assert [u.display_name for u in unlicensed.value or []] == ["Zoe Unlicensed", "Yves Unlicensed"]
    ending = await graph.users.get(
        eventual(
            UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                filter=(
                    "endswith(userPrincipalName,'es@contoso.com') "
                    "or not(startswith(displayName,'Y'))"
                ),
                count=True,
                select=["displayName"],
            )
        )
    )
    assert ending is not None
    assert sorted(u.display_name or "" for u in ending.value or []) == [
        "Yves Unlicensed",
        "Zoe Unlicensed",
    ]
    found = await graph.users.get(
        eventual(
            UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                search='"displayName:licensed"', select=["displayName"]
            )
        )
    )
    assert found is not None
    assert [u.display_name for u in found.value or []] == ["Yara Licensed"]
    with pytest.raises(ODataError) as without_header:
        await graph.users.get(
            RequestConfiguration(
                query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                    filter="assignedLicenses/$count eq 0", count=True
                )
            )
        )
    assert without_header.value.response_status_code == 400
    assert without_header.value.error is not None
    assert without_header.value.error.code == "Request_UnsupportedQuery"
