"""Query options against the entity specs, and their SQL run on a real SQLite database.

The dataset (`make_engine`, `USER_ROWS`, …) is shared with `test_odata_paging.py`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4, uuid5

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import URL, Engine, create_engine, func, make_url, select, text
from sqlalchemy.orm import Session

from seatplan.api.odata import (
    DIRECTORY_AUDITS,
    GROUPS,
    SUBSCRIBED_SKUS,
    USERS,
    And,
    AnyLicense,
    AnyOf,
    CollectionCount,
    Comparison,
    EndsWith,
    EntitySpec,
    In,
    Items,
    Node,
    Not,
    ODataQuery,
    Or,
    SearchWords,
    StartsWith,
    UnsupportedQuery,
    apply,
    parse_count_query,
    parse_filter,
    parse_query,
    to_where,
)
from seatplan.api.odata.advanced import (
    COUNT_NEEDS_HEADER,
    SEARCH_NEEDS_HEADER,
    SORTING_NEEDS_ADVANCED,
    operator_needs_advanced,
)
from seatplan.api.odata.validate import literal_text
from seatplan.store.search_words import words_of
from seatplan.store.tables import (
    AuditEvent,
    Base,
    Group,
    GroupLicense,
    LicenseAssignment,
    Product,
    User,
)

NS = UUID("00000000-0000-0000-0000-0000000000aa")
E3 = uuid5(NS, "E3")
E5 = uuid5(NS, "E5")
F1 = uuid5(NS, "F1")
T0 = datetime(2026, 1, 1, tzinfo=UTC)

# displayName, userPrincipalName, usageLocation, accountEnabled, department, jobTitle
_USERS = [
    ("Adele Vance", "AdeleV@contoso.com", "US", True, "Retail", "Retail Manager"),
    ("adele vance", "adele2@contoso.com", None, False, None, None),
    ("Alex Wilber", "AlexW@contoso.com", "FR", True, "Marketing", None),
    ("Alex Wilber", "alexw2@contoso.com", "us", True, "marketing", "Designer"),
    ("Bianca 100%", "bianca@contoso.com", "DE", True, "Sales_EU", "Rep"),
    ("Bianca 1000", "bianca2@contoso.com", "US", False, "SalesXEU", "Rep"),
    ("O'Brien", "obrien@contoso.com", None, True, "Sales", None),
    ("Zed", "zed@contoso.com", "FR", True, "Sales", "rep"),
]
USER_IDS = [uuid5(NS, f"user{index}") for index in range(len(_USERS))]
USER_ROWS: list[dict[str, Any]] = [
    {
        "id": user_id,
        "displayName": name,
        "userPrincipalName": upn,
        "usageLocation": location,
        "accountEnabled": enabled,
        "department": department,
        "jobTitle": title,
        "mail": upn.lower() if location else None,
        "proxyAddresses": [f"SMTP:{upn}", f"smtp:{name.split()[0]}@Sales.contoso.com"][: index % 3],
        "otherMails": [f"{name.split()[0]}@fabrikam.com"] if index % 2 else [],
        "onPremisesExtensionAttributes/extensionAttribute1": "Cost-1" if index == 0 else None,
        "licenses": set(),
    }
    for index, (user_id, (name, upn, location, enabled, department, title)) in enumerate(
        zip(USER_IDS, _USERS, strict=True)
    )
]

# displayName, description, securityEnabled, mailEnabled, skus
_GROUPS = [
    ("Sales", "Sales team", True, False, {E3}),
    ("Marketing", None, True, True, {E5}),
    ("sales", "the other one", False, True, set()),
    ("All staff", "Everyone", True, False, {E3, F1}),
]
GROUP_IDS = [uuid5(NS, f"group{index}") for index in range(len(_GROUPS))]
GROUP_ROWS: list[dict[str, Any]] = [
    {
        "id": group_id,
        "displayName": name,
        "description": description,
        "securityEnabled": security,
        "mailEnabled": mail,
        "licenses": skus,
        "hasMembersWithLicenseErrors": False,
    }
    for group_id, (name, description, security, mail, skus) in zip(GROUP_IDS, _GROUPS, strict=True)
]

# user index, sku, source (group index or None), state, error
_ASSIGNMENTS = [
    (0, E3, None, "Active", None),
    (1, E3, 0, "ActiveWithError", "DependencyViolation"),
    (2, E5, 1, "Error", "CountViolation"),
    (3, E5, None, "Disabled", None),
    (4, F1, None, "Active", None),
    (4, E3, 0, "Active", None),
    (5, E3, 3, "Active", None),
    (5, F1, 3, "Active", None),
]
for _user, _sku, _source, _state, _error in _ASSIGNMENTS:
    if _state in ("Active", "ActiveWithError"):
        USER_ROWS[_user]["licenses"].add(_sku)
    if _source is not None and _error is not None:
        GROUP_ROWS[_source]["hasMembersWithLicenseErrors"] = True

# minutes after T0, activityDisplayName, category, result
_AUDITS = [
    (0, "Add member to group", "GroupManagement", "success"),
    (10, "Change user license", "UserManagement", "success"),
    (10, "Change user license", "UserManagement", "failure"),
    (20, "Update user", "UserManagement", "success"),
    (30, "Add member to group", "GroupManagement", "failure"),
    (30, "Update user", "UserManagement", "success"),
    (45, "Change user license", "UserManagement", "success"),
]
AUDIT_ROWS: list[dict[str, Any]] = [
    {
        "id": uuid5(NS, f"audit{index}"),
        "activityDateTime": T0 + timedelta(minutes=minutes),
        "activityDisplayName": name,
        "category": category,
        "result": result,
    }
    for index, (minutes, name, category, result) in enumerate(_AUDITS)
]


PG_ADMIN_URL = os.environ.get(
    "SEATPLAN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@contextmanager
def dataset(backend: str) -> Iterator[Engine]:
    """The rows above in in-memory SQLite, or in a throwaway PostgreSQL database."""
    if backend == "sqlite":
        engine = make_engine("sqlite://")
        yield engine
        engine.dispose()
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"seatplan_odata_{uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:  # any failure means: no usable server here
        admin.dispose()
        if os.environ.get("SEATPLAN_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"PostgreSQL is unusable: {error}")
        pytest.skip(f"no PostgreSQL at {PG_ADMIN_URL}")
    try:
        engine = make_engine(make_url(PG_ADMIN_URL).set(database=name))
        yield engine
        engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_engine(url: str | URL) -> Engine:
    """A database holding the rows above."""
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    with Session(engine) as session:
        for part_number, sku in (("E3", E3), ("E5", E5), ("F1", F1)):
            session.add(Product(sku_id=sku, sku_part_number=part_number, display_name=part_number))
        session.flush()  # no ORM relationships: the foreign keys do not order the inserts
        for row in USER_ROWS:
            session.add(
                User(
                    id=row["id"],
                    user_principal_name=row["userPrincipalName"],
                    upn_key=row["userPrincipalName"].lower(),
                    display_name=row["displayName"],
                    usage_location=row["usageLocation"],
                    account_enabled=row["accountEnabled"],
                    department=row["department"],
                    job_title=row["jobTitle"],
                    mail=row["mail"],
                    proxy_addresses=row["proxyAddresses"],
                    other_mails=row["otherMails"],
                    extension_attributes={
                        "extensionAttribute1": row[
                            "onPremisesExtensionAttributes/extensionAttribute1"
                        ]
                    },
                )
            )
        for row in GROUP_ROWS:
            session.add(
                Group(
                    id=row["id"],
                    display_name=row["displayName"],
                    description=row["description"],
                    security_enabled=row["securityEnabled"],
                    mail_enabled=row["mailEnabled"],
                )
            )
            for sku in row["licenses"]:
                session.add(GroupLicense(group_id=row["id"], sku_id=sku))
        session.flush()
        for user, sku, source, state, error in _ASSIGNMENTS:
            session.add(
                LicenseAssignment(
                    user_id=USER_IDS[user],
                    sku_id=sku,
                    source_id=None if source is None else GROUP_IDS[source],
                    state=state,
                    error=error,
                    since=T0,
                )
            )
        for row in AUDIT_ROWS:
            session.add(
                AuditEvent(
                    id=row["id"],
                    activity_date_time=row["activityDateTime"],
                    activity_display_name=row["activityDisplayName"],
                    category=row["category"],
                    initiated_by={},
                    target_resources=[],
                    result=row["result"],
                )
            )
        session.commit()
    return engine


#: Each spec with its table's id column and the Python rows of the dataset.
DATA: dict[str, tuple[EntitySpec, Any, list[dict[str, Any]]]] = {
    "users": (USERS, User.id, USER_ROWS),
    "groups": (GROUPS, Group.id, GROUP_ROWS),
    "directoryAudits": (DIRECTORY_AUDITS, AuditEvent.id, AUDIT_ROWS),
}


def evaluate(node: Node, row: dict[str, Any], spec: EntitySpec | Items) -> bool:
    """A normalized tree on a Python row, with OData semantics (null is a value)."""
    if isinstance(node, And):
        return all(evaluate(operand, row, spec) for operand in node.operands)
    if isinstance(node, Or):
        return any(evaluate(operand, row, spec) for operand in node.operands)
    if isinstance(node, Not):
        return not evaluate(node.operand, row, spec)
    if isinstance(node, AnyLicense):
        return node.sku_id in row["licenses"]
    if isinstance(node, AnyOf):
        # A list of values: the condition's field ('') is the item itself.
        items = spec.items[node.items]  # type: ignore[union-attr]
        return any(evaluate(node.condition, {"": item}, items) for item in row[node.items])
    if isinstance(node, CollectionCount):
        held = len(row["licenses"])
        return held == node.value if node.op == "eq" else held != node.value
    actual = row[node.field]
    if isinstance(node, SearchWords):
        found = words_of(actual)
        return all(any(word.startswith(part) for word in found) for part in node.words)
    folding = spec.fields[node.field].kind == "string"

    def fold(value: Any) -> Any:
        return value.lower() if folding and isinstance(value, str) else value

    if isinstance(node, StartsWith):
        return actual is not None and fold(actual).startswith(fold(node.prefix))
    if isinstance(node, EndsWith):
        return actual is not None and fold(actual).endswith(fold(node.suffix))
    if isinstance(node, In):
        return any(fold(actual) == fold(value) for value in node.values)
    equal = fold(actual) == fold(node.value)
    if node.op in ("eq", "ne"):
        return equal if node.op == "eq" else not equal
    if actual is None or node.value is None:
        return False
    return {
        "gt": actual > node.value,
        "ge": actual >= node.value,
        "lt": actual < node.value,
        "le": actual <= node.value,
    }[node.op]


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    with dataset(request.param) as engine:
        yield engine


def parse_least(params: dict[str, str], spec: EntitySpec) -> ODataQuery:
    """The options parsed as a plain query, or as an advanced one where Graph needs it."""
    eventual = "$search" in params
    try:
        return parse_query(params, spec, eventual=eventual)
    except UnsupportedQuery as refused:
        if "required parameters might be missing" not in refused.message:
            raise
    return parse_query({**params, "$count": "true"}, spec, eventual=True)


def ids(engine: Engine, entity: str, text: str, option: str = "$filter") -> set[UUID]:
    spec, id_column, _rows = DATA[entity]
    query = parse_least({option: text}, spec)
    with engine.connect() as connection:
        return set(connection.scalars(apply(select(id_column), query, spec)))


def users(*indexes: int) -> set[UUID]:
    return {USER_IDS[index] for index in indexes}


def groups(*indexes: int) -> set[UUID]:
    return {GROUP_IDS[index] for index in indexes}


def audits(*indexes: int) -> set[UUID]:
    return {AUDIT_ROWS[index]["id"] for index in indexes}


# -- option parsing -----------------------------------------------------------------------


def test_defaults() -> None:
    assert parse_query({}, USERS) == ODataQuery(None, None, None, 100, False, (), None)
    assert parse_query({"api-version": "x", "select": "y"}, USERS).top == 100


def test_every_option() -> None:
    query = parse_query(
        [
            ("$select", "id, DisplayName,displayName,usageLocation"),
            ("$filter", "DISPLAYNAME eq 'x'"),
            ("$top", "999"),
            ("$count", "true"),
            ("$orderby", "displayname desc"),
            ("$skiptoken", "abc"),
            ("$search", '"displayName:x"'),
        ],
        USERS,
        eventual=True,
    )
    assert query == ODataQuery(
        select=("id", "displayName", "usageLocation"),
        filter=Comparison("displayName", "eq", "x"),
        search=SearchWords("displayName", ("x",)),
        top=999,
        count=True,
        orderby=(("displayName", True),),
        skiptoken="abc",
    )


def test_option_names_ignore_case() -> None:
    assert parse_query({"$TOP": "5", "$Count": "false"}, USERS).top == 5


def test_orderby_directions() -> None:
    assert parse_query({"$orderby": "displayName"}, GROUPS).orderby == (("displayName", False),)
    assert parse_query({"$orderby": " displayName  asc "}, GROUPS).orderby == (
        ("displayName", False),
    )
    spec = DIRECTORY_AUDITS
    assert parse_query({"$orderby": "activityDateTime asc"}, spec).orderby == (
        ("activityDateTime", False),
    )


def test_multi_dict_pairs_are_all_read() -> None:
    class MultiDict(dict[str, str]):
        def multi_items(self) -> list[tuple[str, str]]:
            return [("$top", "1"), ("$top", "2")]

    with pytest.raises(UnsupportedQuery, match=r"Query option '\$top' is given more than once"):
        parse_query(MultiDict({"$top": "2"}), USERS)


def test_filter_is_normalized() -> None:
    sku = str(E3)
    query = parse_query(
        {"$filter": f"ID eq '{sku}' or assignedLicenses/any(x:x/skuId eq '{sku}')"}, USERS
    )
    assert query.filter == Or((Comparison("id", "eq", E3), AnyLicense(E3)))


REJECTED: list[tuple[EntitySpec, Any, str]] = [
    (USERS, {"$expand": "manager"}, "Query option '$expand' is not supported"),
    (GROUPS, {"$search": '"displayName:a"'}, SEARCH_NEEDS_HEADER),
    (SUBSCRIBED_SKUS, {"$search": '"skuPartNumber:a"'}, "Query option '$search' is not supported"),
    (USERS, {"$skip": "10"}, "Query option '$skip' is not supported"),
    (USERS, {"$format": "json"}, "Query option '$format' is not supported"),
    (USERS, {"$foo": "1"}, "Unknown query option '$foo'"),
    (USERS, [("$top", "1"), ("$top", "1")], "Query option '$top' is given more than once"),
    (USERS, [("$filter", "a"), ("$Filter", "b")], "Query option '$Filter' is given more than once"),
    (USERS, {"$top": "0"}, "$top must be a whole number from 1 to 999, found '0'"),
    (USERS, {"$top": "1000"}, "$top must be a whole number from 1 to 999, found '1000'"),
    (USERS, {"$top": "abc"}, "$top must be a whole number from 1 to 999, found 'abc'"),
    (USERS, {"$top": "-1"}, "found '-1'"),
    (USERS, {"$top": " 5"}, "found ' 5'"),
    (USERS, {"$top": ""}, "found ''"),
    (USERS, {"$count": "yes"}, "$count must be true or false, found 'yes'"),
    (USERS, {"$count": "True"}, "$count must be true or false, found 'True'"),
    (USERS, {"$skiptoken": ""}, "$skiptoken is empty"),
    (USERS, {"$select": "id,,displayName"}, "Empty property name in $select 'id,,displayName'"),
    (USERS, {"$select": ""}, "Empty property name in $select"),
    (USERS, {"$select": "manager/id"}, "Unknown property 'manager/id' of users in $select"),
    (USERS, {"$select": "*"}, "Unknown property '*' of users in $select"),
    (GROUPS, {"$select": "hasMembersWithLicenseErrors"}, "cannot be selected"),
    (
        USERS,
        {"$orderby": "userPrincipalName"},
        "Property 'userPrincipalName' of users is not supported in $orderby",
    ),
    (USERS, {"$orderby": "nope"}, "Unknown property 'nope' of users in $orderby"),
    (USERS, {"$orderby": "displayName up"}, "Malformed $orderby item 'displayName up'"),
    (USERS, {"$orderby": "displayName DESC"}, "Malformed $orderby item 'displayName DESC'"),
    (USERS, {"$orderby": "displayName asc desc"}, "Malformed $orderby item"),
    (USERS, {"$orderby": ""}, "Malformed $orderby item ''"),
    (USERS, {"$orderby": "displayName,displayName desc"}, "'displayName' appears twice"),
    (
        DIRECTORY_AUDITS,
        {"$orderby": "displayName"},
        "Unknown property 'displayName' of directoryAudits in $orderby",
    ),
    (SUBSCRIBED_SKUS, {"$orderby": "skuPartNumber"}, "not supported in $orderby"),
    (USERS, {"$filter": ""}, "$filter is empty"),
    (USERS, {"$filter": "faxNumber eq 'a'"}, "Unknown property 'faxNumber' of users in $filter"),
    (USERS, {"$filter": "proxyAddresses eq 'a'"}, "'proxyAddresses' of users cannot be filtered"),
    (USERS, {"$filter": "mail/any(x:x eq 'a')"}, "Property 'mail' of users has no any() filter"),
    (USERS, {"$filter": "proxyAddresses/any(x:x/a eq 'a')"}, "Unknown property 'a' of users"),
    (
        USERS,
        {"$filter": "businessPhones/any(x:startswith(x,'1'))"},
        "Operator 'startswith' is not supported on the items of users businessPhones",
    ),
    (
        USERS,
        {"$filter": "otherMails/any(x:x eq null)"},
        "An item of a collection cannot be compared with null",
    ),
    (USERS, {"$filter": "userPrincipalName eq null"}, "cannot be compared with null"),
    (GROUPS, {"$filter": "description eq null"}, "'description' cannot be compared with null"),
    (USERS, {"$filter": "signInActivity eq 'x'"}, "'signInActivity' of users cannot be filtered"),
    (
        USERS,
        {"$select": "onPremisesExtensionAttributes/extensionAttribute1"},
        "cannot be selected",
    ),
    (
        USERS,
        {"$filter": "accountEnabled eq 'x'"},
        "Type mismatch in $filter: 'accountEnabled' is a Boolean and cannot be compared with 'x'",
    ),
    (
        USERS,
        {"$filter": "accountEnabled eq 1"},
        "'accountEnabled' is a Boolean and cannot be compared with 1",
    ),
    (
        USERS,
        {"$filter": "displayName eq true"},
        "'displayName' is a string and cannot be compared with true",
    ),
    (
        USERS,
        {"$filter": f"displayName eq {E3}"},
        f"'displayName' is a string and cannot be compared with {E3}",
    ),
    (
        USERS,
        {"$filter": "id eq 'not-a-guid'"},
        "'id' is a GUID and cannot be compared with 'not-a-guid'",
    ),
    (USERS, {"$filter": "id eq 3"}, "'id' is a GUID and cannot be compared with 3"),
    (
        USERS,
        {"$filter": "usageLocation in ('US', 1)"},
        "'usageLocation' is a string and cannot be compared with 1",
    ),
    (
        USERS,
        {"$filter": "displayName gt 'a'"},
        "Operator 'gt' is not supported on property "
        "'displayName' of users (supported: eq, in, ne, startswith)",
    ),
    (
        USERS,
        {"$filter": "startswith(onPremisesImmutableId,'U')"},
        "Operator 'startswith' is not supported on property 'onPremisesImmutableId'",
    ),
    (
        USERS,
        {"$filter": "startswith(id,'0')"},
        "Operator 'startswith' is not supported on property 'id'",
    ),
    (
        USERS,
        {"$filter": "accountEnabled in (true)"},
        "Operator 'in' is not supported on property 'accountEnabled'",
    ),
    (
        USERS,
        {"$filter": "assignedLicenses eq 'x'"},
        "Property 'assignedLicenses' of users cannot be filtered",
    ),
    (
        GROUPS,
        {"$filter": "hasMembersWithLicenseErrors ne true"},
        "Operator 'ne' is not supported on property 'hasMembersWithLicenseErrors'",
    ),
    (
        DIRECTORY_AUDITS,
        {"$filter": "activityDateTime ge 2026"},
        "'activityDateTime' is a datetime and cannot be compared with 2026",
    ),
    (
        DIRECTORY_AUDITS,
        {"$filter": "activityDateTime ge '2026-01-01T00:00:00Z'"},
        "is a datetime and cannot be compared with '2026-01-01T00:00:00Z'",
    ),
    (
        DIRECTORY_AUDITS,
        {"$filter": "activityDateTime ge null"},
        "null cannot be compared with 'ge' on 'activityDateTime'",
    ),
    (
        DIRECTORY_AUDITS,
        {"$filter": "activityDateTime gt 2026-01-01T00:00:00Z"},
        "Operator 'gt' is not supported on property 'activityDateTime' of directoryAudits "
        "(supported: eq, ge, le)",
    ),
    (
        DIRECTORY_AUDITS,
        {"$filter": "category in ('UserManagement')"},
        "Operator 'in' is not supported on property 'category' of directoryAudits",
    ),
    (
        DIRECTORY_AUDITS,
        {"$filter": "startswith(initiatedBy/app/appId,'a')"},
        "Operator 'startswith' is not supported on property 'initiatedBy/app/appId'",
    ),
    (
        DIRECTORY_AUDITS,
        {"$filter": "operationType eq 'Add'"},
        "Property 'operationType' of directoryAudits cannot be filtered",
    ),
    (
        DIRECTORY_AUDITS,
        {"$filter": "targetResources/any(t:t/type eq 'User')"},
        "Unknown property 'type' of directoryAudits targetResources in $filter",
    ),
    (
        DIRECTORY_AUDITS,
        {"$filter": "targetResources/any(t:startswith(t/id,'a'))"},
        "Operator 'startswith' is not supported on property 'id' of directoryAudits "
        "targetResources",
    ),
    (
        DIRECTORY_AUDITS,
        {"$filter": "targetResources/any(t:t/id eq 'a' and t/type eq 'User')"},
        "targetResources/any takes one condition at position 34 of $filter",
    ),
    (
        DIRECTORY_AUDITS,
        {"$filter": "targetResources/any(t:x/id eq 'a')"},
        "Unknown lambda variable 'x'",
    ),
    (
        DIRECTORY_AUDITS,
        {"$filter": "initiatedBy/any(t:t/id eq 'a')"},
        "Property 'initiatedBy' of directoryAudits has no any() filter",
    ),
    (
        USERS,
        {"$filter": "targetResources/any(t:t/id eq 'a')"},
        "Property 'targetResources' of users has no any() filter",
    ),
    (
        DIRECTORY_AUDITS,
        {"$filter": f"assignedLicenses/any(x:x/skuId eq {E3})"},
        "assignedLicenses/any is not supported on directoryAudits",
    ),
    (
        SUBSCRIBED_SKUS,
        {"$filter": "consumedUnits eq 3"},
        "Property 'consumedUnits' of subscribedSkus cannot be filtered",
    ),
    (USERS, {"$filter": "displayName eq 'a' and"}, "at position 22 of $filter"),
]


@pytest.mark.parametrize(("spec", "params", "message"), REJECTED)
def test_rejections(spec: EntitySpec, params: Any, message: str) -> None:
    with pytest.raises(UnsupportedQuery) as caught:
        parse_query(params, spec)
    assert message in caught.value.message
    assert caught.value.code == "Request_UnsupportedQuery"


# -- Graph's advanced queries -------------------------------------------------------------

ADVANCED = {"$count": "true"}
#: What Graph refuses without `ConsistencyLevel: eventual` and `$count=true`: the options
#: without them, and the operator Graph names.
NEEDS_ADVANCED: list[tuple[EntitySpec, dict[str, str], str]] = [
    (USERS, {"$filter": "displayName ne 'a'"}, "ne"),
    (USERS, {"$filter": "accountEnabled ne true"}, "ne"),
    (USERS, {"$filter": "id eq '" + str(E3) + "' or department ne null"}, "ne"),
    (USERS, {"$filter": "not(displayName eq 'a')"}, "not"),
    (USERS, {"$filter": "NOT startsWith(displayName, 'Conf')"}, "not"),
    (USERS, {"$filter": f"not(assignedLicenses/any(x:x/skuId eq {E3}))"}, "not"),
    (USERS, {"$filter": "endswith(userPrincipalName,'@contoso.com')"}, "endsWith"),
    (USERS, {"$filter": "assignedLicenses/$count eq 0"}, "$count"),
    (USERS, {"$filter": "assignedLicenses/$count ne 0"}, "$count"),
    (GROUPS, {"$filter": "assignedLicenses/$count eq 0"}, "$count"),
    (USERS, {"$filter": "displayName eq null"}, "eq"),
    (USERS, {"$filter": "department eq null"}, "eq"),
    (USERS, {"$filter": "jobTitle in ('Rep', null)"}, "in"),
    (GROUPS, {"$filter": "displayName ne 'Sales'"}, "ne"),
]


@pytest.mark.parametrize(("spec", "params", "operator"), NEEDS_ADVANCED)
def test_advanced_operators_need_the_header_and_count(
    spec: EntitySpec, params: dict[str, str], operator: str
) -> None:
    message = operator_needs_advanced(operator)
    for eventual, extra in ((False, {}), (False, ADVANCED), (True, {})):
        with pytest.raises(UnsupportedQuery) as caught:
            parse_query({**params, **extra}, spec, eventual=eventual)
        assert caught.value.message == message
        assert caught.value.code == "Request_UnsupportedQuery"
    assert parse_query({**params, **ADVANCED}, spec, eventual=True).count


def test_graphs_message_for_an_advanced_operator() -> None:
    assert operator_needs_advanced("endsWith") == (
        "Operator 'endsWith' is not supported because the required parameters might be "
        "missing. Try adding $count=true query parameter and ConsistencyLevel:eventual "
        "header. Refer to https://aka.ms/graph-docs/advanced-queries for more information"
    )


def test_filter_with_orderby_needs_advanced() -> None:
    params = {"$filter": "startswith(displayName,'a')", "$orderby": "displayName"}
    for eventual, extra in ((False, {}), (False, ADVANCED), (True, {})):
        with pytest.raises(UnsupportedQuery) as caught:
            parse_query({**params, **extra}, USERS, eventual=eventual)
        assert (
            caught.value.message
            == SORTING_NEEDS_ADVANCED
            == ("Sorting not supported for current query.")
        )
    assert parse_query({**params, **ADVANCED}, USERS, eventual=True).orderby
    search = {"$search": '"displayName:a"', "$orderby": "displayName"}
    with pytest.raises(UnsupportedQuery, match="Sorting not supported"):
        parse_query(search, GROUPS, eventual=True)
    assert parse_query({**search, **ADVANCED}, GROUPS, eventual=True).orderby
    # Elsewhere than on directory objects, nothing needs the header.
    audits = {"$filter": "result eq 'success'", "$orderby": "activityDateTime"}
    assert parse_query(audits, DIRECTORY_AUDITS).orderby


def test_search_needs_the_header_only() -> None:
    for spec in (USERS, GROUPS):
        with pytest.raises(UnsupportedQuery) as caught:
            parse_query({"$search": '"displayName:a"', **ADVANCED}, spec)
        assert (
            caught.value.message
            == SEARCH_NEEDS_HEADER
            == (
                "Request with $search query parameter only works through MSGraph with a special "
                "request header: 'ConsistencyLevel: eventual'"
            )
        )
        assert parse_query({"$search": '"displayName:a"'}, spec, eventual=True).search
    # Its clauses follow the advanced rules of $filter: no ne without $count=true.
    with pytest.raises(UnsupportedQuery, match="Operator 'ne'"):
        parse_query(
            {"$search": '"displayName:a"', "$filter": "displayName ne 'b'"}, USERS, eventual=True
        )


def test_count_is_ignored_without_the_header_on_directory_objects() -> None:
    """Graph answers no @odata.count rather than an error."""
    assert not parse_query(ADVANCED, USERS).count
    assert not parse_query(ADVANCED, GROUPS).count
    assert parse_query(ADVANCED, USERS, eventual=True).count
    assert not parse_query({"$count": "false"}, USERS, eventual=True).count
    assert parse_query(ADVANCED, DIRECTORY_AUDITS).count
    assert parse_query(ADVANCED, SUBSCRIBED_SKUS).count


def test_a_property_graph_refuses_in_advanced_queries() -> None:
    params = {"$filter": "hasMembersWithLicenseErrors eq true"}
    assert parse_query({**params, **ADVANCED}, GROUPS).filter is not None
    for extra in ({}, ADVANCED):
        with pytest.raises(UnsupportedQuery) as caught:
            parse_query({**params, **extra}, GROUPS, eventual=True)
        assert caught.value.message == (
            "Unsupported or invalid query filter clause specified for property "
            "'hasMembersWithLicenseErrors' of resource 'Group'."
        )


ADVANCED_REJECTED: list[tuple[EntitySpec, dict[str, str], str]] = [
    (
        USERS,
        {"$filter": "endswith(displayName,'a')"},
        "Operator 'endswith' is not supported on property 'displayName' of users",
    ),
    (USERS, {"$filter": "assignedLicenses/$count eq 2"}, "can only be compared with 0 or 1"),
    (USERS, {"$filter": "displayName/$count eq 0"}, "'displayName/$count' is not supported"),
    (USERS, {"$filter": "nope/$count eq 0"}, "Unknown property 'nope' of users"),
    (
        USERS,
        {"$search": '"onPremisesImmutableId:x"'},
        "'onPremisesImmutableId' of users is not supported in $search",
    ),
    (USERS, {"$search": '"accountEnabled:true"'}, "'accountEnabled' of users is not supported"),
    (USERS, {"$search": '"nope:x"'}, "Property 'nope' of users is not supported in $search"),
    (USERS, {"$search": '"displayName:   "'}, "has no text"),
    (USERS, {"$search": "displayName:a"}, "Expected a clause in double quotes"),
    (GROUPS, {"$search": '"hasMembersWithLicenseErrors:true"'}, "is not supported in $search"),
]


@pytest.mark.parametrize(("spec", "params", "message"), ADVANCED_REJECTED)
def test_refused_even_in_an_advanced_query(
    spec: EntitySpec, params: dict[str, str], message: str
) -> None:
    with pytest.raises(UnsupportedQuery) as caught:
        parse_query({**params, **ADVANCED}, spec, eventual=True)
    assert message in caught.value.message
    assert caught.value.code == "Request_UnsupportedQuery"


def test_the_count_segment() -> None:
    query = parse_count_query({"$filter": "displayName ne 'a'"}, USERS, eventual=True)
    assert query.count
    assert query.filter == Comparison("displayName", "ne", "a")
    assert parse_count_query({"$search": '"displayName:a"'}, GROUPS, eventual=True).search
    assert parse_count_query({}, DIRECTORY_AUDITS).count
    for spec in (USERS, GROUPS):
        with pytest.raises(UnsupportedQuery) as caught:
            parse_count_query({}, spec)
        assert (caught.value.code, caught.value.message) == (
            "Request_BadRequest",
            COUNT_NEEDS_HEADER,
        )
        assert COUNT_NEEDS_HEADER == "$count is not currently supported."
    for option in ("$top", "$select", "$orderby", "$count", "$skiptoken"):
        with pytest.raises(UnsupportedQuery, match="is not supported with /\\$count"):
            parse_count_query({option: "1"}, USERS, eventual=True)
    with pytest.raises(UnsupportedQuery, match="Unknown query option"):
        parse_count_query({"$nope": "1"}, USERS, eventual=True)


def test_search_clauses_become_words_or_prefixes() -> None:
    query = parse_query(
        {"$search": '"displayName:OneVideo" OR "userPrincipalName:Adele"'}, USERS, eventual=True
    )
    assert query.search == Or(
        (SearchWords("displayName", ("one", "video")), StartsWith("userPrincipalName", "Adele"))
    )
    query = parse_query({"$search": '"description:Sales-Team"'}, GROUPS, eventual=True)
    assert query.search == SearchWords("description", ("sales", "-", "team"))


def test_to_where_checks_a_raw_tree() -> None:
    with pytest.raises(UnsupportedQuery, match="Unknown property 'nope' of users"):
        to_where(parse_filter("nope eq 1"), USERS)


# -- SQL on a real database -----------------------------------------------------------------

CASES: list[tuple[str, str, set[UUID]]] = [
    ("users", "displayName eq 'Adele Vance'", users(0, 1)),
    ("users", "displayName eq 'ADELE VANCE'", users(0, 1)),
    ("users", "DisplayName eq 'O''Brien'", users(6)),
    ("users", "userPrincipalName eq 'adelev@CONTOSO.com'", users(0)),
    ("users", "displayName ne 'Adele Vance'", users(2, 3, 4, 5, 6, 7)),
    ("users", "department ne 'Sales'", users(0, 1, 2, 3, 4, 5)),
    ("users", "department eq null", users(1)),
    ("users", "department ne null", users(0, 2, 3, 4, 5, 6, 7)),
    ("users", "not(department eq 'Sales')", users(0, 1, 2, 3, 4, 5)),
    ("users", "NOT startsWith(displayName, 'a')", users(4, 5, 6, 7)),
    ("users", "not(department eq 'Sales' or department eq null)", users(0, 2, 3, 4, 5)),
    ("users", "endswith(userPrincipalName,'2@CONTOSO.com')", users(1, 3, 5)),
    ("users", "endswith(userPrincipalName,'%')", set()),
    ("users", "assignedLicenses/$count eq 0", users(2, 3, 6, 7)),
    ("users", "assignedLicenses/$count ne 0", users(0, 1, 4, 5)),
    ("users", "assignedLicenses/$count eq 1", users(0, 1)),
    ("users", "assignedLicenses/$count ne 1", users(2, 3, 4, 5, 6, 7)),
    ("users", f"not(assignedLicenses/any(x:x/skuId eq {E3}))", users(2, 3, 6, 7)),
    ("groups", "assignedLicenses/$count eq 0", groups(2)),
    ("groups", "assignedLicenses/$count eq 1", groups(0, 1)),
    ("groups", "assignedLicenses/$count ne 1", groups(2, 3)),
    ("users", "department ne null", users(0, 2, 3, 4, 5, 6, 7)),
    ("users", "jobTitle eq 'rep'", users(4, 5, 7)),
    ("users", "accountEnabled eq false", users(1, 5)),
    ("users", "accountEnabled ne true", users(1, 5)),
    ("users", "startswith(displayName,'al')", users(2, 3)),
    ("users", "startswith(displayName,'')", set(USER_IDS)),
    ("users", "startswith(displayName,'Bianca 100%')", users(4)),
    ("users", "startswith(department,'sales_')", users(4)),
    ("users", "startswith(department,'sales')", users(4, 5, 6, 7)),
    ("users", "startswith(displayName,'o''b')", users(6)),
    ("users", "usageLocation in ('us', 'FR')", users(0, 2, 3, 5, 7)),
    ("users", "usageLocation in ('DE', null)", users(1, 4, 6)),
    ("users", "usageLocation in (null)", users(1, 6)),
    ("users", f"id eq {USER_IDS[3]}", users(3)),
    ("users", f"id in ('{USER_IDS[3]}', {str(USER_IDS[4]).upper()})", users(3, 4)),
    ("users", f"assignedLicenses/any(x:x/skuId eq {E3})", users(0, 1, 4, 5)),
    ("users", f"assignedLicenses/any(u:u/skuId eq {E5})", set()),
    ("users", f"assignedLicenses/any(x:x/skuId eq {F1}) and accountEnabled eq true", users(4)),
    (
        "users",
        "usageLocation eq 'us' or department eq 'sales' and accountEnabled eq true",
        users(0, 3, 5, 6, 7),
    ),
    (
        "users",
        "(usageLocation eq 'us' or department eq 'sales') and accountEnabled eq true",
        users(0, 3, 6, 7),
    ),
    ("groups", "displayName eq 'sales'", groups(0, 2)),
    ("groups", "hasMembersWithLicenseErrors eq true", groups(0, 1)),
    ("groups", "hasMembersWithLicenseErrors eq false", groups(2, 3)),
    ("groups", f"assignedLicenses/any(x:x/skuId eq {E3})", groups(0, 3)),
    ("groups", "mailEnabled eq true and securityEnabled eq true", groups(1)),
    ("groups", "description eq 'EVERYONE'", groups(3)),
    ("users", "mail eq null", users(1, 6)),
    ("users", "proxyAddresses/any(p:startswith(p,'smtp:'))", users(1, 2, 4, 5, 7)),
    ("users", "proxyAddresses/any(p:p eq 'smtp:alex@sales.contoso.com')", users(2)),
    ("users", "otherMails/any(m:m eq 'ALEX@fabrikam.com')", users(3)),
    ("users", "otherMails/any(m:startswith(m, 'b')) and accountEnabled eq false", users(5)),
    (
        "users",
        "onPremisesExtensionAttributes/extensionAttribute1 eq null",
        users(1, 2, 3, 4, 5, 6, 7),
    ),
    ("users", "onPremisesExtensionAttributes/extensionAttribute1 in ('COST-1')", users(0)),
    ("groups", "startswith(description,'THE')", groups(2)),
    ("directoryAudits", "activityDateTime ge 2026-01-01T00:30:00Z", audits(4, 5, 6)),
    ("directoryAudits", "activityDateTime le 2026-01-01T01:00:00+01:00", audits(0)),
    ("directoryAudits", "activityDateTime le 2026-01-01T00:10:00Z", audits(0, 1, 2)),
    ("directoryAudits", "activityDateTime eq 2026-01-01T00:10:00.000Z", audits(1, 2)),
    (
        "directoryAudits",
        "activityDisplayName eq 'Update user' and result eq 'success'",
        audits(3, 5),
    ),
    (
        "directoryAudits",
        "category eq 'groupmanagement' and activityDateTime ge 2026-01-01T00:01:00Z",
        audits(4),
    ),
]


@pytest.mark.parametrize(("entity", "text", "expected"), CASES)
def test_rows_returned(engine: Engine, entity: str, text: str, expected: set[UUID]) -> None:
    assert ids(engine, entity, text) == expected
    spec, _column, rows = DATA[entity]
    node = parse_least({"$filter": text}, spec).filter
    assert node is not None
    assert {row["id"] for row in rows if evaluate(node, row, spec)} == expected


SEARCHES: list[tuple[str, str, set[UUID]]] = [
    ("users", '"displayName:adele"', users(0, 1)),
    ("users", '"displayName:VAN"', users(0, 1)),
    ("users", '"displayName:vance adele"', users(0, 1)),
    ("users", '"displayName:ance"', set()),
    ("users", '"displayName:100"', users(4, 5)),
    ("users", '"displayName:100%"', users(4)),
    ("users", '"displayName:Bianca 1000"', users(5)),
    ("users", '"displayName:obrien"', users(6)),
    ("users", '"displayName:Brien"', users(6)),
    ("users", '"displayName:O\'"', users(6)),
    ("users", '"displayName:alex" AND "userPrincipalName:alexw2"', users(3)),
    ("users", '"displayName:zed" OR "userPrincipalName:ADELEV"', users(0, 7)),
    ("users", '"userPrincipalName:contoso"', set()),
    ("groups", '"displayName:sales"', groups(0, 2)),
    ("groups", '"description:team" OR "description:every"', groups(0, 3)),
    ("groups", '"description:One" AND ("displayName:sales" OR "displayName:x")', groups(2)),
    ("groups", '"description:other one"', groups(2)),
]


@pytest.mark.parametrize(("entity", "text", "expected"), SEARCHES)
def test_search_finds_words(engine: Engine, entity: str, text: str, expected: set[UUID]) -> None:
    assert ids(engine, entity, text, "$search") == expected
    spec, _column, rows = DATA[entity]
    node = parse_query({"$search": text}, spec, eventual=True).search
    assert node is not None
    assert {row["id"] for row in rows if evaluate(node, row, spec)} == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("hello world", ["hello", "world"]),
        ("HelloWorld", ["hello", "world", "helloworld"]),
        ("helloWORLD", ["hello", "world", "helloworld"]),
        ("HELLOworld", ["helloworld"]),
        ("HelloWORld", ["hello", "world", "helloworld"]),
        ("hello.world", ["hello", ".", "world", "helloworld"]),
        ("hello123world", ["hello", "123", "world", "hello123world"]),
        ("李四(David Li)", ["李四", "(", "david", "李四david", "li", ")"]),
        ("", []),
        (None, []),
    ],
)
def test_words_as_graph_cuts_them(value: str | None, words: list[str]) -> None:
    assert words_of(value) == words


def test_default_and_requested_order(engine: Engine) -> None:
    with engine.connect() as connection:
        rows = connection.execute(
            apply(select(User.display_name, User.id), parse_query({}, USERS), USERS)
        ).all()
        query = parse_query({"$orderby": "displayName desc"}, USERS)
        names = list(connection.scalars(apply(select(User.display_name), query, USERS)))
        if engine.dialect.name == "sqlite":  # elsewhere the collation decides
            assert rows == sorted(rows, key=lambda row: (row[0], row[1].hex))
            assert names == sorted(names, reverse=True)
        ties = [row[1] for row in rows if row[0] == "Alex Wilber"]
        assert ties == sorted(ties)
        times = list(
            connection.scalars(
                apply(
                    select(AuditEvent.activity_date_time),
                    parse_query({}, DIRECTORY_AUDITS),
                    DIRECTORY_AUDITS,
                )
            )
        )
        assert times == sorted(times, reverse=True)
        assert times[0].tzinfo is not None


def test_count_statement(engine: Engine) -> None:
    query = parse_query({"$filter": "startswith(displayName,'a')", "$count": "true"}, USERS)
    assert query.filter is not None
    stmt = select(func.count()).select_from(User).where(to_where(query.filter, USERS))
    with engine.connect() as connection:
        assert connection.scalar(stmt) == 4


# -- property: SQL and Python agree on random filters ------------------------------------------

#: Candidate literals for each filterable field (strings collide by case and hold ', %, _).
POOLS: dict[str, dict[str, list[Any]]] = {
    "users": {
        "id": [*USER_IDS[:3], uuid5(NS, "nobody")],
        "userPrincipalName": ["adelev@contoso.com", "ALEXW@contoso.com", "nobody@x"],
        "displayName": ["Adele Vance", "ALEX WILBER", "O'Brien", "Bianca 100%", "zed", "Bianca"],
        "usageLocation": ["US", "us", "FR", "DE", None],
        "accountEnabled": [True, False, None],
        "department": ["Sales", "SALES_EU", "marketing", "Retail", None],
        "jobTitle": ["Rep", "designer", None],
        "mail": ["adelev@contoso.com", "ZED@contoso.com", "x", None],
        "proxyAddresses": ["smtp:adelev@contoso.com", "SMTP:ZED@CONTOSO.COM", "smtp:zed@x"],
        "otherMails": ["Alex@fabrikam.com", "o'@fabrikam.com", "x"],
    },
    "groups": {
        "id": [*GROUP_IDS[:2], uuid5(NS, "nogroup")],
        "displayName": ["Sales", "SALES", "marketing", "All staff", "x"],
        "description": ["Sales team", "EVERYONE", None],
        "securityEnabled": [True, False],
        "mailEnabled": [True, False],
        "hasMembersWithLicenseErrors": [True, False],
    },
    "directoryAudits": {
        "id": [AUDIT_ROWS[0]["id"], AUDIT_ROWS[3]["id"]],
        "activityDateTime": [T0 + timedelta(minutes=m) for m in (-5, 0, 10, 25, 30, 45, 60)],
        "activityDisplayName": ["Update user", "change USER license", "nothing"],
        "category": ["UserManagement", "groupmanagement"],
        "result": ["success", "FAILURE"],
    },
}
PREFIXES = [
    "",
    "a",
    "A",
    "adele v",
    "al",
    "bianca 100",
    "Bianca 100%",
    "o'",
    "sales_",
    "SALES",
    "Sa",
    "mark",
    "x",
    "E",
    "Update",
    "change user",
    "Add",
]
SUFFIXES = ["", "m", "CONTOSO.COM", "2@contoso.com", "@x", "%", "_"]
SKUS = [E3, E5, F1, uuid5(NS, "none")]


def _literal(draw: st.DrawFn, value: Any) -> str:
    if isinstance(value, UUID) and draw(st.booleans()):
        return f"'{value}'"  # Graph writes ids quoted too
    return literal_text(value)


def _name(draw: st.DrawFn, name: str) -> str:
    return draw(st.sampled_from([name, name.lower(), name.upper()]))


@st.composite
def leaves(draw: st.DrawFn, entity: str) -> tuple[str, Node]:
    spec = DATA[entity][0]
    pool = POOLS[entity]
    choices: list[str] = [
        name for name in pool if name in spec.items or spec.fields[name].filterable_ops
    ]
    if spec.any_license is not None:
        choices.append("any")
    if spec.license_count is not None:
        choices.append("count")
    choice = draw(st.sampled_from(choices))
    if choice == "count":
        op, number = draw(st.sampled_from(["eq", "ne"])), draw(st.sampled_from([0, 1]))
        return f"assignedLicenses/$count {op} {number}", CollectionCount(
            "assignedLicenses",
            op,  # type: ignore[arg-type]
            number,
        )
    if choice == "any":
        sku = draw(st.sampled_from(SKUS))
        var = draw(st.sampled_from(["x", "lic", "a1"]))
        return f"assignedLicenses/any({var}:{var}/skuId eq {_literal(draw, sku)})", AnyLicense(sku)
    collection = choice in spec.items
    field = spec.items[choice].fields[""] if collection else spec.fields[choice]
    # null is a value, not an operator; any() takes one comparison or startswith.
    unparsed = {"null", "endswith", "in"} if collection else {"null"}
    op = draw(st.sampled_from(sorted(field.filterable_ops - unparsed)))
    name = _name(draw, choice)
    nullable = "null" in field.filterable_ops
    values_of = [v for v in pool[choice] if v is not None or nullable]
    subject = name
    if collection:
        subject = draw(st.sampled_from(["x", "p"]))
    condition: Comparison | StartsWith | In
    if op == "startswith":
        prefix = draw(st.sampled_from(PREFIXES))
        text = f"startswith({subject},{literal_text(prefix)})"
        condition = StartsWith(field.name, prefix)
    elif op == "endswith":
        suffix = draw(st.sampled_from(SUFFIXES))
        text = f"endswith({subject},{literal_text(suffix)})"
        condition = EndsWith(field.name, suffix)
    elif op == "in":
        values = draw(st.lists(st.sampled_from(values_of), min_size=1, max_size=3))
        text = f"{subject} in ({', '.join(_literal(draw, value) for value in values)})"
        condition = In(field.name, tuple(values))
    else:
        pool_values = values_of if op in ("eq", "ne") else [v for v in values_of if v is not None]
        value = draw(st.sampled_from(pool_values))
        text = f"{subject} {op} {_literal(draw, value)}"
        condition = Comparison(field.name, op, value)  # type: ignore[arg-type]
    if collection:
        assert not isinstance(condition, In)
        return f"{name}/any({subject}:{text})", AnyOf(choice, condition)
    return text, condition


@st.composite
def filters(draw: st.DrawFn, entity: str, depth: int = 2) -> tuple[str, Node]:
    """A filter text and the tree it means, precedence resolved here independently."""
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        text, tree = draw(leaves(entity))
        if DATA[entity][0].advanced_queries and draw(st.integers(0, 4)) == 0:
            return f"{draw(st.sampled_from(['not', 'NOT']))}({text})", Not(tree)
        return text, tree
    parts = draw(st.lists(filters(entity, depth - 1), min_size=2, max_size=4))
    joins = draw(
        st.lists(st.sampled_from(["and", "or"]), min_size=len(parts) - 1, max_size=len(parts) - 1)
    )
    text = f"({parts[0][0]})"
    groups_: list[list[Node]] = [[parts[0][1]]]
    for join, (part_text, part_node) in zip(joins, parts[1:], strict=True):
        text += f" {join} ({part_text})"
        if join == "and":
            groups_[-1].append(part_node)
        else:
            groups_.append([part_node])
    ors = [group[0] if len(group) == 1 else And(tuple(group)) for group in groups_]
    return text, ors[0] if len(ors) == 1 else Or(tuple(ors))


def _check(engine: Engine, entity: str, text: str, expected_tree: Node) -> None:
    spec, _column, rows = DATA[entity]
    try:
        parsed = parse_least({"$filter": text}, spec).filter
    except UnsupportedQuery as refused:
        # Graph's advanced queries refuse hasMembersWithLicenseErrors: ne or not with it
        # is refused either way.
        assume("invalid query filter clause" not in refused.message)
        raise
    assert parsed is not None
    python = {row["id"] for row in rows if evaluate(parsed, row, spec)}
    assert python == {row["id"] for row in rows if evaluate(expected_tree, row, spec)}
    assert ids(engine, entity, text) == python


_PROPERTY = settings(
    max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@_PROPERTY
@given(data=st.data())
def test_sql_matches_python_on_users(engine: Engine, data: st.DataObject) -> None:
    text, tree = data.draw(filters("users"))
    _check(engine, "users", text, tree)


@_PROPERTY
@given(data=st.data())
def test_sql_matches_python_on_groups(engine: Engine, data: st.DataObject) -> None:
    text, tree = data.draw(filters("groups"))
    _check(engine, "groups", text, tree)


@_PROPERTY
@given(data=st.data())
def test_sql_matches_python_on_audits(engine: Engine, data: st.DataObject) -> None:
    text, tree = data.draw(filters("directoryAudits"))
    _check(engine, "directoryAudits", text, tree)


def test_evaluate_is_not_trivial() -> None:
    """Guards the property: the evaluator tells rows apart."""
    node: Callable[[str], Node | None] = lambda text: parse_query({"$filter": text}, USERS).filter  # noqa: E731
    tree = node("accountEnabled eq true")
    assert tree is not None
    assert 0 < sum(evaluate(tree, row, USERS) for row in USER_ROWS) < len(USER_ROWS)
