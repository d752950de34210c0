"""A request id for every request (Graph's `request-id`), and bodies of at most 1 MB.

A plain ASGI middleware: cheaper than Starlette's `BaseHTTPMiddleware` on the hot path.
The ids are also in `seatplan.logs`' context, so that every line logged while serving
the request names it.
"""

from __future__ import annotations

import uuid

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seatplan import logs
from seatplan.api.errors import BAD_REQUEST, GraphError, envelope

MAX_BODY = 1024 * 1024


def too_large() -> GraphError:
    return GraphError(
        413, "Request_EntityTooLarge", f"The request body is larger than {MAX_BODY} bytes."
    )


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = str(uuid.uuid4())
        scope.setdefault("state", {})["request_id"] = request_id
        logged = logs.REQUEST_ID.set(request_id)
        client_logged = logs.CLIENT_REQUEST_ID.set(_header(scope, b"client-request-id"))
        await self._serve(scope, receive, send, request_id)
        # Not on an exception: the 500 handler logs it further out, and should name the
        # request too (each request is a task of its own, whose context ends with it).
        logs.REQUEST_ID.reset(logged)
        logs.CLIENT_REQUEST_ID.reset(client_logged)

    async def _serve(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        declared = _content_length(scope)
        error = None
        if declared is not None and declared > MAX_BODY:
            error = too_large()
        elif _has_nul(scope):
            error = GraphError(400, BAD_REQUEST, "The URL must not contain NUL characters (%00).")
        if error is not None:
            response = envelope(
                error.status,
                error.code,
                error.message,
                request_id=request_id,
                client_request_id=_header(scope, b"client-request-id"),
            )
            response.headers["request-id"] = request_id
            await response(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY:
                    # Starlette's exception, which the API and the portal each answer their way.
                    raise HTTPException(413, too_large().message)
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"request-id", request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, limited_receive, send_with_id)


def _has_nul(scope: Scope) -> bool:
    raw = bytes(scope.get("raw_path") or scope.get("path", "").encode()) + bytes(
        scope.get("query_string", b"")
    )
    return b"%00" in raw or b"\x00" in raw or "\x00" in scope.get("path", "")


def _header(scope: Scope, wanted: bytes) -> str | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return bytes(value).decode("latin-1")
    return None


def _content_length(scope: Scope) -> int | None:
    value = _header(scope, b"content-length")
    try:
        return None if value is None else int(value)
    except ValueError:
        return None
