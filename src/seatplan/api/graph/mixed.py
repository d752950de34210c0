"""Collections of users and groups together (a group's `members`, `transitiveMembers`).

Graph answers them as one directoryObject collection, each item with its `@odata.type`.
Here a collection lists its users, then its groups, each part in its own order and
with its own keyset; the `$skiptoken` says which part comes next and signs the inner
token of that part. `$select` keeps, for each type, the properties it has; `$filter`,
`$search` and `$orderby` apply to both types, and a condition on a property only one
type has leaves the other type out (as a cast would).
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

from fastapi import Request
from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, PlainTextResponse

from seatplan.api import odata
from seatplan.api.graph import listing
from seatplan.api.graph.common import (
    GROUP_TYPE,
    USER_TYPE,
    check_user_select,
    group_items,
    user_items,
)
from seatplan.api.odata.query import param_pairs
from seatplan.services import directory

Json = dict[str, Any]
Pairs = list[tuple[str, str]]
_USERS, _GROUPS = "u", "g"


def _split_select(pairs: Pairs) -> tuple[Pairs, Pairs, tuple[str, ...] | None]:
    """The parameters for users and for groups, each `$select` keeping the properties of
    its type; and the `$select` as asked (for the context). A name neither type has is
    refused as for users."""
    asked = next((value for name, value in pairs if name.lower() == "$select"), None)
    if asked is None:
        return pairs, pairs, None
    names = [part.strip() for part in asked.split(",")]
    for name in names:
        if odata.USERS.field(name) is None and odata.GROUPS.field(name) is None:
            odata.parse_query([("$select", asked)], odata.USERS)  # raises Graph's message

    def kept(spec: odata.EntitySpec) -> Pairs:
        own = [name for name in names if spec.field(name) is not None] or ["id"]
        rest = [(n, v) for n, v in pairs if n.lower() != "$select"]
        return [*rest, ("$select", ",".join(own))]

    return kept(odata.USERS), kept(odata.GROUPS), tuple(names)


def _parse_both(
    user_pairs: Pairs, group_pairs: Pairs, *, eventual: bool, count: bool = False
) -> tuple[odata.ODataQuery | None, odata.ODataQuery | None]:
    """Each type's query, None for a type the conditions cannot apply to; when neither
    can, the users' error."""
    parse = odata.parse_count_query if count else odata.parse_query
    try:
        users: odata.ODataQuery | None = parse(user_pairs, odata.USERS, eventual=eventual)
        problem = None
    except odata.UnsupportedQuery as exc:
        users, problem = None, exc
    try:
        groups: odata.ODataQuery | None = parse(group_pairs, odata.GROUPS, eventual=eventual)
    except odata.UnsupportedQuery:
        if problem is not None:
            raise problem from None
        groups = None
    return users, groups


def _fingerprint(pairs: Pairs, scope: str) -> str:
    shape = repr((scope, sorted(pairs)))
    return hashlib.sha256(shape.encode()).hexdigest()[:32]


def users_skiptoken(path: str, pairs: Pairs, users_token: str, secret: bytes) -> str:
    """The `$skiptoken` that resumes the users of the collection at `path` with
    `users_token` (a users list's own token, issued for `path + "#users"`): what a
    nextLink half way through the users carries (`bench/api_lists.py` pages deep with it)."""
    state = {"m": _USERS, "t": users_token, "q": _fingerprint(pairs, path)}
    return odata.encode_token(state, secret)


def page(
    session: Session,
    request: Request,
    *,
    secret: bytes,
    users: Select[Any],
    groups: Select[Any],
) -> JSONResponse:
    """One page of the users, then the groups, with `@odata.count` and a nextLink."""
    pairs = [(n, v) for n, v in param_pairs(request.query_params) if n.lower() != "$skiptoken"]
    token = request.query_params.get("$skiptoken")
    user_pairs, group_pairs, asked = _split_select(pairs)
    eventual = odata.eventual(request.headers)
    user_query, group_query = _parse_both(user_pairs, group_pairs, eventual=eventual)
    scope = request.url.path
    part, inner = _USERS, None
    if token is not None:
        state = odata.decode_token(token, secret)
        if state.get("q") != _fingerprint(pairs, scope) or state.get("m") not in (_USERS, _GROUPS):
            raise odata.UnsupportedQuery(
                "Invalid $skiptoken: it belongs to another query: follow @odata.nextLink unchanged"
            )
        part, inner = state["m"], state.get("t")
    top = (user_query or group_query or odata.ODataQuery()).top
    user_rows: list[Any] = []
    group_rows: list[Any] = []
    following: Json | None = None
    if part == _USERS and user_query is not None:
        query = replace(user_query, skiptoken=inner)
        user_rows = directory.fetch(
            session, odata.paginate(users, query, odata.USERS, secret, scope + "#users")
        )
        if len(user_rows) > top:
            user_rows = user_rows[:top]
            values = odata.row_sort_values(odata.USERS, query, user_rows[-1])
            after = odata.page_state(odata.USERS, query, values, scope + "#users")
            following = {"m": _USERS, "t": odata.encode_token(after, secret)}
        inner = None
    if following is None and group_query is not None:
        room = top - len(user_rows)
        query = replace(group_query, skiptoken=inner)
        statement = odata.paginate(groups, query, odata.GROUPS, secret, scope + "#groups")
        group_rows = directory.fetch(session, statement.limit(room + 1))
        if len(group_rows) > room:
            group_rows = group_rows[:room]
            last = None
            if group_rows:
                values = odata.row_sort_values(odata.GROUPS, query, group_rows[-1])
                after = odata.page_state(odata.GROUPS, query, values, scope + "#groups")
                last = odata.encode_token(after, secret)
            elif inner is not None:
                last = inner
            following = {"m": _GROUPS, "t": last}
    body: Json = {
        "@odata.context": listing.context_url(
            request, listing.with_select("directoryObjects", asked)
        )
    }
    if (user_query or group_query or odata.ODataQuery()).count:
        body["@odata.count"] = _count(session, users, groups, user_query, group_query)
    user_select = check_user_select(request, user_query.select if user_query else None)
    items = [
        {"@odata.type": USER_TYPE, **item} for item in user_items(session, user_rows, user_select)
    ]
    group_select = group_query.select if group_query else None
    items += [
        {"@odata.type": GROUP_TYPE, **item}
        for item in group_items(session, group_rows, group_select)
    ]
    body["value"] = items
    if following is not None:
        following["q"] = _fingerprint(pairs, scope)
        base = listing.public_url(request) + request.url.path
        body["@odata.nextLink"] = odata.next_link(base, request.query_params, following, secret)
    return JSONResponse(body)


def _count(
    session: Session,
    users: Select[Any],
    groups: Select[Any],
    user_query: odata.ODataQuery | None,
    group_query: odata.ODataQuery | None,
) -> int:
    found = 0
    if user_query is not None:
        found += directory.count(session, odata.apply(users, user_query, odata.USERS))
    if group_query is not None:
        found += directory.count(session, odata.apply(groups, group_query, odata.GROUPS))
    return found


def count(
    session: Session, request: Request, *, users: Select[Any], groups: Select[Any]
) -> PlainTextResponse:
    """The `/$count` segment of a collection of users and groups."""
    pairs = param_pairs(request.query_params)
    user_query, group_query = _parse_both(
        pairs, pairs, eventual=odata.eventual(request.headers), count=True
    )
    return PlainTextResponse(str(_count(session, users, groups, user_query, group_query)))
