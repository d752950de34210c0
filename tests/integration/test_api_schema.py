"""Schemathesis against /openapi.json: no 5xx, and every answer matches the schema.

Bounded (a few examples per operation, derandomized) so that the suite stays short.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from tests.integration.api_support import bearer, buy

from seatplan.server import create_app
from seatplan.services import tokens
from seatplan.settings import Settings

CHECKS = [
    checks.not_a_server_error,
    checks.response_schema_conformance,
    checks.status_code_conformance,
    checks.content_type_conformance,
]
EXAMPLES_PER_OPERATION = 8


def test_api_conforms_to_its_schema(sqlite_db):
    buy(sqlite_db, units=5)
    headers = bearer(sqlite_db, *tokens.PERMISSIONS)
    app = create_app(sqlite_db, Settings(database_url=sqlite_db.url, secret_key="fuzz"))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 35
    calls = 0
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case) -> None:
            nonlocal calls
            calls += 1
            case.call_and_validate(headers=headers, checks=CHECKS)

        run()
    print(f"schemathesis: {calls} calls")
    assert calls >= len(operations)
