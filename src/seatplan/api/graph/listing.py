"""Collections and entities the Graph way: OData options, `@odata.context`, paging."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, PlainTextResponse

from seatplan.api import odata
from seatplan.api.graph import expansion
from seatplan.api.odata.expand import MAX_EXPANDED_PAGE, Expand
from seatplan.services import directory

T = TypeVar("T")
Json = dict[str, Any]


def public_url(request: Request) -> str:
    """Where clients reach the service, without a trailing slash: SEATPLAN_PUBLIC_BASE_URL
    when set, else what the request says (its `Host` checked by the trusted hosts)."""
    configured: str | None = request.app.state.settings.public_base_url
    return configured or str(request.base_url).rstrip("/")


def context_url(request: Request, fragment: str) -> str:
    return f"{public_url(request)}/v1.0/$metadata#{fragment}"


def with_select(name: str, select: Sequence[str] | None, expand: Expand | None = None) -> str:
    """`users`, `users(id,displayName)`, `groups(id,members())`: what the context names."""
    parts = [*(select or ()), *filter(None, [expansion.context_part(expand)])]
    return f"{name}({','.join(parts)})" if parts else name


def select_only(request: Request, spec: odata.EntitySpec) -> tuple[str, ...] | None:
    """`$select` of a request for one entity: any other `$` option is refused."""
    return _single(request, spec, request.query_params.multi_items())


def select_and_expand(
    request: Request, spec: odata.EntitySpec
) -> tuple[tuple[str, ...] | None, Expand | None]:
    """`$select` and `$expand` of a request for one entity: any other option is refused."""
    expand, rest = expansion.split(request.query_params, spec)
    return _single(request, spec, rest), expand


def select_of_list(request: Request, spec: odata.EntitySpec) -> tuple[str, ...] | None:
    """`$select` of a list that takes no other option (a user's licenseDetails)."""
    return _single(request, spec, request.query_params.multi_items(), "here")


def _single(
    request: Request,
    spec: odata.EntitySpec,
    params: Sequence[tuple[str, str]],
    where: str = "when reading a single object",
) -> tuple[str, ...] | None:
    for name, _ in params:
        if name.startswith("$") and name.lower() != "$select":
            raise odata.UnsupportedQuery(f"Query option '{name}' is not supported {where}")
    return odata.parse_query(params, spec).select


def no_options(request: Request) -> None:
    """Refuse every `$` option where none is supported (never a silently ignored one)."""
    for name, _ in request.query_params.multi_items():
        if name.startswith("$"):
            raise odata.UnsupportedQuery(f"Query option '{name}' is not supported here")


def entity(request: Request, fragment: str, item: Json, *, status: int = 200) -> JSONResponse:
    return JSONResponse({"@odata.context": context_url(request, fragment), **item}, status)


def page(
    session: Session,
    request: Request,
    *,
    spec: odata.EntitySpec,
    statement: Select[T],
    secret: bytes,
    context: str,
    shape: Callable[[list[T], tuple[str, ...] | None], list[Json]],
    odata_type: str | None = None,
    expandable: bool = False,
) -> JSONResponse:
    """One page of a collection, with `@odata.count` and `@odata.nextLink` when due.

    `shape` turns the page's rows into JSON in one go (so it can load what they need
    for the whole page at once), given the `$select` asked for. An `expandable`
    collection takes `$expand` (`expansion`), in pages of at most 100, as Graph's.
    """
    expand, params = None, request.query_params.multi_items()
    if expandable:
        expand, params = expansion.split(params, spec)
    # As Graph: a request that expands is not an advanced query, whatever its headers.
    eventual = odata.eventual(request.headers) and expand is None
    query = odata.parse_query(params, spec, eventual=eventual)
    if expand is not None:
        query = replace(query, top=min(query.top, MAX_EXPANDED_PAGE))
    scope = request.url.path  # a token serves this collection only (not another group's)
    rows = directory.fetch(session, odata.paginate(statement, query, spec, secret, scope))
    link = None
    if len(rows) > query.top:
        rows = rows[: query.top]
        last = odata.row_sort_values(spec, query, rows[-1])
        state = odata.page_state(spec, query, last, scope)
        base = public_url(request) + request.url.path
        link = odata.next_link(base, request.query_params, state, secret)
    fragment = with_select(context, query.select, expand)
    body: Json = {"@odata.context": context_url(request, fragment)}
    if query.count:
        body["@odata.count"] = directory.count(session, odata.apply(statement, query, spec))
    items = shape(rows, query.select)
    if expand is not None:
        expansion.add(session, expand, rows, items)
    if odata_type is not None:
        items = [{"@odata.type": odata_type, **item} for item in items]
    body["value"] = items
    if link is not None:
        body["@odata.nextLink"] = link
    return JSONResponse(body)


def count(
    session: Session, request: Request, *, spec: odata.EntitySpec, statement: Select[T]
) -> PlainTextResponse:
    """A `/$count` segment: how many rows of `statement` pass `$filter` and `$search`.

    The body is the number alone, `text/plain`, as Graph answers; on users and groups
    it needs `ConsistencyLevel: eventual` (else Graph's 400 `Request_BadRequest`).
    Any collection route adds its `/$count` with this (casts included).
    """
    query = odata.parse_count_query(
        request.query_params, spec, eventual=odata.eventual(request.headers)
    )
    found = directory.count(session, odata.apply(statement, query, spec))
    return PlainTextResponse(str(found))
