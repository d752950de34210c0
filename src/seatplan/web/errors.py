"""The one place where domain errors become page errors.

Portal routes use `PortalRoute`: a `ServiceError` a handler lets through becomes an HTML
page (404 for `NotFound`, 400 otherwise) and a `PortalError` becomes its own answer. A
change whose refusal belongs next to a field goes through `attempt`, which returns the
refusal's message. The API's JSON error handlers never see a portal route's error.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from seatplan.services import audit, transaction
from seatplan.services.admins import AdminInfo
from seatplan.services.errors import NotFound, ServiceError
from seatplan.store import faults
from seatplan.store.db import Database
from seatplan.web.headers import secured
from seatplan.web.render import render

log = logging.getLogger(__name__)


class PortalError(Exception):
    """An answer other than the page: a redirect to sign in, a refusal, a missing page."""

    status = 400
    title = "Bad request"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


class SignInRequired(PortalError):
    status = 303


class Forbidden(PortalError):
    status = 403
    title = "Not allowed"


class Unexpected(PortalError):
    status = 500
    title = "Something went wrong"


class Unavailable(PortalError):
    """The database is read-only, full or unreachable: nothing the administrator did."""

    status = 503
    title = "Service unavailable"


class PageNotFound(PortalError):
    status = 404
    title = "Not found"


class MethodNotAllowed(PortalError):
    status = 405
    title = "Not available"


class RequestRefused(PortalError):
    """Refused before the page saw it: a body over 1 MB, a form over `read_form`'s limits."""

    title = "Request refused"

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def page_error(error: ServiceError | PortalError) -> PortalError:
    """The page error of a domain error."""
    if isinstance(error, PortalError):
        return error
    if isinstance(error, NotFound):
        return PageNotFound(error.message)
    return PortalError(error.message)


def attempt(request: Request, db: Database, change: Callable[[Session], object]) -> str | None:
    """Run `change` in one write transaction: None when done, else the refusal's message.

    A refused change wrote nothing (the transaction is rolled back). What it changes is
    audited as done by the signed-in administrator.
    """
    admin: AdminInfo = request.state.portal_admin
    try:
        with transaction.writing(db) as session:
            audit.act_as(session, admin.actor)
            change(session)
    except ServiceError as error:
        return error.message
    return None


def error_page(request: Request, error: PortalError) -> Response:
    if isinstance(error, SignInRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target)}", status_code=303)
    return render(
        request,
        "error.html",
        status=error.status,
        title=error.title,
        message=error.message,
    )


#: First segments of the addresses that answer JSON (the APIs, SCIM, probes, metrics):
#: every other address is the portal's, whose unknown pages are HTML pages.
API_SEGMENTS = frozenset(
    {"v1.0", "beta", "admin", "scim", "metrics", "healthz", "readyz", "docs", "openapi.json"}
)

Handler = Callable[[Request, Any], Response | Awaitable[Response]]


def is_portal_path(path: str) -> bool:
    return path.lstrip("/").split("/", 1)[0] not in API_SEGMENTS


def pages_or(api_handler: Handler) -> Handler:
    """The app's handler of routing errors: an unknown address or a wrong method is an
    HTML page on the portal's addresses, `api_handler`'s JSON on the API's."""

    async def handler(request: Request, exc: Any) -> Response:
        if (
            isinstance(exc, HTTPException)
            and exc.status_code in (404, 405)
            and is_portal_path(request.url.path)
        ):
            error = (
                PageNotFound("This page does not exist.")
                if exc.status_code == 404
                else MethodNotAllowed(
                    "This address does not answer that kind of request: "
                    "open it from the portal's pages."
                )
            )
            return secured(error_page(request, error))
        answer = api_handler(request, exc)
        return await answer if inspect.isawaitable(answer) else answer

    return handler


class PortalRoute(APIRoute):
    """A route whose errors are pages (see the module's docstring), sent with the
    portal's security headers (`web.headers`)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def portal_handler(request: Request) -> Response:
            return secured(await answer(request))

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except (ServiceError, PortalError) as error:
                return error_page(request, page_error(error))
            except RequestValidationError:
                return error_page(request, PageNotFound("This page does not exist."))
            except HTTPException as error:  # Starlette's form limits, the body limit
                return error_page(request, RequestRefused(error.status_code, str(error.detail)))
            except faults.database_errors() as error:
                if (reason := faults.unavailable(error)) is None:
                    log.exception("portal error on %s %s", request.method, request.url.path)
                    return error_page(request, Unexpected("Something went wrong: see the log."))
                log.warning("503 on %s %s: %s", request.method, request.url.path, reason)
                return error_page(request, Unavailable(reason))
            except Exception:  # a page, not the API's JSON envelope; the trace goes to the log
                log.exception("portal error on %s %s", request.method, request.url.path)
                return error_page(request, Unexpected("Something went wrong: see the log."))

        return portal_handler
