"""One log line and the HTTP metrics for every answer, portal and probes included.

Named by the route's template (`/v1.0/users/{user_id}`), never by its path: ids would
make the metrics' series unbounded, and a path or its query may carry what a log should
not keep. Who called is named (a token's name and public id, an administrator's
username), never their secret.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from seatplan.api import metrics

log = logging.getLogger("seatplan.access")

#: Other methods count as "other": a client must not be able to add series at will.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
#: No route matched (404), or the request was refused before routing (bad host, 413).
UNMATCHED = "unmatched"


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app raises instead of answering
        recorded = False

        def record() -> None:
            nonlocal recorded
            recorded = True
            _record(scope, status, time.perf_counter() - started)

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                # Before the client has the whole answer: its next request, perhaps to
                # another process, finds this one counted.
                record()
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if not recorded:
                record()


def _record(scope: Scope, status: int, seconds: float) -> None:
    method = scope["method"] if scope["method"] in METHODS else "other"
    route = route_of(scope)
    metrics.observe_request(method, route, status, seconds)
    if log.isEnabledFor(logging.INFO):
        # The record made here rather than by `log.info`, which would also walk the stack
        # to name the calling line: nobody reads that of an access line, and every answer
        # would pay for it.
        fields = {**_caller(scope), **_fields(method, route, status, seconds)}
        message = "%s %s %d %.1f ms"
        arguments = (method, route, status, seconds * 1000)
        log.handle(
            log.makeRecord(
                log.name, logging.INFO, __file__, 0, message, arguments, None, None, fields
            )
        )


def route_of(scope: Scope) -> str:
    """The matched route's template, with the prefix its router was included under.

    FastAPI leaves in `scope["route"]` the route as its router declared it (`/users`);
    the whole template (`/v1.0/users`) is on the routing context it keeps beside it.
    tests/integration/test_metrics.py notices if a new FastAPI moves it.
    """
    context = (scope.get("fastapi") or {}).get("effective_route_context")
    for path in (getattr(context, "path_format", None), getattr(scope.get("route"), "path", None)):
        if isinstance(path, str) and path:
            return path
    return UNMATCHED


def _fields(method: str, route: str, status: int, seconds: float) -> dict[str, object]:
    return {
        "method": method,
        "route": route,
        "status": status,
        "duration_ms": round(seconds * 1000, 2),
    }


def _caller(scope: Scope) -> dict[str, object]:
    """The request's ids and who made it, from what the inner layers left in its state."""
    state = scope.get("state") or {}
    fields: dict[str, object] = {"request_id": state.get("request_id")}
    for name, value in scope.get("headers", []):
        if name == b"client-request-id":
            fields["client_request_id"] = bytes(value).decode("latin-1")
    if (principal := state.get("principal")) is not None:
        fields["token_name"] = principal.name
        fields["token_id"] = principal.token_id
    if (admin := state.get("portal_admin")) is not None:
        fields["administrator"] = admin.username
    return fields
