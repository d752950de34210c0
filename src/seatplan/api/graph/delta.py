"""`/v1.0/users/delta` and `/v1.0/groups/delta`: Graph's delta queries over the change log.

A round starts with the initial listing of every object (pages in id order), whose last
page gives a deltaLink; the deltaLink reads the changes committed since the listing
began (`services.changes`), a page of change-log rows at a time, each changed object
shown as it is now (or `@removed`), and ends with the next deltaLink. `$deltatoken=latest`
skips the listing. What Graph defines is followed (see docs/api.md, "Delta queries").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from seatplan.api import odata
from seatplan.api.answers import delta_collection
from seatplan.api.deps import SecretDep, SessionDep
from seatplan.api.errors import error_response
from seatplan.api.graph import listing
from seatplan.api.graph.common import (
    GROUP_READ,
    USER_READ,
    group_items,
    require,
    responses,
    user_items,
)
from seatplan.api.graph.delta_state import DeltaState, Expired, decode, encode
from seatplan.services import changes
from seatplan.shapes import delta as delta_shapes
from seatplan.shapes.groups import GROUP_DEFAULT, Group
from seatplan.shapes.users import USER_DEFAULT, User
from seatplan.store.tables import Group as GroupRow
from seatplan.store.tables import Membership
from seatplan.store.tables import User as UserRow

router = APIRouter(tags=["delta"])
Json = dict[str, Any]

#: Objects per page of the initial listing.
OBJECTS_PER_PAGE = 100
#: Change-log rows per page of changes (an object changed twice shows once per page).
CHANGES_PER_PAGE = 200
#: Members per page in `members@delta` of the initial listing: a larger group continues
#: on the next page, as Graph does.
MEMBERS_PER_PAGE = 1000
#: Graph's limit of objects in a `$filter` by id.
MAX_FILTERED_IDS = 50
_OPTIONS = frozenset({"$select", "$filter", "$deltatoken", "$skiptoken", "$expand"})


@dataclass(frozen=True)
class Collection:
    """What differs between users and groups."""

    name: str
    spec: odata.EntitySpec
    entity: Any
    default: tuple[str, ...]
    kinds: tuple[changes.Kind, ...]
    shape: Callable[[Session, Sequence[Any], Sequence[str] | None], list[Json]]
    has_members: bool


USERS = Collection("users", odata.USERS, UserRow, USER_DEFAULT, (changes.USER,), user_items, False)
GROUPS = Collection(
    "groups",
    odata.GROUPS,
    GroupRow,
    GROUP_DEFAULT,
    (changes.GROUP, changes.MEMBER),
    group_items,
    True,
)


def _paths(name: str) -> list[str]:
    """Graph's short name and the qualified one the SDKs send, with or without `()`."""
    return [
        f"/{name}/{function}"
        for function in ("delta", "delta()", "microsoft.graph.delta", "microsoft.graph.delta()")
    ]


def _route(
    collection: Collection, permission: str, shape: Any, *annotations: tuple[str, Any]
) -> None:
    def answer(request: Request, session: SessionDep, secret: SecretDep) -> Response:
        return delta_page(session, request, secret, collection)

    answer.__doc__ = (
        f"Changes to {collection.name} since a deltaLink; without a token, every "
        f"{collection.name[:-1]} then a deltaLink; `$deltatoken=latest`, a deltaLink only."
    )
    for index, path in enumerate(_paths(collection.name)):
        router.add_api_route(
            path,
            answer,
            methods=["GET"],
            dependencies=[require(permission)],
            responses=responses(delta_collection(shape, *annotations)),
            summary=f"Track changes to {collection.name}",
            include_in_schema=index == 0,
            name=f"{collection.name}_delta_{index}",
        )


_route(USERS, USER_READ, User, ("@removed", delta_shapes.Removed))
_route(
    GROUPS,
    GROUP_READ,
    Group,
    ("@removed", delta_shapes.Removed),
    ("members@delta", list[delta_shapes.MemberDelta]),
)


# -- the request ------------------------------------------------------------------------


def delta_page(
    session: Session, request: Request, secret: bytes, collection: Collection
) -> Response:
    try:
        state, latest = _state(session, request, secret, collection)
        state.check_fresh()
    except Expired:
        response = error_response(
            request,
            410,
            "syncStateNotFound",
            "The delta token has expired: start again with a full synchronization.",
        )
        response.headers["Location"] = _link(request, collection, None)
        return response
    body: Json = {
        "@odata.context": listing.context_url(
            request, listing.with_select(collection.name, state.select)
        ),
    }
    if state.phase == "next":  # a deltaLink: this round reads what changed since it
        now = time.time()
        state = replace(
            state,
            phase="changes",
            since=state.until,
            since_at=state.until_at,
            until=changes.current(session),
            until_at=now,
            after="0",
        )
    if latest:
        items: list[Json] = []
        following = state.next_round()
    elif state.phase == "initial":
        items, following = _initial(session, collection, state)
    else:
        items, following = _changes(session, request, collection, state)
    body["value"] = items
    link = "@odata.deltaLink" if following.phase == "next" else "@odata.nextLink"
    body[link] = _link(request, collection, encode(following, secret), following.phase)
    return JSONResponse(body)


