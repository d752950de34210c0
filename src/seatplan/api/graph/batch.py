"""`POST /v1.0/$batch`: Graph's JSON batching, each request run through the app itself.

Every request of a batch is dispatched in-process to the whole application (its
middleware, routes, permissions and error handlers) as a request of its own, with the
caller's `Authorization` header: it answers exactly what the same call made directly
would, in its own transaction. Requests run one after the other, in the order given.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import string
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from fastapi import APIRouter, Depends, Request
from pydantic import with_config
from starlette.responses import JSONResponse
from starlette.types import Message, Scope
from typing_extensions import NotRequired, TypedDict  # noqa: UP035 - pydantic needs these on 3.11

from seatplan.api.auth import current_principal
from seatplan.api.errors import BAD_REQUEST, GraphError, envelope
from seatplan.api.graph.common import PREFIX, responses
from seatplan.shapes.values import EXACT

router = APIRouter(tags=["batch"])

#: Graph's limit of requests in one batch.
MAX_REQUESTS = 20
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
#: The batch's own refusals (a malformed batch), as Graph's gateway answers them.
BATCH_ERROR = "BadRequest"
FAILED_DEPENDENCY = 424


@with_config(EXACT)
class BatchResponseItem(TypedDict):
    id: str
    status: int
    headers: dict[str, str]
    #: JSON when the answer is JSON, else its bytes in base64; absent when empty.
    body: NotRequired[Any]


@with_config(EXACT)
class BatchResponse(TypedDict):
    responses: list[BatchResponseItem]


@dataclass(frozen=True)
class Step:
    """One checked request of the batch."""

    id: str
    method: str
    url: str
    headers: dict[str, str]
    body: Any
    has_body: bool
    depends_on: tuple[str, ...]


def malformed(message: str) -> GraphError:
    return GraphError(400, BATCH_ERROR, message)


def parse_batch(payload: Any) -> list[Step]:
    """The batch's requests, checked as a whole (400 for the whole batch when malformed)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("requests"), list):
        raise malformed("The batch must be a JSON object with a 'requests' array.")
    items: list[Any] = payload["requests"]
    if not items:
        raise malformed("The batch has no requests.")
    if len(items) > MAX_REQUESTS:
        raise malformed(
            f"The batch has {len(items)} requests; a batch holds at most {MAX_REQUESTS}."
        )
    steps = [_step(index, item) for index, item in enumerate(items)]
    seen: set[str] = set()
    for step in steps:
        if step.id.lower() in seen:  # ids are not case-sensitive
            raise malformed(f"The id '{step.id}' is used by more than one request of the batch.")
        for dependency in step.depends_on:
            if dependency.lower() not in seen:
                raise malformed(
                    f"Invalid dependency for request Id '{step.id}': '{dependency}' is not "
                    "the id of an earlier request of the batch."
                )
        seen.add(step.id.lower())
    if any(step.depends_on for step in steps) and not all(step.depends_on for step in steps[1:]):
        raise malformed("Batch should be either fully sequential or fully parallel.")
    return steps


def _step(index: int, item: Any) -> Step:
    if not isinstance(item, dict):
        raise malformed(f"Request {index} of the batch is not a JSON object.")
    for name in ("id", "method", "url"):
        if not isinstance(item.get(name), str) or not item[name]:
            raise malformed(f"Request {index} of the batch needs '{name}' (a non-empty string).")
    method = item["method"].upper()
    if method not in METHODS:
        raise malformed(f"Request '{item['id']}': method '{item['method']}' is not supported.")
    headers = item.get("headers") or {}
    if not isinstance(headers, dict) or not all(
        isinstance(value, str) for value in headers.values()
    ):
        raise malformed(f"Request '{item['id']}': 'headers' must be an object of strings.")
    depends_on = item.get("dependsOn") or []
    if not isinstance(depends_on, list) or not all(isinstance(d, str) for d in depends_on):
        raise malformed(f"Request '{item['id']}': 'dependsOn' must be an array of ids.")
    has_body = item.get("body") is not None
    if has_body and not any(name.lower() == "content-type" for name in headers):
        raise malformed(
            f"Request '{item['id']}': a request with a body needs a Content-Type header."
        )
    return Step(
        id=item["id"],
        method=method,
        url=item["url"],
        headers={str(name): value for name, value in headers.items()},
        body=item.get("body"),
        has_body=has_body,
        depends_on=tuple(depends_on),
    )


@router.post(
    "/$batch",
    dependencies=[Depends(current_principal)],  # any valid token; each request checks its own
    responses=responses(BatchResponse),
    summary="Run up to 20 requests in one call (JSON batching)",
)
async def batch(request: Request) -> JSONResponse:
    """Each request is authorised with the caller's token and answers on its own; one that
    depends on a failed request answers 424."""
    try:
        payload = json.loads(await request.body())
    except ValueError as error:
        raise malformed("The batch is not valid JSON.") from error
    steps = parse_batch(payload)
    succeeded: dict[str, bool] = {}
    answers: list[BatchResponseItem] = []
    for step in steps:
        failed = [d for d in step.depends_on if not succeeded[d.lower()]]
        if failed:
            answer = _failed_dependency(request, step, failed[0])
        else:
            answer = await _run(request, step)
        succeeded[step.id.lower()] = 200 <= answer["status"] < 300
        answers.append(answer)
    return JSONResponse({"responses": answers})


