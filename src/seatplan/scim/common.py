"""What every SCIM route shares: bodies, the base URL, paging, attribute selection, ETags."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Body, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from seatplan.scim import filters, queries, schemas
from seatplan.scim.errors import INVALID_VALUE, ScimError, scim_json
from seatplan.services import audit, transaction
from seatplan.services.tokens import Principal
from seatplan.store.db import Database

Json = dict[str, Any]
PREFIX = "/scim/v2"
#: `count` at most (ServiceProviderConfig's filter.maxResults), and when none is asked.
MAX_RESULTS = 1000
DEFAULT_COUNT = 100


def database(request: Request) -> Database:
    found: Database = request.app.state.db
    return found


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


#: The request's JSON object, sent as application/scim+json or application/json (any
#: other body is a 400 invalidSyntax: see `errors.as_scim_error`).
BodyDep = Annotated[dict[str, Any], Body()]


@contextmanager
def writing(request: Request, caller: Principal) -> Iterator[Session]:
    """A write transaction whose changes the audit log gives to the provisioning app."""
    with transaction.writing(database(request)) as session:
        audit.act_as(session, audit.Actor("app", caller.name, caller.token_id))
        yield session


def paging(request: Request) -> tuple[int, int]:
    """`startIndex` (1-based, at least 1) and `count` (0 to MAX_RESULTS), RFC 7644 §3.4.2.4."""
    return (
        max(1, _integer(request, "startIndex", 1)),
        min(MAX_RESULTS, max(0, _integer(request, "count", DEFAULT_COUNT))),
    )


def _integer(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise ScimError(400, f"'{name}' must be an integer.", INVALID_VALUE) from None


def list_response(resources: Sequence[Json], total: int, start: int) -> Json:
    return {
        "schemas": [schemas.LIST],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": len(resources),
        "Resources": list(resources),
    }


# attributes / excludedAttributes (RFC 7644 §3.4.2.5)

ALWAYS = frozenset({"id", "schemas"})


def _names(request: Request, name: str) -> list[str]:
    text = request.query_params.get(name) or ""
    return [part.strip() for part in text.split(",") if part.strip()]


def _parts(path: str, resource: Mapping[str, Any]) -> tuple[str | None, str, str | None]:
    """(extension key or None, attribute, sub-attribute) of an attribute path."""
    lowered = path.lower()
    for key in resource:
        if key.lower().startswith("urn:") and lowered.startswith(key.lower()):
            rest = path[len(key) :].lstrip(":")
            attribute, _, sub = rest.partition(".")
            return key, attribute, sub or None
    if lowered.startswith("urn:"):
        for schema in (schemas.USER, schemas.GROUP):
            if lowered.startswith(schema.lower() + ":"):
                path = path[len(schema) + 1 :]
                break
    attribute, _, sub = path.partition(".")
    return None, attribute, sub or None


def _key(values: Mapping[str, Any], name: str) -> str | None:
    return next((key for key in values if key.lower() == name.lower()), None)


def _pick(value: Any, sub: str) -> Any:
    if isinstance(value, list):
        picked = [_pick(item, sub) for item in value]
        return [item for item in picked if item not in (None, {})]
    if isinstance(value, Mapping):
        key = _key(value, sub)
        return {key: value[key]} if key else {}
    return None


def project(resource: Json, request: Request) -> Json:
    """The resource with only the `attributes` asked, or without the `excludedAttributes`."""
    wanted, unwanted = _names(request, "attributes"), _names(request, "excludedAttributes")
    if wanted:
        kept: Json = {key: value for key, value in resource.items() if key in ALWAYS}
        for path in wanted:
            extension, attribute, sub = _parts(path, resource)
            source = resource.get(extension, {}) if extension else resource
            if extension and not attribute:
                kept[extension] = source
                continue
            key = _key(source, attribute) if isinstance(source, Mapping) else None
            if key is None:
                continue
            value = source[key] if sub is None else _pick(source[key], sub)
            target = kept.setdefault(extension, {}) if extension else kept
            if sub is not None and isinstance(value, dict) and isinstance(target.get(key), dict):
                target[key] = {**target[key], **value}
            else:
                target[key] = value
        return kept
    if unwanted:
        trimmed = dict(resource)
        for path in unwanted:
            extension, attribute, sub = _parts(path, resource)
            holder = trimmed.get(extension) if extension else trimmed
            if not isinstance(holder, dict):
                continue
            if extension:
                holder = trimmed[extension] = dict(holder)
            key = _key(holder, attribute)
            if key is None or key in ALWAYS:
                continue
            if sub is None:
                del holder[key]
            elif isinstance(holder[key], dict):
                holder[key] = {k: v for k, v in holder[key].items() if k.lower() != sub.lower()}
        return trimmed
    return resource


# ETags (RFC 7644 §3.14)


def check_if_match(request: Request, resource: Json) -> None:
    """412 when `If-Match` names none of the resource's current version."""
    current = resource["meta"]["version"]
    header = request.headers.get("if-match")
    if header is None:
        return
    tags = [tag.strip() for tag in header.split(",")]
    if "*" in tags or current in tags or current.removeprefix("W/") in tags:
        return
    raise ScimError(412, "The resource has changed since that version (If-Match).")


