"""Signing in and out."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from seatplan.services import admins, transaction
from seatplan.web import security
from seatplan.web.auth import CurrentAdmin, DatabaseDep, KeyDep, SessionForm, remember, session_of
from seatplan.web.errors import Forbidden, PortalRoute
from seatplan.web.forms import read_form, text
from seatplan.web.render import render
from seatplan.web.throttle import SignInThrottle

router = APIRouter(route_class=PortalRoute, include_in_schema=False)

WRONG = "Wrong username or password."


def _next(value: str | None) -> str:
    """Where to go after signing in: a path of this site only."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/licenses"


def too_many(wait: int) -> str:
    when = f"{wait} seconds" if wait < 120 else f"{-(-wait // 60)} minutes"
    return f"Too many failed sign-ins: try again in {when}."


def _throttle(request: Request) -> SignInThrottle:
    throttle: SignInThrottle = request.app.state.portal_throttle
    return throttle


@router.get("/")
def home(admin: CurrentAdmin) -> Response:
    return RedirectResponse("/licenses", status_code=303)


@router.get("/signin")
def signin_page(request: Request, key: KeyDep) -> Response:
    data = session_of(request, key)
    if data is not None and data.admin_id is not None:
        return RedirectResponse(_next(request.query_params.get("next")), status_code=303)
    data = data or security.new_session()
    request.state.portal_csrf = security.csrf_token(key, data)
    response = render(request, "signin.html", next=request.query_params.get("next", ""))
    remember(request, response, key, data)
    return response


@router.post("/signin")
async def signin(request: Request, db: DatabaseDep, key: KeyDep) -> Response:
    form = await read_form(request)
    data = session_of(request, key)
    token = form.get("csrf_token")
    if not security.csrf_valid(key, data, token if isinstance(token, str) else None):
        raise Forbidden("The form's security token is missing or out of date: reload the page.")
    assert data is not None
    username, password = text(form, "username", limit=128), form.get("password")
    target = _next(text(form, "next", limit=2048))
    address = request.client.host if request.client else ""
    throttle = _throttle(request)
    wait = throttle.attempt(username, address)
    if wait:
        # At once, without looking at the password: a guess while waiting tells nothing.
        request.state.portal_csrf = security.csrf_token(key, data)
        refused = render(
            request,
            "signin.html",
            status=429,
            next=target,
            errors={"password": too_many(wait)},
            typed={"username": username},
        )
        refused.headers["Retry-After"] = str(wait)
        return refused
    admin = None
    if username and isinstance(password, str) and password:

        def verify() -> admins.AdminInfo | None:
            with transaction.writing(db) as session:
                return admins.authenticate(session, username=username, password=password)

        try:
            admin = await run_in_threadpool(verify)
        except Exception:
            throttle.withdrawn(username, address)  # a fault, not a wrong password
            raise
    if admin is None:
        request.state.portal_csrf = security.csrf_token(key, data)
        return render(
            request,
            "signin.html",
            status=400,
            next=target,
            errors={"password": WRONG},
            typed={"username": username},
        )
    throttle.succeeded(username, address)
    request.state.portal_admin = admin  # the access log names who signed in
    response = RedirectResponse(target, status_code=303)
    remember(request, response, key, security.new_session(admin.id))
    return response


@router.post("/signout")
def signout(request: Request, form: SessionForm, admin: CurrentAdmin, db: DatabaseDep) -> Response:
    with transaction.writing(db) as session:
        admins.end_sessions(session, admin_id=admin.id)
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(security.COOKIE, path="/")
    return response