def _failed_dependency(request: Request, step: Step, dependency: str) -> BatchResponseItem:
    return _error(
        request,
        step,
        FAILED_DEPENDENCY,
        "FailedDependency",
        f"The request depends on request '{dependency}', which failed.",
    )


def _error(request: Request, step: Step, status: int, code: str, message: str) -> BatchResponseItem:
    response = envelope(
        status,
        code,
        message,
        request_id=str(getattr(request.state, "request_id", "")),
        client_request_id=request.headers.get("client-request-id"),
    )
    return {
        "id": step.id,
        "status": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.loads(bytes(response.body)),
    }


def _target(url: str) -> tuple[str, str] | None:
    """The path (under the API's prefix) and raw query of a request's URL; None if invalid.

    Relative URLs are Graph's (`/users/…`, or `users/…`); an absolute URL naming the API
    (`https://host/v1.0/users/…`, which Microsoft's Python SDK sends) is accepted too.
    """
    parts = urlsplit(url)
    path = parts.path
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https") or not path.startswith(PREFIX + "/"):
            return None
        path = path[len(PREFIX) :]
    elif not path.startswith("/"):
        path = "/" + path
    return PREFIX + path, parts.query


async def _run(request: Request, step: Step) -> BatchResponseItem:
    target = _target(step.url)
    if target is None:
        return _error(
            request,
            step,
            400,
            BAD_REQUEST,
            f"Invalid request URL '{step.url}': give it relative to /v1.0, e.g. /users.",
        )
    path, query = target
    if path.rstrip("/") == PREFIX + "/$batch":
        return _error(request, step, 400, BAD_REQUEST, "A batch cannot contain a batch.")
    body = b""
    if step.has_body:
        try:
            body = _body_bytes(step.body)
        except ValueError:
            return _error(request, step, 400, BAD_REQUEST, "The body is neither JSON nor base64.")
    status, headers, content = await _dispatch(request, step, path, query, body)
    return _answer(step, status, headers, content)


def _body_bytes(body: Any) -> bytes:
    """A JSON body as JSON; a string is a base64 value (Graph's way to send bytes)."""
    if isinstance(body, str):
        try:
            return base64.b64decode(body, validate=True)
        except binascii.Error as error:
            raise ValueError("not base64") from error
    return json.dumps(body).encode()


async def _dispatch(
    request: Request, step: Step, path: str, query: str, body: bytes
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """The answer of the app to one request, as a direct call would get it."""
    parent: Scope = request.scope
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in step.headers.items()
        if name.lower() not in ("authorization", "host", "content-length")
    ]
    for name in (b"host", b"authorization"):
        value = request.headers.get(name.decode())
        if value is not None:
            headers.append((name, value.encode("latin-1")))
    headers.append((b"content-length", str(len(body)).encode()))
    scope: Scope = {
        "type": "http",
        "asgi": parent.get("asgi", {"version": "3.0"}),
        "http_version": parent.get("http_version", "1.1"),
        "method": step.method,
        "scheme": parent.get("scheme", "http"),
        "server": parent.get("server"),
        "client": parent.get("client"),
        "root_path": parent.get("root_path", ""),
        "path": unquote(path),
        "raw_path": _ascii(path),
        "query_string": _ascii(query),
        "headers": headers,
        "state": {},
    }
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 500
    answer_headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        nonlocal status, answer_headers
        if message["type"] == "http.response.start":
            status = int(message["status"])
            answer_headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))

    # An unexpected error is answered (500) and logged by the app's handler, which then
    # raises it again: the batch goes on with that answer.
    with contextlib.suppress(Exception):
        await request.app(scope, receive, send)
    return status, answer_headers, b"".join(chunks)


def _ascii(text: str) -> bytes:
    """A URL part as it travels: characters outside ASCII percent-encoded (as UTF-8),
    the rest (escapes included) as given."""
    return quote(text, safe=string.punctuation + " ").encode("ascii")


#: Header names as Graph writes them in a batch's answers.
_HEADER_NAMES = {
    "content-type": "Content-Type",
    "location": "Location",
    "retry-after": "Retry-After",
    "www-authenticate": "WWW-Authenticate",
}


def _answer(
    step: Step, status: int, raw_headers: list[tuple[bytes, bytes]], content: bytes
) -> BatchResponseItem:
    headers: dict[str, str] = {}
    for raw_name, raw_value in raw_headers:
        name = raw_name.decode("latin-1").lower()
        if name != "content-length":
            headers[_HEADER_NAMES.get(name, name)] = raw_value.decode("latin-1")
    answer: BatchResponseItem = {"id": step.id, "status": status, "headers": headers}
    if content:
        content_type = headers.get("Content-Type", "")
        if "json" in content_type.split(";", 1)[0]:
            answer["body"] = json.loads(content)
        else:
            answer["body"] = base64.b64encode(content).decode("ascii")
    return answer