def _link(request: Request, collection: Collection, token: str | None, phase: str = "next") -> str:
    base = f"{listing.public_url(request)}/v1.0/{collection.name}/delta"
    if token is None:
        return base
    option = "$deltatoken" if phase == "next" else "$skiptoken"
    return f"{base}?{option}={token}"


def _options(request: Request) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if not name.startswith("$"):
            continue
        key = name.lower()
        if key not in _OPTIONS:
            raise odata.UnsupportedQuery(f"Query option '{name}' is not supported with delta")
        if key in found:
            raise odata.UnsupportedQuery(f"Query option '{name}' is given more than once")
        found[key] = value
    return found


def _state(
    session: Session, request: Request, secret: bytes, collection: Collection
) -> tuple[DeltaState, bool]:
    """The round's state: from the token, else a new round with the request's options;
    and whether the request asks for the latest deltaLink only (`$deltatoken=latest`)."""
    options = _options(request)
    skiptoken, deltatoken = options.get("$skiptoken"), options.get("$deltatoken")
    if skiptoken is not None:
        if len(options) > 1:
            raise odata.UnsupportedQuery(
                "A $skiptoken carries the options of its round: follow @odata.nextLink unchanged"
            )
        return decode(skiptoken, secret, resource=collection.name, option="$skiptoken"), False
    select, members = _select(options, collection)
    ids = _ids(options["$filter"]) if "$filter" in options else None
    if deltatoken is not None and deltatoken != "latest":
        if "$filter" in options:
            raise odata.UnsupportedQuery("A $deltatoken carries its $filter: leave $filter out")
        state = decode(deltatoken, secret, resource=collection.name, option="$deltatoken")
        if state.phase != "next":
            raise odata.UnsupportedQuery("Invalid $deltatoken: it is a $skiptoken")
        if "$select" in options or "$expand" in options:  # Graph lets a deltaLink change it
            state = replace(state, select=select, members=members)
        return state, False
    fresh = DeltaState(
        resource=collection.name,
        phase="initial",
        until=changes.current(session),
        until_at=time.time(),
        select=select,
        members=members,
        ids=ids,
    )
    return fresh, deltatoken == "latest"


def _select(options: dict[str, str], collection: Collection) -> tuple[tuple[str, ...] | None, bool]:
    """`$select` (id always comes with it) and whether members@delta is wanted."""
    expand = options.get("$expand")
    if expand is not None and not (collection.has_members and expand.strip() == "members"):
        raise odata.UnsupportedQuery(f"$expand={expand} is not supported with delta")
    text = options.get("$select")
    if text is None:
        return None, collection.has_members
    names = [part.strip() for part in text.split(",")]
    members = collection.has_members and "members" in names
    rest = [name for name in names if not (collection.has_members and name == "members")]
    chosen = odata.parse_query({"$select": ",".join(rest)}, collection.spec).select if rest else ()
    assert chosen is not None
    return (*(name for name in chosen if name != "id"), "id"), members or expand is not None


def _ids(text: str) -> tuple[UUID, ...]:
    """Graph's only `$filter` on delta: `id eq '…'`, joined by `or`, up to 50 objects."""
    node = odata.parse_filter(text)
    operands = node.operands if isinstance(node, odata.Or) else (node,)
    ids: list[UUID] = []
    for operand in operands:
        value = operand.value if isinstance(operand, odata.Comparison) else None
        if not (
            isinstance(operand, odata.Comparison)
            and operand.field.lower() == "id"
            and operand.op == "eq"
            and isinstance(value, str | UUID)
        ):
            raise odata.UnsupportedQuery(
                "Only $filter=id eq '{id}', joined with 'or', is supported with delta"
            )
        try:
            ids.append(value if isinstance(value, UUID) else UUID(value))
        except ValueError:
            raise odata.UnsupportedQuery(f"'{value}' is not a valid object id") from None
    if len(ids) > MAX_FILTERED_IDS:
        raise odata.UnsupportedQuery(f"A $filter by id names at most {MAX_FILTERED_IDS} objects")
    return tuple(dict.fromkeys(ids))


# -- the initial listing ------------------------------------------------------------------