def answer(request: Request, resource: Json, status: int = 200) -> Response:
    """A resource with its ETag (and Location when created), its attributes as asked;
    304 to a GET whose If-None-Match names its version."""
    version = resource["meta"]["version"]
    headers = {"ETag": version}
    if status == 201:
        headers["Location"] = resource["meta"]["location"]
    if request.method == "GET" and not_modified(request, version):
        return Response(status_code=304, headers=headers)
    return scim_json(project(resource, request), status, headers)


def listing(
    request: Request,
    session: Session,
    statement: Any,
    *,
    columns: Mapping[str, queries.Column],
    order: Any,
    shape: Any,
) -> Response:
    """A ListResponse page of the resources that match `filter`, projected as asked."""
    start, count = paging(request)
    found, total = search(
        session,
        statement,
        text=request.query_params.get("filter"),
        columns=columns,
        order=order,
        start=start,
        count=count,
        shape=shape,
    )
    page = [project(resource, request) for resource in found]
    return scim_json(list_response(page, total, start))


#: Rows read at a time when a filter is evaluated over resources.
CHUNK = 1000


def search(
    session: Session,
    statement: Any,
    *,
    text: str | None,
    columns: Mapping[str, queries.Column],
    order: Any,
    start: int,
    count: int,
    shape: Any,
) -> tuple[list[Json], int]:
    """A page of resources matching filter `text`, and how many match in all.

    In SQL when every comparison has a column; else over the resources, read in chunks
    in `order` (a primary key).
    """
    node = filters.parse(text) if text else None
    where = queries.condition(node, columns) if node is not None else None
    if node is None or where is not None:
        if where is not None:
            statement = statement.where(where)
        rows = (
            list(session.scalars(statement.order_by(order).offset(start - 1).limit(count)))
            if count
            else []
        )
        if count and len(rows) < count and (rows or start == 1):
            # The last page: what it holds tells the total (an IdP's `userName eq` lookup
            # before each create is one query, not two).
            total = start - 1 + len(rows)
        else:
            total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        return shape(session, rows), total
    found: list[Json] = []
    total = 0
    last: Any = None
    while True:
        chunk = statement.order_by(order).limit(CHUNK)
        if last is not None:
            chunk = chunk.where(order > last)
        rows = list(session.scalars(chunk))
        if not rows:
            break
        for resource in shape(session, rows):
            if filters.matches(resource, node):
                total += 1
                if start <= total < start + count:
                    found.append(resource)
        last = rows[-1].id
    return found, total


def not_modified(request: Request, current: str) -> bool:
    header = request.headers.get("if-none-match")
    return header is not None and (
        current in [tag.strip() for tag in header.split(",")] or header.strip() == "*"
    )
