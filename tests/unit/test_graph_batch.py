"""A JSON batch checked as a whole: each refusal of a malformed batch, with its message."""

from __future__ import annotations

from typing import Any

import pytest

from seatplan.api.errors import GraphError
from seatplan.api.graph.batch import parse_batch

GET = {"method": "GET", "url": "/users"}


def refusal(payload: Any) -> tuple[int, str, str]:
    with pytest.raises(GraphError) as raised:
        parse_batch(payload)
    return raised.value.status, raised.value.code, raised.value.message


def test_a_well_formed_batch_keeps_its_order_and_dependencies():
    steps = parse_batch(
        {
            "requests": [
                {"id": "1", "method": "get", "url": "/users", "depends_on": ["ignored"]},
                {
                    "id": "2",
                    "method": "PATCH",
                    "url": "/groups/x",
                    "dependsOn": ["1"],
                    "headers": {"Content-Type": "application/json"},
                    "body": {"description": "d"},
                },
            ]
        }
    )
    assert [(s.id, s.method, s.depends_on, s.has_body) for s in steps] == [
        ("1", "GET", (), False),
        ("2", "PATCH", ("1",), True),
    ]
    assert len(parse_batch({"requests": [{"id": str(n), **GET} for n in range(20)]})) == 20


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "The batch must be a JSON object with a 'requests' array."),
        ({"requests": {}}, "The batch must be a JSON object with a 'requests' array."),
        ({"requests": []}, "The batch has no requests."),
        (
            {"requests": [{"id": str(n), **GET} for n in range(21)]},
            "The batch has 21 requests; a batch holds at most 20.",
        ),
        ({"requests": ["GET /users"]}, "Request 0 of the batch is not a JSON object."),
        ({"requests": [GET]}, "Request 0 of the batch needs 'id' (a non-empty string)."),
        (
            {"requests": [{"id": 1, **GET}]},
            "Request 0 of the batch needs 'id' (a non-empty string).",
        ),
        (
            {"requests": [{"id": "1", "method": "GET"}]},
            "Request 0 of the batch needs 'url' (a non-empty string).",
        ),
        (
            {"requests": [{"id": "1", "method": "HEAD", "url": "/users"}]},
            "Request '1': method 'HEAD' is not supported.",
        ),
        (
            {"requests": [{"id": "1", "headers": {"X": 1}, **GET}]},
            "Request '1': 'headers' must be an object of strings.",
        ),
        (
            {"requests": [{"id": "1", "dependsOn": "0", **GET}]},
            "Request '1': 'dependsOn' must be an array of ids.",
        ),
        (
            {"requests": [{"id": "1", "method": "POST", "url": "/users", "body": {}}]},
            "Request '1': a request with a body needs a Content-Type header.",
        ),
        (
            {"requests": [{"id": "x", **GET}, {"id": "X", **GET}]},
            "The id 'X' is used by more than one request of the batch.",
        ),
        (
            {"requests": [{"id": "1", "dependsOn": ["2"], **GET}, {"id": "2", **GET}]},
            "Invalid dependency for request Id '1': '2' is not the id of an earlier request "
            "of the batch.",
        ),
        (
            {
                "requests": [
                    {"id": "1", **GET},
                    {"id": "2", **GET},
                    {"id": "3", "dependsOn": ["2"], **GET},
                ]
            },
            "Batch should be either fully sequential or fully parallel.",
        ),
    ],
)
def test_a_malformed_batch_is_refused_whole(payload, message):
    assert refusal(payload) == (400, "BadRequest", message)
