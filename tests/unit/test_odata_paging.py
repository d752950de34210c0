"""Keyset paging: signed tokens, nextLinks followed unchanged, every row exactly once."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from test_odata_query import BACKENDS, DATA, T0, USER_IDS, dataset

from seatplan.api.odata import (
    DIRECTORY_AUDITS,
    GROUPS,
    USERS,
    EntitySpec,
    UnsupportedQuery,
    apply,
    decode_token,
    encode_token,
    keyset_where,
    next_link,
    page_state,
    paginate,
    parse_query,
    row_sort_values,
    sort_key_columns,
)
from seatplan.store.tables import AuditEvent, User

SECRET = b"0123456789abcdef0123456789abcdef"
BASE = "https://seatplan.example/v1.0/users"
#: The path a token is issued for (`$skiptoken`s serve only their own path).
SCOPE = "/v1.0/users"


@pytest.fixture(scope="module", params=BACKENDS)
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    with dataset(request.param) as engine:
        yield engine


def walk(engine: Engine, entity: str, params: dict[str, str]) -> tuple[list[UUID], list[str]]:
    """Every page, following each nextLink exactly as a client would; ids and the links."""
    spec, id_column, _rows = DATA[entity]
    served: list[UUID] = []
    links: list[str] = []
    pairs = list(params.items())
    with engine.connect() as connection:
        for _ in range(100):
            query = parse_query(pairs, spec)
            stmt = paginate(
                select(id_column, *sort_key_columns(spec, query)), query, spec, SECRET, SCOPE
            )
            rows = connection.execute(stmt).all()
            page = rows[: query.top]
            served.extend(row[0] for row in page)
            if len(rows) <= query.top:
                return served, links
            link = next_link(
                BASE, pairs, page_state(spec, query, tuple(page[-1][1:]), SCOPE), SECRET
            )
            links.append(link)
            assert link.startswith(BASE + "?")
            pairs = parse_qsl(urlsplit(link).query, keep_blank_values=True)
    raise AssertionError("paging does not end")


def everything(engine: Engine, entity: str, params: dict[str, str]) -> list[UUID]:
    spec, id_column, _rows = DATA[entity]
    query = parse_query({k: v for k, v in params.items() if k != "$top"}, spec)
    with engine.connect() as connection:
        return list(connection.scalars(apply(select(id_column), query, spec)))


@pytest.mark.parametrize(
    ("entity", "params"),
    [
        ("users", {"$top": "2"}),
        ("users", {"$top": "2", "$orderby": "displayName desc"}),
        (
            "users",
            {"$top": "3", "$filter": "startswith(displayName,'a') or accountEnabled eq false"},
        ),
        ("users", {"$top": "1", "$select": "id,displayName", "$count": "true", "keep": "me"}),
        ("groups", {"$top": "2", "$orderby": "displayName"}),
        ("directoryAudits", {"$top": "2"}),
        ("directoryAudits", {"$top": "2", "$orderby": "activityDateTime asc"}),
        ("directoryAudits", {"$top": "2", "$filter": "activityDateTime ge 2026-01-01T00:10:00Z"}),
    ],
)
def test_walking_pages_returns_every_row_once_in_order(
    engine: Engine, entity: str, params: dict[str, str]
) -> None:
    served, links = walk(engine, entity, params)
    expected = everything(engine, entity, params)
    assert served == expected
    assert len(set(served)) == len(served)
    assert len(links) == (len(expected) - 1) // int(params["$top"])
    for link in links:
        kept = dict(parse_qsl(urlsplit(link).query))
        assert {k: v for k, v in kept.items() if k != "$skiptoken"} == params


def test_users_walk_covers_the_ties(engine: Engine) -> None:
    served, _links = walk(engine, "users", {"$top": "2"})
    assert sorted(served) == sorted(USER_IDS)


def test_orm_rows_give_the_state(engine: Engine) -> None:
    query = parse_query({"$top": "3"}, USERS)
    with Session(engine) as session:
        first = session.scalars(paginate(select(User), query, USERS, SECRET, SCOPE)).all()
        state = page_state(USERS, query, row_sort_values(USERS, query, first[2]), SCOPE)
        link = next_link(BASE, {"$top": "3"}, state, SECRET)
        second_query = parse_query(parse_qsl(urlsplit(link).query), USERS)
        second = session.scalars(paginate(select(User), second_query, USERS, SECRET, SCOPE)).all()
    assert [user.id for user in first[:3] + second[:3]] == everything(engine, "users", {})[:6]


def test_a_datetime_state_round_trips(engine: Engine) -> None:
    query = parse_query({"$top": "2"}, DIRECTORY_AUDITS)
    oldest = DATA["directoryAudits"][2][0]
    assert oldest["activityDateTime"] == T0
    for last_id, expected in ((UUID(int=0), [oldest["id"]]), (UUID(int=2**128 - 1), [])):
        state = page_state(DIRECTORY_AUDITS, query, (T0, last_id), SCOPE)
        decoded = decode_token(encode_token(state, SECRET), SECRET)
        assert decoded == state
        with engine.connect() as connection:
            after = select(AuditEvent.id).where(
                keyset_where(DIRECTORY_AUDITS, query, decoded, SCOPE)
            )
            # Newest first: after (T0, id) come only the events at T0 with a greater id.
            assert connection.scalars(after).all() == expected


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    entity=st.sampled_from(["users", "groups", "directoryAudits"]),
    top=st.integers(1, 4),
    descending=st.sampled_from([None, False, True]),
)
def test_any_page_size_and_order(
    engine: Engine, entity: str, top: int, descending: bool | None
) -> None:
    params = {"$top": str(top)}
    if descending is not None:
        field = "activityDateTime" if entity == "directoryAudits" else "displayName"
        params["$orderby"] = f"{field} {'desc' if descending else 'asc'}"
    served, _links = walk(engine, entity, params)
    assert served == everything(engine, entity, params)


# -- tokens ------------------------------------------------------------------------------------


def _first_link(engine: Engine, params: dict[str, str]) -> str:
    _served, links = walk(engine, "users", params)
    return links[0]


def _token(link: str) -> str:
    return dict(parse_qsl(urlsplit(link).query))["$skiptoken"]


def _reuse(token: str, spec: EntitySpec, params: dict[str, str]) -> None:
    query = parse_query({**params, "$skiptoken": token}, spec)
    paginate(select(User.id), query, spec, SECRET, SCOPE)


def test_round_trip() -> None:
    state = {"v": 1, "q": "x", "k": ["é", 3, None]}
    token = encode_token(state, SECRET)
    assert decode_token(token, SECRET) == state
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def _flip(text: str, index: int) -> str:
    char = "A" if text[index] != "A" else "B"
    return text[:index] + char + text[index + 1 :]


def test_tampered_tokens_are_refused() -> None:
    token = encode_token({"v": 1, "q": "x", "k": ["Adele", "id"]}, SECRET)
    payload, mac = token.split(".")
    forged_state = json.dumps({"v": 1, "q": "x", "k": ["Zed", "id"]}).encode()
    forged = base64.urlsafe_b64encode(forged_state).rstrip(b"=").decode() + "." + mac
    for bad in (_flip(payload, 3) + "." + mac, payload + "." + _flip(mac, 5), forged):
        with pytest.raises(UnsupportedQuery, match="altered or not issued by this service"):
            decode_token(bad, SECRET)
    with pytest.raises(UnsupportedQuery, match="altered or not issued"):
        decode_token(token, b"another secret")
    malformed = [payload, token + ".x", "", "a b.c", "!!!.???", "x" * 5000, payload + "=." + mac]
    for bad in malformed:
        with pytest.raises(UnsupportedQuery, match=r"^Invalid \$skiptoken: "):
            decode_token(bad, SECRET)


def test_a_signed_non_object_is_refused() -> None:
    with pytest.raises(UnsupportedQuery, match="malformed"):
        decode_token(encode_token([1, 2], SECRET), SECRET)  # type: ignore[arg-type]


def test_empty_secret_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="empty secret"):
        encode_token({}, b"")


def test_tampered_token_in_a_request_is_refused(engine: Engine) -> None:
    token = _token(_first_link(engine, {"$top": "2"}))
    with pytest.raises(UnsupportedQuery, match="altered"):
        _reuse(_flip(token, 10), USERS, {"$top": "2"})


@pytest.mark.parametrize(
    "params",
    [
        {"$top": "2", "$filter": "accountEnabled eq true"},
        {"$top": "3"},
        {"$top": "2", "$orderby": "displayName desc"},
        {"$top": "2", "$select": "id"},
    ],
)
def test_a_token_replayed_with_another_query_is_refused(
    engine: Engine, params: dict[str, str]
) -> None:
    token = _token(_first_link(engine, {"$top": "2"}))
    with pytest.raises(UnsupportedQuery, match="belongs to another query"):
        _reuse(token, USERS, params)


def test_a_token_of_another_collection_is_refused(engine: Engine) -> None:
    token = _token(_first_link(engine, {"$top": "2"}))
    with pytest.raises(UnsupportedQuery, match="belongs to another query"):
        _reuse(token, GROUPS, {"$top": "2"})


def test_count_may_change_between_pages(engine: Engine) -> None:
    token = _token(_first_link(engine, {"$top": "2", "$count": "true"}))
    _reuse(token, USERS, {"$top": "2"})


def test_state_values_are_checked() -> None:
    query = parse_query({"$top": "2"}, USERS)
    good: dict[str, Any] = page_state(USERS, query, ("Adele", USER_IDS[0]), SCOPE)
    for bad in (
        {**good, "v": 2},
        {**good, "k": ["Adele"]},
        {**good, "k": [3, str(USER_IDS[0])]},
        {**good, "k": ["Adele", "not a uuid"]},
        {key: value for key, value in good.items() if key != "k"},
    ):
        with pytest.raises(UnsupportedQuery, match=r"^Invalid \$skiptoken"):
            keyset_where(USERS, query, bad, SCOPE)
    with pytest.raises(ValueError, match="expected 2 sort values"):
        page_state(USERS, query, ("Adele",), SCOPE)


def test_next_link_keeps_every_parameter_and_replaces_the_token() -> None:
    params = [
        ("$filter", "displayName eq 'A&B' and activityDateTime ge 2026-01-01T00:00:00+01:00"),
        ("$top", "2"),
        ("$skiptoken", "old"),
        ("other", "a b"),
    ]
    link = next_link(BASE, params, {"k": []}, SECRET)
    query = urlsplit(link).query
    assert "%2B01:00" in query  # a '+' would read as a space
    assert parse_qsl(query) == [
        *[p for p in params if p[0] != "$skiptoken"],
        ("$skiptoken", encode_token({"k": []}, SECRET)),
    ]
    with pytest.raises(ValueError, match="query string"):
        next_link(BASE + "?x=1", params, {}, SECRET)


def test_a_token_is_bound_to_the_path_it_was_served_on() -> None:
    query = parse_query({"$top": "2"}, USERS)
    state = page_state(USERS, query, ("Adele", USER_IDS[0]), scope="/v1.0/groups/a/members")
    keyset_where(USERS, query, state, scope="/v1.0/groups/a/members")
    for other in ("/v1.0/groups/b/members", "/v1.0/users", ""):
        with pytest.raises(UnsupportedQuery, match="belongs to another query"):
            keyset_where(USERS, query, state, scope=other)
