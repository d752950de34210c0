"""Keyset paging behind an opaque, tamper-evident `$skiptoken`.

A token is compact JSON signed by itsdangerous (`services.signing`, HMAC-SHA256). Its state
holds the sort key values of the last row served (the unique key last) and a fingerprint
of the query it belongs to (entity, `$filter`, `$search`, `$orderby`, `$select`, `$top`, and the
request's path as `scope`): a token replayed with other options, or on another
collection of the same kind (another group's members), is refused. The JSON is signed,
not encrypted: it shows the last row's sort values, which whoever holds the token has
already been served.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast
from urllib.parse import quote, urlencode
from uuid import UUID

from itsdangerous import BadData
from sqlalchemy import ColumnElement, Select, and_, or_

from seatplan.api.odata.entity import EntitySpec, Field
from seatplan.api.odata.errors import UnsupportedQuery
from seatplan.api.odata.query import ODataQuery, Params, apply, param_pairs, sort_keys
from seatplan.services import signing

_S = TypeVar("_S", bound=Select[Any])
VERSION = 1
MAX_TOKEN_LENGTH = 4096
_INVALID = "Invalid $skiptoken: "
#: Left as is in the nextLink's values: readable, and unambiguous in a query string.
_SAFE = "$,'():/@!*"


def encode_token(state: Mapping[str, Any], secret: bytes) -> str:
    """The signed token of a JSON-compatible state."""
    return signing.serializer(secret, signing.SKIPTOKEN).dumps(state)


def decode_token(token: str, secret: bytes) -> dict[str, Any]:
    """The state of a token this service signed, else `UnsupportedQuery`."""
    if len(token) > MAX_TOKEN_LENGTH:
        raise UnsupportedQuery(_INVALID + "it is too long")
    try:
        state = signing.serializer(secret, signing.SKIPTOKEN).loads(token)
    except BadData:
        raise UnsupportedQuery(_INVALID + "it was altered or not issued by this service") from None
    if not isinstance(state, dict):
        raise UnsupportedQuery(_INVALID + "it is malformed")
    return state


def query_fingerprint(spec: EntitySpec, query: ODataQuery, scope: str) -> str:
    """What a token is bound to: every option that shapes the pages, `$count` aside, and
    the `scope` it was served in (the request's path)."""
    shape = repr(
        (spec.name, scope, query.filter, query.search, query.orderby, query.select, query.top)
    )
    return hashlib.sha256(shape.encode()).hexdigest()[:32]


def _encode_value(field: Field, value: Any) -> Any:
    if field.kind == "datetime" and isinstance(value, datetime):
        return value.isoformat()
    if field.kind == "guid" and isinstance(value, UUID):
        return str(value)
    if value is None:
        raise ValueError(f"{field.name} is null: sort keys must be non-null")
    return value


def _decode_value(field: Field, value: Any) -> Any:
    try:
        if field.kind == "datetime":
            parsed = datetime.fromisoformat(value)
            if parsed.tzinfo is None:
                raise ValueError("naive")
            return parsed
        if field.kind == "guid":
            return UUID(value)
    except (TypeError, ValueError):
        raise UnsupportedQuery(_INVALID + f"bad value for {field.name}") from None
    expected = {"string": str, "bool": bool, "int": int}[field.kind]
    if not isinstance(value, expected):
        raise UnsupportedQuery(_INVALID + f"bad value for {field.name}")
    return value


def page_state(
    spec: EntitySpec, query: ODataQuery, values: Sequence[Any], scope: str
) -> dict[str, Any]:
    """The state after a row whose sort key values (see `sort_key_columns`) are `values`."""
    keys = sort_keys(spec, query)
    if len(values) != len(keys):
        raise ValueError(f"expected {len(keys)} sort values, got {len(values)}")
    return {
        "v": VERSION,
        "q": query_fingerprint(spec, query, scope),
        "k": [_encode_value(field, value) for (field, _), value in zip(keys, values, strict=True)],
    }


def row_sort_values(spec: EntitySpec, query: ODataQuery, row: object) -> tuple[Any, ...]:
    """The sort key values of an ORM object whose attributes are the spec's columns."""
    return tuple(getattr(row, cast(Any, field.column).key) for field, _ in sort_keys(spec, query))


def keyset_where(
    spec: EntitySpec, query: ODataQuery, state: Mapping[str, Any], scope: str
) -> ColumnElement[bool]:
    """The rows after the one the state was made from, in the query's order."""
    keys = sort_keys(spec, query)
    raw = state.get("k")
    if state.get("v") != VERSION or not isinstance(raw, list) or len(raw) != len(keys):
        raise UnsupportedQuery(_INVALID + "it is malformed")
    if state.get("q") != query_fingerprint(spec, query, scope):
        raise UnsupportedQuery(
            _INVALID + "it belongs to another query: follow @odata.nextLink unchanged"
        )
    values = [_decode_value(field, value) for (field, _), value in zip(keys, raw, strict=True)]
    branches: list[ColumnElement[bool]] = []
    for index, ((field, descending), value) in enumerate(zip(keys, values, strict=True)):
        assert field.column is not None
        equal = [
            prev.column == prev_value
            for (prev, _), prev_value in zip(keys[:index], values[:index], strict=True)
            if prev.column is not None
        ]
        after = field.column < value if descending else field.column > value
        branches.append(and_(*equal, after))
    if len(keys) == 1:
        return branches[0]
    # Implied by the branches, but a bound an index range can start from: PostgreSQL
    # would otherwise walk the index from its first entry to the page.
    (first, descending), value = keys[0], values[0]
    assert first.column is not None
    start = first.column <= value if descending else first.column >= value
    return and_(start, or_(*branches))


def paginate(stmt: _S, query: ODataQuery, spec: EntitySpec, secret: bytes, scope: str) -> _S:
    """`apply`, then the rows after the `$skiptoken`, limited to `$top` + 1.

    The extra row tells whether there is a next page: serve `top` rows and, if one more
    came, a nextLink made from the state of the last row served.
    """
    stmt = apply(stmt, query, spec)
    if query.skiptoken is not None:
        state = decode_token(query.skiptoken, secret)
        stmt = stmt.where(keyset_where(spec, query, state, scope))
    return stmt.limit(query.top + 1)


def next_link(base_url: str, params: Params, state: Mapping[str, Any], secret: bytes) -> str:
    """`base_url` with every original parameter and the `$skiptoken` of `state`."""
    if "?" in base_url:
        raise ValueError("base_url must not hold a query string")
    pairs = [(name, value) for name, value in param_pairs(params) if name.lower() != "$skiptoken"]
    pairs.append(("$skiptoken", encode_token(state, secret)))
    return f"{base_url}?{urlencode(pairs, quote_via=quote, safe=_SAFE)}"
