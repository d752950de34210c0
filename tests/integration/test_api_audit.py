"""`/v1.0/auditLogs/directoryAudits`: Graph's filters and refusals, one event by id, and
the properties Entra writes (correlationId, operationType, modifiedProperties)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from tests.integration.api_support import E3, buy, error_of, make_group, make_user, process

from seatplan.services import audit, tokens
from seatplan.store.db import Database

EXCHANGE_S = "efb87545-963c-4e0d-99df-69c6916d9eb0"  # EXCHANGE_S_ENTERPRISE (part of E3)
SWAY = "a23b959c-7ce8-4e57-9140-b90eb88a9e97"  # SWAY (part of E3)
AUDITS = "/v1.0/auditLogs/directoryAudits"
MEGAN = audit.Actor("user", "Megan Bowen", str(uuid4()), "megan@contoso.com")


@dataclass
class Log:
    """A small log: a token's changes, a portal administrator's, and one failure."""

    headers: dict[str, str]
    token_id: str
    alice: str
    group: str
    megan_event: str


@pytest.fixture
def log(db: Database, client: TestClient) -> Log:
    with db.writing() as session:
        info, secret = tokens.create(
            session, name="provisioning job", scopes=list(tokens.PERMISSIONS)
        )
    headers = {"Authorization": f"Bearer {secret}"}
    alice = make_user(client, headers, "alice")
    group = make_group(client, headers, "Sales", alice)
    with db.writing() as session:
        audit.record(
            session,
            activity="Update company settings",
            category="DirectoryManagement",
            targets=[audit.target("Organization", uuid4(), "Contoso")],
            actor=MEGAN,
        )
    with db.writing() as session:
        audit.record(
            session,
            activity="Delete user",
            category="UserManagement",
            targets=[audit.target("User", alice, "alice@contoso.com")],
            actor=MEGAN,
            result="failure",
            reason="The user is protected.",
        )
    (failed,) = _get(client, headers, "result eq 'failure'")
    return Log(headers, info.id, alice, group, failed["id"])


def _get(client: TestClient, headers: dict[str, str], text: str, **options: str) -> list[Any]:
    query = "&".join([f"$filter={quote(text)}", *(f"${k}={v}" for k, v in options.items())])
    answer = client.get(f"{AUDITS}?{query}", headers=headers)
    assert answer.status_code == 200, answer.text
    return list(answer.json()["value"])


def _activities(client: TestClient, log: Log, text: str) -> list[str]:
    return [event["activityDisplayName"] for event in _get(client, log.headers, text)]


def test_one_event_by_id_as_the_list_returns_it(client: TestClient, log: Log) -> None:
    listed = client.get(AUDITS, headers=log.headers).json()["value"]
    for event in listed:
        one = client.get(f"{AUDITS}/{event['id']}", headers=log.headers)
        assert one.status_code == 200, one.text
        body = one.json()
        assert body.pop("@odata.context").endswith("$metadata#auditLogs/directoryAudits/$entity")
        assert body == event

    chosen = client.get(
        f"{AUDITS}/{log.megan_event}?$select=id,result,resultReason", headers=log.headers
    ).json()
    assert chosen["@odata.context"].endswith(
        "$metadata#auditLogs/directoryAudits(id,result,resultReason)/$entity"
    )
    assert {k: v for k, v in chosen.items() if k != "@odata.context"} == {
        "id": log.megan_event,
        "result": "failure",
        "resultReason": "The user is protected.",
    }


@pytest.mark.parametrize("missing", [str(uuid4()), "not-a-guid"])
def test_an_absent_event_answers_404(client: TestClient, log: Log, missing: str) -> None:
    assert error_of(client.get(f"{AUDITS}/{missing}", headers=log.headers)) == (
        404,
        "Request_ResourceNotFound",
        f"directoryAudit '{missing}' was not found.",
    )


def test_one_event_refuses_collection_options(client: TestClient, log: Log) -> None:
    status, code, _message = error_of(
        client.get(f"{AUDITS}/{log.megan_event}?$filter=result eq 'failure'", headers=log.headers)
    )
    assert (status, code) == (400, "Request_UnsupportedQuery")


def test_filters_on_what_the_event_says(client: TestClient, log: Log) -> None:
    everything = client.get(AUDITS, headers=log.headers).json()["value"]
    assert [e["activityDisplayName"] for e in everything] == [
        "Delete user",
        "Update company settings",
        "Add member to group",
        "Add group",
        "Add user",
        "Add access token",
    ]
    oldest, newest = everything[-1]["activityDateTime"], everything[0]["activityDateTime"]
    middle = everything[2]["activityDateTime"]
    cases = {
        f"activityDateTime ge {middle}": [
            "Delete user",
            "Update company settings",
            "Add member to group",
        ],
        f"activityDateTime le {middle}": [
            "Add member to group",
            "Add group",
            "Add user",
            "Add access token",
        ],
        f"activityDateTime eq {oldest}": ["Add access token"],
        f"activityDateTime ge {oldest} and activityDateTime le {newest}": [
            e["activityDisplayName"] for e in everything
        ],
        "activityDisplayName eq 'add GROUP'": ["Add group"],
        "startswith(activityDisplayName,'Add ')": [
            "Add member to group",
            "Add group",
            "Add user",
            "Add access token",
        ],
        "startswith(activityDisplayName,'add m')": ["Add member to group"],
        "category eq 'UserManagement'": ["Delete user", "Add user"],
        "result eq 'failure'": ["Delete user"],
        "loggedByService eq 'Core Directory'": [e["activityDisplayName"] for e in everything],
        "loggedByService eq 'B2C'": [],
        f"correlationId eq {everything[2]['correlationId']}": ["Add member to group"],
        f"id eq '{everything[3]['id']}'": ["Add group"],
    }
    for text, expected in cases.items():
        assert _activities(client, log, text) == expected, text


def test_filters_on_who_initiated_it(client: TestClient, log: Log) -> None:
    by_token = ["Add member to group", "Add group", "Add user"]
    by_megan = ["Delete user", "Update company settings"]
    cases = {
        f"initiatedBy/user/id eq '{MEGAN.id}'": by_megan,
        f"initiatedBy/user/id eq '{str(MEGAN.id).upper()}'": by_megan,
        "initiatedBy/user/displayName eq 'megan bowen'": by_megan,
        "initiatedBy/user/userPrincipalName eq 'megan@contoso.com'": by_megan,
        "startswith(initiatedBy/user/userPrincipalName,'MEG')": by_megan,
        "startswith(initiatedBy/user/userPrincipalName,'alex')": [],
        f"initiatedBy/app/appId eq '{log.token_id}'": by_token,
        "initiatedBy/app/displayName eq 'provisioning job'": by_token,
        "initiatedBy/user/id eq '00000000-0000-0000-0000-000000000000'": [],
    }
    for text, expected in cases.items():
        assert _activities(client, log, text) == expected, text


def test_filters_on_what_it_targets(client: TestClient, log: Log) -> None:
    cases = {
        f"targetResources/any(t:t/id eq '{log.alice}')": [
            "Delete user",
            "Add member to group",
            "Add user",
        ],
        f"targetResources/any(t: t/id eq '{log.group.upper()}')": [
            "Add member to group",
            "Add group",
        ],
        "targetResources/any(x:x/displayName eq 'sales')": ["Add member to group", "Add group"],
        "targetResources/any(x:startswith(x/displayName,'alice@'))": [
            "Delete user",
            "Add member to group",
            "Add user",
        ],
        f"targetResources/any(t:t/id eq '{log.alice}') and category eq 'GroupManagement'": [
            "Add member to group"
        ],
        f"targetResources/any(t:t/id eq '{log.group}') or result eq 'failure'": [
            "Delete user",
            "Add member to group",
            "Add group",
        ],
    }
    for text, expected in cases.items():
        assert _activities(client, log, text) == expected, text


def test_top_orderby_and_paging_with_a_filter(client: TestClient, log: Log) -> None:
    text = quote(f"targetResources/any(t:t/id eq '{log.alice}')")
    answer = client.get(
        f"{AUDITS}?$filter={text}&$top=2&$orderby=activityDateTime asc", headers=log.headers
    ).json()
    first = [e["activityDisplayName"] for e in answer["value"]]
    assert first == ["Add user", "Add member to group"]
    rest = client.get(answer["@odata.nextLink"], headers=log.headers).json()
    assert [e["activityDisplayName"] for e in rest["value"]] == ["Delete user"]
    assert "@odata.nextLink" not in rest


#: What Graph's list of directoryAudit filters does not hold, and the reason given.
REFUSED = {
    "activityDateTime gt 2026-01-01T00:00:00Z": "Operator 'gt' is not supported on property "
    "'activityDateTime' of directoryAudits (supported: eq, ge, le)",
    "activityDateTime lt 2026-01-01T00:00:00Z": "Operator 'lt' is not supported",
    "activityDisplayName ne 'Add user'": "Operator 'ne' is not supported",
    "category in ('UserManagement')": "Operator 'in' is not supported on property 'category'",
    "startswith(category,'User')": "Operator 'startswith' is not supported",
    "startswith(initiatedBy/user/displayName,'M')": "Operator 'startswith' is not supported",
    "startswith(initiatedBy/app/displayName,'p')": "Operator 'startswith' is not supported",
    "operationType eq 'Add'": "Property 'operationType' of directoryAudits cannot be filtered",
    "resultReason eq 'x'": "Property 'resultReason' of directoryAudits cannot be filtered",
    "initiatedBy/user/ipAddress eq '1.2.3.4'": "Unknown property 'initiatedBy/user/ipAddress'",
    "targetResources/any(t:t/type eq 'User')": "Unknown property 'type' of directoryAudits "
    "targetResources in $filter",
    "targetResources/any(t:startswith(t/id,'a'))": "Operator 'startswith' is not supported on "
    "property 'id' of directoryAudits targetResources",
    "targetResources/any(t:t/id eq 'a' and t/type eq 'User')": "targetResources/any takes one "
    "condition",
    "targetResources/all(t:t/id eq 'a')": "Unsupported lambda 'targetResources/all'",
    "correlationId eq 'abc'": "'correlationId' is a GUID and cannot be compared with 'abc'",
    "activityDateTime ge": "Expected a literal",
}


@pytest.mark.parametrize("text", list(REFUSED))
def test_filters_graph_does_not_list_are_refused(client: TestClient, log: Log, text: str) -> None:
    status, code, message = error_of(
        client.get(f"{AUDITS}?$filter={quote(text)}", headers=log.headers)
    )
    assert (status, code) == (400, "BadRequest")
    assert message.startswith("Invalid filter clause: ")
    assert REFUSED[text] in message


def test_other_options_keep_their_refusals(client: TestClient, log: Log) -> None:
    assert error_of(client.get(f"{AUDITS}?$orderby=category", headers=log.headers)) == (
        400,
        "Request_UnsupportedQuery",
        "Property 'category' of directoryAudits is not supported in $orderby",
    )


def test_events_say_what_entra_says(client: TestClient, log: Log) -> None:
    events = {
        e["activityDisplayName"]: e for e in client.get(AUDITS, headers=log.headers).json()["value"]
    }
    added = events["Add member to group"]
    assert added["loggedByService"] == "Core Directory"
    assert added["operationType"] == "Add"
    assert added["additionalDetails"] == []
    assert added["initiatedBy"] == {
        "app": {"appId": log.token_id, "displayName": "provisioning job"},
        "user": None,
    }
    assert [
        (t["type"], t["userPrincipalName"], t["groupType"]) for t in added["targetResources"]
    ] == [
        ("User", "alice@contoso.com", None),
        ("Group", None, "azureAD"),
    ]
    assert events["Delete user"]["operationType"] == "Delete"
    assert events["Update company settings"]["operationType"] == "Update"


def test_the_events_of_one_request_share_its_request_id(
    db: Database, client: TestClient, log: Log
) -> None:
    buy(db)
    answer = client.post(
        f"/v1.0/groups/{log.group}/assignLicense",
        headers=log.headers,
        json={"addLicenses": [{"skuId": E3, "disabledPlans": []}], "removeLicenses": []},
    )
    assert answer.status_code == 202, answer.text
    (event,) = _get(client, log.headers, "activityDisplayName eq 'Set group license'")
    assert event["correlationId"] == answer.headers["request-id"]
    others = {e["correlationId"] for e in _get(client, log.headers, "category eq 'UserManagement'")}
    assert event["correlationId"] not in others

    process(db)  # one batch: the events of a worker's batch share one id of their own
    framing = _get(client, log.headers, "startswith(activityDisplayName,'Start applying')")
    framing += _get(client, log.headers, "startswith(activityDisplayName,'Finish applying')")
    assert len(framing) == 2
    assert len({e["correlationId"] for e in framing}) == 1
    assert framing[0]["correlationId"] != event["correlationId"]
    UUID(framing[0]["correlationId"])


def _assigned_license(event: dict[str, Any]) -> tuple[list[str], list[str]]:
    (changed,) = event["targetResources"][0]["modifiedProperties"]
    assert changed["displayName"] == "AssignedLicense"
    return json.loads(changed["oldValue"]), json.loads(changed["newValue"])


def _e3(*disabled: str) -> str:
    return f"[SkuName=ENTERPRISEPACK, SkuId={E3}, DisabledPlans=[{', '.join(sorted(disabled))}]]"


def test_a_change_of_disabled_plans_shows_the_plans_on_either_side(
    db: Database, client: TestClient, log: Log
) -> None:
    buy(db)
    user = f"/v1.0/users/{log.alice}"
    client.patch(user, headers=log.headers, json={"usageLocation": "US"})
    for disabled in ([], [EXCHANGE_S, SWAY], [SWAY]):
        answer = client.post(
            f"{user}/assignLicense",
            headers=log.headers,
            json={"addLicenses": [{"skuId": E3, "disabledPlans": disabled}], "removeLicenses": []},
        )
        assert answer.status_code == 200, answer.text
    answer = client.post(
        f"{user}/assignLicense",
        headers=log.headers,
        json={"addLicenses": [], "removeLicenses": [E3]},
    )
    assert answer.status_code == 200, answer.text
    changes = _get(client, log.headers, "activityDisplayName eq 'Change user license'")
    assert [_assigned_license(e) for e in reversed(changes)] == [
        ([], [_e3()]),
        ([_e3()], [_e3(EXCHANGE_S, SWAY)]),
        ([_e3(EXCHANGE_S, SWAY)], [_e3(SWAY)]),
        ([_e3(SWAY)], []),
    ]
    assert {e["targetResources"][0]["userPrincipalName"] for e in changes} == {"alice@contoso.com"}

    for disabled in ([], [SWAY]):
        answer = client.post(
            f"/v1.0/groups/{log.group}/assignLicense",
            headers=log.headers,
            json={"addLicenses": [{"skuId": E3, "disabledPlans": disabled}], "removeLicenses": []},
        )
        assert answer.status_code == 202, answer.text
    sets = _get(client, log.headers, "activityDisplayName eq 'Set group license'")
    assert [_assigned_license(e) for e in reversed(sets)] == [
        ([], [_e3()]),
        ([_e3()], [_e3(SWAY)]),
    ]


def test_portal_shows_a_license_change_readably(db: Database, client: TestClient, log: Log) -> None:
    from seatplan.services.reports import audit_log

    buy(db)
    answer = client.post(
        f"/v1.0/groups/{log.group}/assignLicense",
        headers=log.headers,
        json={"addLicenses": [{"skuId": E3, "disabledPlans": [SWAY]}], "removeLicenses": []},
    )
    with db.reading() as session:
        page = audit_log.audit_page(session, activity="Set group license")
    assert [(row.modified, str(row.correlation)) for row in page.items] == [
        # The portal names the plans (the log keeps their ids, as Entra's does).
        ((f"AssignedLicense: - → {_e3('SWAY')}",), answer.headers["request-id"])
    ]
