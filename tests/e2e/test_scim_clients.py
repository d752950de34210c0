"""Independent SCIM software against `seatplan serve`: the scim2-tester compliance checker,
and the scim2-client library driving a provisioning scenario, over HTTP on localhost.

The checker's findings are recorded here: every check it runs must pass except those named in
`NOT_CHECKED`, each with the reason Seatplan answers otherwise.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from typing import overload

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import PatchOp, PatchOperation, SearchRequest
from scim2_tester import Status, check_server
from tests.e2e.server import Server, running_server

_FORMATTED = (
    "name.formatted is published read-only: Seatplan composes it from givenName and "
    "familyName, and the checker compares it with the null it sent"
)
_EMAILS = (
    "Graph keeps one mail, given back as the primary work email, and otherMails (type "
    "other): an email's type and primary are Seatplan's, not the client's"
)
_PHONES = "Graph's businessPhones and mobilePhone have no primary flag: primary comes back unset"
_ADDRESS = (
    "Seatplan keeps one address, the work address (Graph's streetAddress, city, state, "
    "postalCode, country): it comes back with type work and primary"
)
_MANAGER = (
    "manager.displayName is published read-only and filled by Seatplan; the checker "
    "compares it with the null it sent"
)
#: What scim2-tester 0.5.2 reports that Seatplan answers otherwise by design, by the check's
#: title and the attribute (or endpoint) its finding names, with the reason.
NOT_CHECKED: dict[tuple[str, str], str] = {
    **{
        (title, subject): reason
        for title in ("check_add_attribute", "check_replace_attribute")
        for subject, reason in (
            ("name", _FORMATTED),
            ("emails", _EMAILS),
            ("phoneNumbers", _PHONES),
            ("addresses", _ADDRESS),
            ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", _MANAGER),
            ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager", _MANAGER),
            ("members", "members.display is published read-only and filled by Seatplan"),
        )
    },
    **{
        (title, ".search"): "POST /.search (RFC 7644 §3.4.3, a MAY) is not served: "
        "identity providers query with GET and a filter"
        for title in ("search_with_attributes",)
    },
    ("check_remove_attribute", "displayName"): "Graph requires a user's displayName: a "
    "removal keeps it",
    ("check_remove_attribute", "userType"): "Graph's userType is Member or Guest, never "
    "unset: a removal keeps it",
    ("check_remove_attribute", "active"): "Graph's accountEnabled is true or false, never "
    "unset: a removal keeps it (Okta and Entra send active false to disable)",
}

FAILING = {Status.ERROR, Status.CRITICAL}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    database = tmp_path_factory.mktemp("scim") / "scim.db"
    with running_server(f"sqlite:///{database}") as running:
        yield running


def scim_client(server: Server, name: str) -> SyncSCIMClient:
    created = server.cli("token", "create", "--name", name, "--scope", "Seatplan.Provisioning")
    token = created.strip().splitlines()[-1]
    http = httpx2.Client(
        base_url=f"{server.url}/scim/v2",
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    return SyncSCIMClient(http)


class FreshNames(Sequence[str]):
    """Endless userPrincipalNames, each new: the checker picks a field's example when it
    has some, and a userName Seatplan keeps must be name@domain, which a SCIM schema
    cannot say (random UUIDs are refused with 400 invalidValue)."""

    def __len__(self) -> int:
        return 1_000_000

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [self[0]]
        return f"{uuid.uuid4().hex}@scim2-tester.example"


def describe_constraints(client: SyncSCIMClient) -> None:
    """Give the checker values of the shape Seatplan requires where the schemas cannot say."""
    client.discover()
    user = client.get_resource_model("User")
    assert user is not None
    examples: dict[str, Sequence[str]] = {
        "user_name": FreshNames(),
        # Graph's employeeId: at most 16 characters.
        "employee_number": ["E1001", "E2002"],
        # An ISO 3166 country code (two letters).
        "usage_location": ["US", "FR", "JP"],
    }
    for model in (user, *client.provider.models, *user.get_extension_models().values()):
        for name, values in examples.items():
            if name in model.model_fields:
                model.model_fields[name].examples = values  # type: ignore[assignment]


def _subject(reason: str) -> str:
    """The attribute a finding names ('…' in its reason), or the endpoint /.search."""
    if "/.search" in reason:
        return ".search"
    quoted = re.search(r"'([^']+)'", reason)
    return quoted[1] if quoted else ""


def test_scim2_tester_finds_nothing_wrong(server: Server) -> None:
    client = scim_client(server, "scim2-tester")
    describe_constraints(client)
    results = check_server(client)
    statuses = Counter(result.status.name for result in results)
    print("scim2-tester:", dict(statuses))  # what the checker reports, in the test's output
    failures = [
        f"{r.resource_type or ''} {r.title}: {r.reason}"
        for r in results
        if r.status in FAILING and (r.title, _subject(r.reason or "")) not in NOT_CHECKED
    ]
    assert not failures, "\n".join(failures)
    # It did check resources, not only discovery.
    assert {r.resource_type for r in results} >= {"User", "Group"}
    assert statuses[Status.SUCCESS.name] > 20


def test_scim2_client_provisions_a_user_and_a_group(server: Server) -> None:
    client = scim_client(server, "scim2-client")
    client.discover()  # the models it uses are those Seatplan's /Schemas publishes
    user_model = client.get_resource_model("User")
    group_model = client.get_resource_model("Group")
    assert user_model is not None
    assert group_model is not None
    extensions = {model.__name__: model for model in user_model.get_extension_models().values()}
    enterprise = extensions["EnterpriseUser"]

    user = user_model(
        user_name="grace@example.com",
        external_id="grace-1",
        name={"given_name": "Grace", "family_name": "Hopper"},
        emails=[{"value": "grace@example.com", "type": "work", "primary": True}],
        active=True,
    )
    user[enterprise] = enterprise(department="Navy")
    created = client.create(user)
    assert created.id
    assert created.user_name == "grace@example.com"
    assert created[enterprise].department == "Navy"

    found = client.query(
        user_model, query_parameters=SearchRequest(filter='userName eq "grace@example.com"')
    )
    assert found.total_results == 1
    assert found.resources[0].id == created.id

    patch = PatchOp[user_model](
        operations=[
            PatchOperation(op="replace", path="name.familyName", value="Murray Hopper"),
            PatchOperation(op="replace", path="active", value=False),
        ]
    )
    client.modify(user_model, created.id, patch)
    fetched = client.query(user_model, created.id)
    assert fetched.name.family_name == "Murray Hopper"
    assert fetched.active is False

    group = client.create(group_model(display_name="Compilers", members=[{"value": created.id}]))
    assert [m.value for m in client.query(group_model, group.id).members or []] == [created.id]
    remove = PatchOperation(op="remove", path=f'members[value eq "{created.id}"]')
    client.modify(group_model, group.id, PatchOp[group_model](operations=[remove]))
    assert not client.query(group_model, group.id).members

    client.delete(group_model, group.id)
    client.delete(user_model, created.id)
    gone = client.query(
        user_model, query_parameters=SearchRequest(filter='userName eq "grace@example.com"')
    )
    assert gone.total_results == 0
