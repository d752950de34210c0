"""Every list of the API and the portal reads through indexes: no per-row scan.

Each case requests a list (a first page, a next page, filters) on the demo tenant,
captures every SELECT it runs, and asks the database for each one's plan:

- SQLite (`EXPLAIN QUERY PLAN`, which without statistics does not depend on how many rows
  there are): no bare `SCAN` of a big table, no inner loop of a join that scans one, and
  every correlated subquery over a big table is a `SEARCH` on the key of the outer row
  (`user_id=?` for users). The 88 s membersWithLicenseErrors was such a subquery
  searching `(source_id=?)` for every user.
- PostgreSQL (`EXPLAIN` with `enable_seqscan = off`, since on a handful of rows a
  sequential scan is always cheapest): no `Seq Scan` of a big table remains, so each one
  has an index to read it by; and no subplan repeats a scan without an index condition.

A substring search (`?search=`, `target=`) reads every row once by nature: its cases
name the table they may scan. The members and licensed-users lists choose a plan by size
(walk users in order, or sort the few rows); both ways are checked.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from tests.integration.portal_support import csrf_of

from seatplan import demo
from seatplan.server import create_app
from seatplan.services import admins, catalog, directory, lookup, tokens
from seatplan.services.reports import paged
from seatplan.settings import Settings
from seatplan.store.db import Database
from seatplan.store.prepared import Reader

BIG = frozenset(
    {
        "app_user",
        "membership",
        "license_assignment",
        "audit_event",
        "audit_target",
        "license_queue",
    }
)
#: The column that names the outer row in a per-row probe of a big table.
OUTER_KEY = {"app_user": ("user_id=?",), "directory_group": ("group_id=?", "source_id=?")}


@dataclass(frozen=True)
class Case:
    path: str
    #: Big tables a substring search reads in full.
    may_scan: frozenset[str] = frozenset()
    #: Follow `@odata.nextLink` and check the plans of the next page.
    next_page: bool = False
    #: An index the list must use.
    uses: str | None = None
    #: Send `ConsistencyLevel: eventual` (Graph's advanced queries: counting, $search…).
    eventual: bool = False


@dataclass
class Tenant:
    db: Database
    api: TestClient
    portal: TestClient
    headers: dict[str, str]
    ids: dict[str, str] = field(default_factory=dict)


def _cases() -> dict[str, Case]:
    users = frozenset({"app_user"})
    return {
        "users": Case("/v1.0/users?$top=3", next_page=True, uses="ix_app_user_display_name"),
        "users_desc": Case("/v1.0/users?$top=3&$orderby=displayName desc", next_page=True),
        "users_count": Case("/v1.0/users?$count=true&$top=3", eventual=True),
        "users_count_segment": Case("/v1.0/users/$count", eventual=True),
        "users_unlicensed": Case(
            "/v1.0/users?$filter=assignedLicenses/$count eq 0&$count=true&$top=3",
            next_page=True,
            eventual=True,
        ),
        "users_licensed_count": Case(
            "/v1.0/users/$count?$filter=assignedLicenses/$count ne 0", eventual=True
        ),
        "users_without_e3": Case(
            "/v1.0/users?$filter=not(assignedLicenses/any(x:x/skuId eq {E3}))&$count=true&$top=3",
            next_page=True,
            eventual=True,
        ),
        # Counting what most users match (Graph needs $count=true with `ne`, or with
        # $orderby and $filter) reads them all, as any count on an unindexed property.
        "users_ne": Case(
            "/v1.0/users?$filter=department ne 'Analytics'&$count=true&$top=3",
            may_scan=users,
            next_page=True,
            eventual=True,
        ),
        "users_filter_orderby": Case(
            "/v1.0/users?$filter=accountEnabled eq true&$orderby=displayName desc"
            "&$count=true&$top=3",
            may_scan=users,
            next_page=True,
            eventual=True,
        ),
        # No B-tree index serves a suffix or a word inside a value: these read every user.
        "users_endswith": Case(
            "/v1.0/users?$filter=endswith(userPrincipalName,'contoso.com')&$count=true&$top=3",
            may_scan=users,
            next_page=True,
            eventual=True,
        ),
        "users_search": Case(
            '/v1.0/users?$search="displayName:a"&$count=true&$top=3',
            may_scan=users,
            eventual=True,
        ),
        "users_licenses": Case("/v1.0/users?$select=id,licenseAssignmentStates&$top=3"),
        "users_startswith": Case("/v1.0/users?$filter=startswith(displayName,'a')"),
        "users_department": Case("/v1.0/users?$filter=department eq 'Analytics'&$top=2"),
        "users_with_e3": Case(
            "/v1.0/users?$filter=assignedLicenses/any(x:x/skuId eq {E3})&$top=3",
            next_page=True,
        ),
        "member_of": Case("/v1.0/users/{adele}/memberOf"),
        "license_details": Case("/v1.0/users/{adele}/licenseDetails"),
        "groups": Case("/v1.0/groups?$top=2", next_page=True),
        "groups_with_errors": Case(
            "/v1.0/groups?$filter=hasMembersWithLicenseErrors eq true&$count=true&$top=1",
            next_page=True,
            uses="ix_license_assignment_errors",
        ),
        "groups_with_e3": Case("/v1.0/groups?$filter=assignedLicenses/any(x:x/skuId eq {E3})"),
        "members": Case(
            "/v1.0/groups/{All Staff}/members?$top=3&$count=true", next_page=True, eventual=True
        ),
        "members_count_segment": Case("/v1.0/groups/{All Staff}/members/$count", eventual=True),
        "members_search": Case(
            '/v1.0/groups/{All Staff}/members?$search="displayName:a"&$top=3',
            may_scan=users,
            eventual=True,
        ),
        "member_of_count_segment": Case("/v1.0/users/{adele}/memberOf/$count", eventual=True),
        "groups_count_segment": Case("/v1.0/groups/$count", eventual=True),
        "groups_search": Case('/v1.0/groups?$search="description:staff"', eventual=True),
        "members_startswith": Case(
            "/v1.0/groups/{All Staff}/members?$filter=startswith(displayName,'a')"
        ),
        "members_with_errors": Case(
            "/v1.0/groups/{Marketing}/membersWithLicenseErrors?$top=1&$count=true",
            next_page=True,
            uses="ix_license_assignment_errors",
            eventual=True,
        ),
        "members_with_errors_count_segment": Case(
            "/v1.0/groups/{Marketing}/membersWithLicenseErrors/$count",
            uses="ix_license_assignment_errors",
            eventual=True,
        ),
        "members_with_errors_left": Case(
            "/v1.0/groups/{Security team}/membersWithLicenseErrors",
            uses="ix_license_assignment_errors",
        ),
        "subscribed_skus": Case("/v1.0/subscribedSkus"),
        "audits": Case("/v1.0/auditLogs/directoryAudits?$top=3", next_page=True),
        "audits_activity": Case(
            "/v1.0/auditLogs/directoryAudits?$filter=activityDisplayName eq 'Add user'&$top=2",
            next_page=True,
        ),
        "audits_since": Case(
            "/v1.0/auditLogs/directoryAudits?$filter=activityDateTime ge 2020-01-01T00:00:00Z"
        ),
        "audits_correlation": Case(
            "/v1.0/auditLogs/directoryAudits?$filter=correlationId eq "
            "00000000-0000-0000-0000-000000000000",
            uses="ix_audit_event_correlation_id",
        ),
        "audits_logged_by": Case(
            "/v1.0/auditLogs/directoryAudits?$filter=loggedByService eq 'Core Directory'&$top=2",
            next_page=True,
        ),
        "audits_user": Case(
            "/v1.0/auditLogs/directoryAudits?$filter=initiatedBy/user/id eq 'x'",
            uses="ix_audit_event_initiator_user_id",
        ),
        "audits_user_name": Case(
            "/v1.0/auditLogs/directoryAudits?$filter=initiatedBy/user/displayName eq 'x'",
            uses="ix_audit_event_initiator_user_name",
        ),
        "audits_upn": Case(
            "/v1.0/auditLogs/directoryAudits?$filter=initiatedBy/user/userPrincipalName eq 'x'",
            uses="ix_audit_event_initiator_upn",
        ),
        "audits_upn_prefix": Case(
            "/v1.0/auditLogs/directoryAudits?$filter=startswith(initiatedBy/user/userPrincipalName,"
            "'a')"
        ),
        "audits_app": Case(
            "/v1.0/auditLogs/directoryAudits?$filter=initiatedBy/app/appId eq 'x'",
            uses="ix_audit_event_initiator_app_id",
        ),
        "audits_app_name": Case(
            "/v1.0/auditLogs/directoryAudits?$filter=initiatedBy/app/displayName eq 'x'",
            uses="ix_audit_event_initiator_app_name",
        ),
        "audits_target": Case(
            "/v1.0/auditLogs/directoryAudits?$filter=targetResources/any(t:t/id eq '{adele}')"
            "&$top=1",
            next_page=True,
            uses="ix_audit_target_target_id",
        ),
        "audits_target_name": Case(
            "/v1.0/auditLogs/directoryAudits?$filter=targetResources/any(t:t/displayName eq "
            "'All Staff')",
            uses="ix_audit_target_display_name",
        ),
        "audits_target_prefix": Case(
            "/v1.0/auditLogs/directoryAudits?$filter=targetResources/any(t:startswith("
            "t/displayName,'All'))",
            may_scan=frozenset({"audit_target"}),
        ),
        "admin_subscriptions": Case("/admin/subscriptions"),
        "admin_tokens": Case("/admin/tokens"),
        "admin_products": Case("/admin/catalog/products?search=E3"),
        "portal_products": Case("/licenses"),
        "portal_product": Case("/licenses/{E3}"),
        "portal_product_page_2": Case("/licenses/{E3}?page=2"),
        "portal_groups": Case("/groups"),
        "portal_groups_search": Case("/groups?search=staff"),
        "portal_group": Case("/groups/{All Staff}"),
        "portal_group_page_2": Case("/groups/{All Staff}?page=2"),
        "portal_group_search": Case("/groups/{All Staff}?search=adele", may_scan=users),
        "portal_group_errors": Case(
            "/groups/{Analysts}/errors", uses="ix_license_assignment_errors"
        ),
        "portal_group_state": Case("/groups/{Analysts}/state"),
        "portal_users": Case("/users"),
        "portal_users_page_2": Case("/users?page=2"),
        "portal_users_search": Case("/users?search=adele", may_scan=users),
        "portal_user": Case("/users/{adele}"),
        "portal_audit": Case("/audit"),
        "portal_audit_activity": Case("/audit?activity=Add+user"),
        "portal_audit_target": Case("/audit?target=adele", may_scan=frozenset({"audit_event"})),
        "portal_audit_dates": Case("/audit?from=2020-01-01&to=2099-12-31"),
        "portal_audit_by_activity": Case("/audit?sort=activity&dir=desc"),
        "portal_users_by_name": Case("/users?sort=name&dir=desc"),
        "portal_users_in_error": Case("/users?errors=1"),
        "portal_users_error_kind": Case("/users?error=CountViolation&sort=name"),
        "portal_users_product": Case("/users?product={E3}"),
        "portal_users_product_in_error": Case("/users?errors=1&product={E3}"),
        "portal_groups_by_members": Case("/groups?sort=members"),
        "portal_groups_by_errors": Case("/groups?sort=errors&errors=1&product={E3}"),
        "portal_group_by_name": Case("/groups/{All Staff}?sort=name&dir=desc"),
        "portal_group_in_error": Case("/groups/{All Staff}?errors=1"),
        "portal_product_by_name": Case("/licenses/{E3}?sort=name&dir=desc"),
        "portal_product_search": Case("/licenses/{E3}?search=alex", may_scan=users),
        "portal_product_groups": Case("/licenses/{E3}/groups?sort=errors"),
        "portal_errors": Case("/errors", uses="ix_license_assignment_errors"),
        "portal_errors_by_product": Case("/errors?sort=product&dir=desc"),
        "portal_errors_filtered": Case("/errors?error=CountViolation&product={E3}"),
        "portal_group_errors_by_error": Case("/groups/{Analysts}/errors?sort=error"),
    }


CASES = _cases()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def tenant(request: pytest.FixtureRequest, _templates: Any) -> Iterator[Tenant]:
    """The demo tenant with a reader signed in to the portal and a token for the API."""
    if request.param == "sqlite":
        url = _templates.sqlite_url()
    else:
        from tests.conftest import REQUIRE_PG, _pg_reachable

        problem = _pg_reachable()
        if problem is not None:
            if REQUIRE_PG:
                pytest.fail(f"SEATPLAN_TEST_REQUIRE_POSTGRES=1, PostgreSQL unusable: {problem}")
            pytest.skip(problem)
        url = _templates.pg_url()
    db = Database(url)
    demo.load(db)
    with db.writing() as session:
        admins.create(session, username="reader", role=admins.GLOBAL_READER, password="reader-pw-1")
        _, token = tokens.create(session, name="plans", scopes=list(tokens.PERMISSIONS))
        ids = {
            "E3": str(catalog.find_product(session, "ENTERPRISEPACK").sku_id),
            "adele": str(lookup.user(session, demo.upn("adele")).id),
            **{
                name: str(lookup.group(session, name).id)
                for name in ("All Staff", "Analysts", "Marketing", "Security team")
            },
        }
    app = create_app(db, Settings(database_url=url, secret_key="plans"))
    with TestClient(app) as api, TestClient(app) as portal:
        page = portal.get("/signin")
        portal.post(
            "/signin",
            data={
                "csrf_token": csrf_of(page.text),
                "username": "reader",
                "password": "reader-pw-1",
            },
        )
        yield Tenant(db, api, portal, {"Authorization": f"Bearer {token}"}, ids)
    db.dispose()


@dataclass
class Captured:
    statements: list[tuple[str, Any]] = field(default_factory=list)


@pytest.fixture
def captured(tenant: Tenant, monkeypatch: pytest.MonkeyPatch) -> Iterator[Captured]:
    """Every SELECT run while the test requests, through Core or as a prepared read."""
    found = Captured()

    def on_execute(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            found.statements.append((statement, parameters))

    event.listen(tenant.db.engine, "before_cursor_execute", on_execute)
    original = Reader.all

    def reading(self: Reader, statement: Any, **params: Any) -> Any:
        compiled = statement.compiled(tenant.db.engine.dialect)
        values = {
            name: value if (convert := compiled.binds.get(name)) is None else convert(value)
            for name, value in params.items()
        }
        if compiled.positional is not None:
            found.statements.append((compiled.sql, tuple(values[n] for n in compiled.positional)))
        else:
            found.statements.append((compiled.sql, values))
        return original(self, statement, **params)

    monkeypatch.setattr(Reader, "all", reading)
    yield found
    event.remove(tenant.db.engine, "before_cursor_execute", on_execute)


def _sqlite_problems(rows: list[tuple[Any, ...]], case: Case) -> list[str]:
    """What a plan of SQLite does per row or in full that it should not."""
    nodes = {row[0]: (row[1], str(row[3])) for row in rows}
    problems = []

    def table(detail: str) -> str | None:
        found = re.match(r"(?:SCAN|SEARCH) (\w+)", detail)
        return found.group(1) if found else None

    def loops(parent: int) -> list[str]:
        return [d for p, d in nodes.values() if p == parent and d.startswith(("SCAN", "SEARCH"))]

    for node, (parent, detail) in nodes.items():
        name = table(detail)
        scans = name in BIG and detail.startswith("SCAN")
        if scans and "INDEX" not in detail and name not in case.may_scan:
            problems.append(f"reads every row of {name}: {detail}")
        siblings = loops(parent)
        if scans and siblings and siblings[0] != detail:
            problems.append(f"scans {name} for each row of an outer loop: {detail}")
        if detail.startswith("CORRELATED"):
            outer = next((table(d) for d in loops(parent)), None)
            keys = OUTER_KEY.get(outer or "", ())
            for child_parent, inner in nodes.values():
                if child_parent != node or table(inner) not in BIG:
                    continue
                if not inner.startswith("SEARCH") or not any(k in inner for k in keys):
                    problems.append(f"for each row of {outer}, reads {inner}")
    return problems


def _pg_problems(plan: dict[str, Any], case: Case) -> list[str]:
    problems = []

    def walk(node: dict[str, Any], in_subplan: bool) -> None:
        relation = node.get("Relation Name")
        kind = node.get("Node Type", "")
        subplan = in_subplan or node.get("Parent Relationship") == "SubPlan"
        if relation in BIG and kind == "Seq Scan" and relation not in case.may_scan:
            problems.append(f"no index reads {relation}: {kind}")
        key = node.get("Recheck Cond") if kind == "Bitmap Heap Scan" else node.get("Index Cond")
        keyless = "Scan" in kind and kind != "Bitmap Index Scan" and not key
        if relation in BIG and subplan and keyless and relation not in case.may_scan:
            problems.append(f"for each row, reads {relation} without a key: {kind}")
        for child in node.get("Plans", []):
            walk(child, subplan)

    walk(plan["Plan"], False)
    return problems


def _explain(db: Database, statement: str, parameters: Any) -> tuple[str, Any]:
    with db.engine.connect() as connection:
        if db.is_sqlite:
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
            return "sqlite", [tuple(r) for r in rows]
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        raw = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
        found = raw.scalar()
        connection.rollback()
        return "postgresql", (json.loads(found) if isinstance(found, str) else found)[0]


def _request(tenant: Tenant, case: Case, captured: Captured) -> list[tuple[str, Any]]:
    path = re.sub(r"\{([^}]+)\}", lambda m: tenant.ids[m.group(1)], case.path)
    client = tenant.portal if not path.startswith(("/v1.0", "/admin")) else tenant.api
    headers = (
        {**tenant.headers, "ConsistencyLevel": "eventual"} if case.eventual else tenant.headers
    )
    answer = client.get(path, headers=headers)
    assert answer.status_code == 200, answer.text
    if case.next_page:
        link = answer.json().get("@odata.nextLink")
        assert link, "the case expects a next page"
        captured.statements.clear()
        answer = client.get(link, headers=headers)
        assert answer.status_code == 200, answer.text
    return captured.statements


def _plans(tenant: Tenant, statements: list[tuple[str, Any]], case: Case) -> list[str]:
    problems, used = [], False
    for statement, parameters in statements:
        if not any(re.search(rf"\b{name}\b", statement) for name in BIG):
            continue
        kind, plan = _explain(tenant.db, statement, parameters)
        found = _sqlite_problems(plan, case) if kind == "sqlite" else _pg_problems(plan, case)
        problems += [f"{p}\n    in {statement[:160]}" for p in found]
        used = used or (case.uses is not None and case.uses in json.dumps(plan))
    if case.uses is not None and not used:
        problems.append(f"no statement uses {case.uses}")
    return problems


@pytest.mark.parametrize("walk", [False, True], ids=["sort", "walk"])
@pytest.mark.parametrize("name", list(CASES))
def test_list_reads_through_indexes(
    name: str,
    walk: bool,
    tenant: Tenant,
    captured: Captured,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if walk:  # every group and product is "large": lists walk users in order
        monkeypatch.setattr(directory, "WALK_USERS_ABOVE", 1)
        monkeypatch.setattr(paged, "_WALK_USERS_ABOVE", 1)
    case = CASES[name]
    statements = _request(tenant, case, captured)
    assert statements, "the request ran no query"
    assert _plans(tenant, statements, case) == []


def test_the_check_refuses_a_per_user_scan(tenant: Tenant) -> None:
    """The check can fail: the license filter as it was, per user through (sku, state)."""
    if not tenant.db.is_sqlite:
        pytest.skip("PostgreSQL turns this EXISTS into a join of its own")
    old = (
        "SELECT app_user.id FROM app_user WHERE EXISTS (SELECT 1 FROM license_assignment "
        "WHERE license_assignment.user_id = app_user.id AND license_assignment.sku_id = ? "
        "AND license_assignment.state IN ('Active', 'ActiveWithError')) "
        "ORDER BY app_user.display_name, app_user.id LIMIT 101"
    )
    sku = uuid.UUID(tenant.ids["E3"]).hex
    problems = _plans(tenant, [(old, (sku,))], Case("/"))
    assert len(problems) == 1
    assert "for each row of app_user, reads SEARCH license_assignment" in problems[0]
    assert "ix_license_assignment_sku_state" in problems[0]


def test_the_check_refuses_the_plan_of_issue_10() -> None:
    """The plan SQLite chose for membersWithLicenseErrors before: 88 s on 100,000 users."""
    SOURCE_STATE = "ix_license_assignment_source_state"  # noqa: N806
    plan = [
        (3, 0, 0, "SCAN app_user"),
        (5, 0, 0, "CORRELATED SCALAR SUBQUERY 1"),
        (9, 5, 0, f"SEARCH license_assignment USING INDEX {SOURCE_STATE} (source_id=?)"),
        (40, 0, 0, "USE TEMP B-TREE FOR ORDER BY"),
    ]
    problems = _sqlite_problems(plan, Case("/"))
    assert problems == [
        "reads every row of app_user: SCAN app_user",
        "for each row of app_user, reads SEARCH license_assignment USING INDEX "
        "ix_license_assignment_source_state (source_id=?)",
    ]
