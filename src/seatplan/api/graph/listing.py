"""Collections and entities the Graph way: OData options, `@odata.context`, paging."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import Request
from sqlalchemy import Select
from sqlalchemy.orm import Session
from starlette.responses import JSONResponse

from seatplan.api import odata
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


def with_select(name: str, select: Sequence[str] | None) -> str:
    return f"{name}({','.join(select)})" if select else name


def select_only(request: Request, spec: odata.EntitySpec) -> tuple[str, ...] | None:
    """`$select` of a request for one entity: any other `$` option is refused."""
    for name, _ in request.query_params.multi_items():
        if name.startswith("$") and name.lower() != "$select":
            raise odata.UnsupportedQuery(
                f"Query option '{name}' is not supported when reading a single object"
            )
    return odata.parse_query(request.query_params, spec).select


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
) -> JSONResponse:
    """One page of a collection, with `@odata.count` and `@odata.nextLink` when due.

    `shape` turns the page's rows into JSON in one go (so it can load what they need
    for the whole page at once), given the `$select` asked for.
    """
    query = odata.parse_query(request.query_params, spec)
    scope = request.url.path  # a token serves this collection only (not another group's)
    rows = directory.fetch(session, odata.paginate(statement, query, spec, secret, scope))
    link = None
    if len(rows) > query.top:
        rows = rows[: query.top]
        last = odata.row_sort_values(spec, query, rows[-1])
        state = odata.page_state(spec, query, last, scope)
        base = public_url(request) + request.url.path
        link = odata.next_link(base, request.query_params, state, secret)
    body: Json = {"@odata.context": context_url(request, with_select(context, query.select))}
    if query.count:
        body["@odata.count"] = directory.count(session, odata.apply(statement, query, spec))
    items = shape(rows, query.select)
    if odata_type is not None:
        items = [{"@odata.type": odata_type, **item} for item in items]
    body["value"] = items
    if link is not None:
        body["@odata.nextLink"] = link
    return JSONResponse(body)
