"""SCIM's error answers (RFC 7644 §3.12), and the route class that makes every failure one.

The app's exception handlers belong to the Graph API and answer in Graph's envelope;
SCIM's routes catch what they raise themselves (`ScimRoute`), so a SCIM client only ever
sees `urn:ietf:params:scim:api:messages:2.0:Error`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException
from starlette.responses import Response

from seatplan.services.errors import Conflict, NotFound, ServiceError
from seatplan.store import faults

log = logging.getLogger(__name__)

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
MEDIA_TYPE = "application/scim+json"

# scimType values of RFC 7644 §3.12.
UNIQUENESS = "uniqueness"
INVALID_FILTER = "invalidFilter"
INVALID_VALUE = "invalidValue"
INVALID_SYNTAX = "invalidSyntax"
INVALID_PATH = "invalidPath"
MUTABILITY = "mutability"
NO_TARGET = "noTarget"
TOO_MANY = "tooMany"


class ScimError(Exception):
    """An answer in SCIM's error schema, raised from anywhere in the SCIM face."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type


def bad_value(detail: str) -> ScimError:
    return ScimError(400, detail, INVALID_VALUE)


def scim_json(body: object, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A SCIM answer: `application/scim+json`."""
    return Response(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


def error_response(error: ScimError) -> Response:
    body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(error.status)}
    if error.scim_type:
        body["scimType"] = error.scim_type
    body["detail"] = error.detail
    headers = {"WWW-Authenticate": 'Bearer realm="seatplan-scim"'} if error.status == 401 else None
    return scim_json(body, error.status, headers)


def as_scim_error(exc: Exception) -> ScimError | None:
    """The SCIM error of a failure the face knows; None for a bug."""
    if isinstance(exc, ScimError):
        return exc
    if isinstance(exc, NotFound):
        return ScimError(404, f"Resource {exc.value} not found.")
    if isinstance(exc, Conflict):
        return ScimError(409, exc.message, UNIQUENESS)
    if isinstance(exc, ServiceError):
        return ScimError(400, exc.message, INVALID_VALUE)
    if isinstance(exc, RequestValidationError):
        return ScimError(400, "The request is not valid.", INVALID_SYNTAX)
    if isinstance(exc, HTTPException):
        return ScimError(exc.status_code, str(exc.detail))
    if isinstance(exc, IntegrityError):
        # A concurrent request took the same userName or externalId first.
        return ScimError(409, "The resource collides with one just written.", UNIQUENESS)
    if isinstance(exc, DataError):
        return ScimError(400, "A value of the request cannot be stored.", INVALID_VALUE)
    if isinstance(exc, faults.database_errors()):
        reason = faults.unavailable(exc)
        if reason is not None:
            return ScimError(503, reason)
    return None


class ScimRoute(APIRoute):
    """A route whose failures (its dependencies' too) answer in SCIM's error schema."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def scim_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                error = as_scim_error(exc)
                if error is None:
                    log.exception("unexpected error on %s %s", request.method, request.url.path)
                    error = ScimError(500, "An unexpected error occurred.")
                response = error_response(error)
                if error.status == 503:
                    response.headers["Retry-After"] = "30"
                return response

        return scim_handler
