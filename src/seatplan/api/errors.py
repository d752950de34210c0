"""The one place where every error becomes Graph's envelope.

    {"error": {"code": "...", "message": "...",
               "innerError": {"request-id": "...", "date": "...", "client-request-id": "..."}}}

Domain errors (`services.errors`), unsupported OData queries, validation errors, unknown
routes, wrong methods, oversized bodies and unexpected failures all end here.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from seatplan.api.odata import errors as odata_errors
from seatplan.api.odata.errors import UnsupportedQuery
from seatplan.services.errors import BadRequest, Conflict, NotFound, ServiceError
from seatplan.store import faults

log = logging.getLogger(__name__)

BAD_REQUEST = odata_errors.BAD_REQUEST
NOT_FOUND = "Request_ResourceNotFound"
UNSUPPORTED_QUERY = odata_errors.UNSUPPORTED_QUERY
UNAUTHENTICATED = "InvalidAuthenticationToken"
DENIED = "Authorization_RequestDenied"
UNAVAILABLE = "serviceNotAvailable"
#: Seconds a client is asked to wait after a 503.
RETRY_AFTER = "30"


class GraphError(Exception):
    """An answer in Graph's error envelope, raised from anywhere in the API."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class InnerError(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    request_id: str = Field(alias="request-id")
    date: str
    client_request_id: str | None = Field(default=None, alias="client-request-id")


class ErrorDetail(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    code: str
    message: str
    inner_error: InnerError = Field(alias="innerError")


class ErrorEnvelope(BaseModel):
    """Graph's error answer."""

    error: ErrorDetail


def _doc(description: str) -> dict[str, Any]:
    return {"model": ErrorEnvelope, "description": description}


#: Answers every route may give, for the OpenAPI schema.
COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc("Invalid request (Request_BadRequest, Request_UnsupportedQuery)."),
    401: _doc("Missing or invalid token (InvalidAuthenticationToken)."),
    403: _doc("The token lacks the permission (Authorization_RequestDenied)."),
    404: _doc("No such object (Request_ResourceNotFound)."),
    405: _doc("Method not allowed."),
    413: _doc("Request body over 1 MB."),
    500: _doc("Unexpected failure."),
    503: _doc(
        "The database is read-only, full, unreachable or busy, or the query took too long "
        "(serviceNotAvailable)."
    ),
}


def error_response(request: Request, status: int, code: str, message: str) -> Response:
    return envelope(
        status,
        code,
        message,
        request_id=str(getattr(request.state, "request_id", "")),
        client_request_id=request.headers.get("client-request-id"),
    )


def envelope(
    status: int, code: str, message: str, *, request_id: str, client_request_id: str | None
) -> Response:
    inner: dict[str, str] = {
        "request-id": request_id,
        "date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
    }
    if client_request_id:
        inner["client-request-id"] = client_request_id[:128]
    headers = {"WWW-Authenticate": 'Bearer realm="seatplan"'} if status == 401 else None
    return JSONResponse(
        {"error": {"code": code, "message": message, "innerError": inner}},
        status_code=status,
        headers=headers,
    )


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


#: The bodies' own errors (`api.graph.bodies`), whole sentences shown as they are.
_VERBATIM = frozenset({"read_only", "mail_enabled", "unified"})


def validation_message(error: RequestValidationError) -> str:
    problems = []
    for item in error.errors()[:5]:
        kind = item.get("type", "")
        field = _field(tuple(item.get("loc", ())))
        if kind == "json_invalid":
            problems.append("The request body is not valid JSON.")
        elif kind in _VERBATIM:
            problems.append(str(item.get("msg", "Invalid request.")))
        elif kind == "extra_forbidden":
            problems.append(f"Property '{field}' does not exist on this resource.")
        elif kind == "missing" and field == "body":
            problems.append("The request needs a JSON body.")
        elif field == "body" and kind in ("model_attributes_type", "dict_type", "model_type"):
            problems.append("The request body must be a JSON object (application/json).")
        elif kind == "missing":
            problems.append(f"Property '{field}' is required.")
        else:
            problems.append(f"Invalid value for '{field}': {item.get('msg', 'invalid')}.")
    return " ".join(problems) or "Invalid request."


async def _graph(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GraphError)
    return error_response(request, exc.status, exc.code, exc.message)


async def _service(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ServiceError)
    if isinstance(exc, NotFound):
        return error_response(request, 404, NOT_FOUND, exc.message)
    if isinstance(exc, BadRequest | Conflict):
        return error_response(request, 400, BAD_REQUEST, exc.message)
    return error_response(request, 400, BAD_REQUEST, exc.message)


async def _unsupported(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, UnsupportedQuery)
    return error_response(request, 400, exc.code, exc.message)


async def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return error_response(request, 400, BAD_REQUEST, validation_message(exc))


async def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc.__cause__, GraphError):  # raised while FastAPI read the body
        return await _graph(request, exc.__cause__)
    if exc.status_code == 400:
        return error_response(request, 400, BAD_REQUEST, "The request body is not valid JSON.")
    if exc.status_code == 404:
        segment = request.url.path.rstrip("/").rsplit("/", 1)[-1]
        message = f"Resource not found for the segment '{segment}'."
        return error_response(request, 404, NOT_FOUND, message)
    if exc.status_code == 405:
        message = "Specified HTTP method is not allowed for the request uri."
        return error_response(request, 405, BAD_REQUEST, message)
    if exc.status_code == 413:  # a body over the limit (`middleware.RequestContext`)
        return error_response(request, 413, "Request_EntityTooLarge", str(exc.detail))
    return error_response(request, exc.status_code, BAD_REQUEST, str(exc.detail))


async def _data(request: Request, exc: Exception) -> Response:
    # A value the database cannot store (PostgreSQL: a NUL character, an out-of-range number).
    return error_response(request, 400, BAD_REQUEST, "A value of the request cannot be stored.")


async def _database(request: Request, exc: Exception) -> Response:
    reason = faults.unavailable(exc)
    if reason is None:
        raise exc  # a bug, not a fault: `_unexpected` answers 500 and logs the trace
    log.warning("503 on %s %s: %s (%s)", request.method, request.url.path, reason, exc)
    response = error_response(request, 503, UNAVAILABLE, reason)
    response.headers["Retry-After"] = RETRY_AFTER
    return response


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    response = error_response(request, 500, "UnknownError", "An unexpected error occurred.")
    # Answered outside the middleware that names every other answer (Starlette's outermost
    # error handler), so the header is set here.
    response.headers["request-id"] = str(getattr(request.state, "request_id", ""))
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(GraphError, _graph)
    app.add_exception_handler(ServiceError, _service)
    app.add_exception_handler(UnsupportedQuery, _unsupported)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(DataError, _data)
    for kind in faults.database_errors():
        app.add_exception_handler(kind, _database)
    app.add_exception_handler(Exception, _unexpected)