def _initial(
    session: Session, collection: Collection, state: DeltaState
) -> tuple[list[Json], DeltaState]:
    entity = collection.entity
    statement = select(entity).order_by(entity.id).limit(OBJECTS_PER_PAGE + 1)
    if state.member_after is not None:
        statement = statement.where(entity.id >= state.member_after[0])
    elif state.after is not None:
        statement = statement.where(entity.id > UUID(state.after))
    if state.ids is not None:
        statement = statement.where(entity.id.in_(state.ids))
    rows = list(session.scalars(statement))
    more = len(rows) > OBJECTS_PER_PAGE
    rows = rows[:OBJECTS_PER_PAGE]
    items = collection.shape(session, rows, state.select)
    if not (collection.has_members and state.members):
        following = replace(state, after=str(rows[-1].id)) if more else state.next_round()
        return items, following
    return _with_members(session, rows, items, state, more)


def _with_members(
    session: Session, rows: list[Any], items: list[Json], state: DeltaState, more: bool
) -> tuple[list[Json], DeltaState]:
    """members@delta of the page's groups, up to MEMBERS_PER_PAGE members in all."""
    budget = MEMBERS_PER_PAGE
    for index, (row, item) in enumerate(zip(rows, items, strict=True)):
        after = (
            state.member_after[1]
            if state.member_after and state.member_after[0] == row.id
            else None
        )
        query = select(Membership.user_id).where(Membership.group_id == row.id)
        if after is not None:
            query = query.where(Membership.user_id > after)
        found = list(session.scalars(query.order_by(Membership.user_id).limit(budget + 1)))
        if found[:budget]:
            item["members@delta"] = [delta_shapes.member(u, added=True) for u in found[:budget]]
        if len(found) > budget:  # the group goes on in the next page
            following = replace(state, after=None, member_after=(row.id, found[budget - 1]))
            return items[: index + 1], following
        budget -= len(found)
        if budget == 0 and index + 1 < len(rows):
            following = replace(state, after=str(row.id), member_after=None)
            return items[: index + 1], following
    if more:
        return items, replace(state, after=str(rows[-1].id), member_after=None)
    return items, state.next_round()


# -- changes ----------------------------------------------------------------------------------


@dataclass
class _Summary:
    """What a page of change-log rows says of one object."""

    created: bool = False
    deleted: bool = False
    properties: set[str] = field(default_factory=set)
    members: dict[UUID, bool] = field(default_factory=dict)


def _changes(
    session: Session, request: Request, collection: Collection, state: DeltaState
) -> tuple[list[Json], DeltaState]:
    assert state.since is not None
    rows = changes.between(
        session,
        state.since,
        state.until,
        kinds=collection.kinds,
        object_ids=state.ids,
        after_seq=int(state.after or 0),
        limit=CHANGES_PER_PAGE + 1,
    )
    more = len(rows) > CHANGES_PER_PAGE
    rows = rows[:CHANGES_PER_PAGE]
    summaries: dict[UUID, _Summary] = {}
    for row in rows:
        summary = summaries.setdefault(row.object_id, _Summary())
        if row.kind == changes.MEMBER:
            assert row.member_id is not None
            summary.members[row.member_id] = row.change == changes.ADDED
        elif row.change == changes.CREATED:
            summary.created = True
        elif row.change == changes.DELETED:
            summary.deleted = True
        else:
            summary.properties |= row.properties
    entity = collection.entity
    current = {
        row.id: row for row in session.scalars(select(entity).where(entity.id.in_(list(summaries))))
    }
    wanted = set(state.select if state.select is not None else collection.default)
    minimal = "return=minimal" in request.headers.get("Prefer", "").replace(" ", "").lower()
    shown = [
        object_id
        for object_id, summary in summaries.items()
        if object_id not in current
        or summary.created
        or summary.properties & wanted
        or (state.members and summary.members)
    ]
    present = [current[object_id] for object_id in shown if object_id in current]
    shaped = dict(
        zip(
            (row.id for row in present),
            collection.shape(session, present, state.select),
            strict=True,
        )
    )
    items: list[Json] = []
    for object_id in shown:
        summary = summaries[object_id]
        if object_id not in current:
            items.append(delta_shapes.removed(object_id))
            continue
        item = shaped[object_id]
        if minimal and not summary.created:
            item = {
                key: value
                for key, value in item.items()
                if key == "id" or key in summary.properties
            }
        if state.members and summary.members:
            item["members@delta"] = [
                delta_shapes.member(user_id, added=added)
                for user_id, added in summary.members.items()
            ]
        items.append(item)
    following = replace(state, after=str(rows[-1].seq)) if more else state.next_round()
    return items, following
