"""The requests Entra's provisioning service and Okta send, as their docs publish them, and the
answers they expect (scim_examples/providers.json; its README names the sources).

Each scenario runs in order on a fresh database of each backend. A PATCH answered 204 is
followed by a GET, whose answer must then hold what the provider expects of the resource.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.integration.api_support import bearer

from seatplan.store.db import Database

EXAMPLES = json.loads((Path(__file__).parent / "scim_examples" / "providers.json").read_text())
SCENARIOS: dict[str, list[dict[str, Any]]] = EXAMPLES["scenarios"]


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        for key, id_ in ids.items():
            value = value.replace("{" + key + "}", id_)
        return value
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {_fill(k, ids): _fill(v, ids) for k, v in value.items()}
    return value


def _mismatch(expected: Any, actual: Any, where: str = "") -> str | None:
    """Where `actual` fails to hold `expected` (objects: a subset; lists: any order; lists of
    strings: a subset)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{where or 'body'}: expected an object, got {actual!r}"
        for key, value in expected.items():
            if key not in actual:
                return f"{where}/{key}: missing"
            problem = _mismatch(value, actual[key], f"{where}/{key}")
            if problem:
                return problem
        return None
    if isinstance(expected, list) and all(isinstance(item, str) for item in expected):
        # schemas: the URNs expected are there; extensions besides them are fine.
        missing = [item for item in expected if not isinstance(actual, list) or item not in actual]
        return f"{where}: {missing} not in {actual!r}" if missing else None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"{where}: expected {len(expected)} values, got {actual!r}"
        remaining = list(actual)
        for item in expected:
            match = next((a for a in remaining if _mismatch(item, a) is None), None)
            if match is None:
                return f"{where}: no value holds {item!r} in {actual!r}"
            remaining.remove(match)
        return None
    return None if expected == actual else f"{where}: expected {expected!r}, got {actual!r}"


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_provider_examples(client: TestClient, db: Database, scenario: str) -> None:
    headers = {**bearer(db, "Seatplan.Provisioning"), "Content-Type": "application/scim+json"}
    ids = {"random": str(uuid.uuid4())}
    for step in SCENARIOS[scenario]:
        request, expected = step["request"], step["response"]
        path = "/scim/v2" + _fill(request["path"], ids)
        response = client.request(
            request["method"], path, headers=headers, json=_fill(request.get("body"), ids)
        )
        label = f"{scenario}: {step['name']} ({step['source']})"
        assert response.status_code in expected["status"], f"{label}: {response.text}"
        if step.get("save"):
            ids[step["save"]] = response.json()["id"]
        if "body" not in expected and "absent" not in expected:
            continue
        if response.status_code == 204:
            # The provider accepts an empty answer; what it relies on is the resource after.
            resource = path.split("?")[0]
            response = client.get(resource, headers=headers)
            assert response.status_code == 200, f"{label}, then GET: {response.text}"
        body = response.json()
        problem = _mismatch(_fill(expected.get("body", {}), ids), body)
        assert problem is None, f"{label}: {problem}\n{json.dumps(body, indent=1)}"
        for key in expected.get("absent", []):
            assert not body.get(key), f"{label}: {key} should be absent: {body.get(key)!r}"
