"""Jinja2 templates, rendered with the signed-in administrator and the form token."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from seatplan.services.reports import error_help

TEMPLATES = Path(__file__).with_name("templates")

#: Messages shown after a change, by the key a redirect carries (`?done=key`).
NOTICES = {
    "location": "Usage location saved.",
    "license": "License saved. Processing shows its effect on the group pages.",
    "license-removed": "License removed.",
    "group-license": "Group license saved: its members are queued for processing.",
    "group-license-removed": "Product removed from the group: its members are queued.",
    "reprocess": "Reprocessing queued: the page follows its progress.",
    "member-added": "Member added.",
    "member-removed": "Member removed.",
    "rule-saved": "Membership rule saved: the members follow it as it is evaluated.",
    "units": "Subscription units saved.",
    "user-reprocess": "The user is queued for processing.",
    "admin-added": "Administrator added.",
    "admin-saved": "Administrator saved.",
    "admin-password": "Password changed: their sessions have ended.",
    "admin-deleted": "Administrator deleted.",
    "user-created": "User created. Give them licenses through a group or directly below.",
    "group-created": "Group created. Add its members and products below.",
    "members-removed": "Members removed: the group's licenses leave them as it is processed.",
    "locations": "Usage locations saved: the users are queued for processing.",
    "reprocess-many": "The groups are queued for processing.",
    "user-deleted": "User deleted: their seats were freed.",
    "group-deleted": "Group deleted.",
    "bought": "Subscription added: the seats can be assigned now.",
    "token-revoked": "Token revoked: it stops working at once.",
    "webhook-saved": "Webhook endpoint saved.",
    "webhook-deleted": "Webhook endpoint deleted.",
    "webhook-test": "Test event queued: a worker sends it within seconds.",
    "webhook-redeliver": "Event queued again: a worker sends it within seconds.",
    "seat-alert": "Seat alert saved.",
    "organization-saved": "Organization saved: the users it affects are queued.",
}

#: What a notice of queued work becomes once the page sees the work done.
DONE_NOTICES = {
    "reprocess": "Reprocessing done.",
    "group-license": "Group license saved and processed.",
    "group-license-removed": "Product removed from the group and processed.",
    "license": "License saved and processed.",
    "user-reprocess": "The user was processed.",
}


def notice_of(request: Request, *, busy: bool) -> str | None:
    """The notice of `?done=`, as it stands when the page's work is `busy` or not."""
    done = request.query_params.get("done") or ""
    return NOTICES.get(done) if busy else DONE_NOTICES.get(done, NOTICES.get(done))


def _when(value: datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M:%S UTC")


def _query(base: dict[str, Any], **changes: Any) -> str:
    merged = {k: v for k, v in {**base, **changes}.items() if v not in (None, "")}
    return "?" + urlencode(merged) if merged else "?"


environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "svg"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters["when"] = _when
environment.globals["query"] = _query
environment.globals["error_help"] = error_help


def page_address(request: Request) -> str | None:
    """For a page answered to a posted form (a refusal shown again): the address of the
    page the form was on, so that the address bar never holds the form's POST address
    (portal.js puts it there). Only a same-origin path, never another site's."""
    if request.method != "POST":
        return None
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not referer.path.startswith("/"):
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    state = request.state
    done = request.query_params.get("done")
    html = environment.get_template(template).render(
        request=request,
        admin=getattr(state, "portal_admin", None),
        csrf=getattr(state, "portal_csrf", ""),
        page_url=page_address(request),
        notice=context.pop("notice", NOTICES.get(done or "")),
        errors=context.pop("errors", None) or {},
        typed=context.pop("typed", None) or {},
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    return response


def redirect(path: str, done: str | None = None) -> RedirectResponse:
    """After a change: back to a page (303, so that a reload does not post again)."""
    where, _, fragment = path.partition("#")
    if done:
        where += f"{'&' if '?' in where else '?'}done={done}"
    return RedirectResponse(where + (f"#{fragment}" if fragment else ""), status_code=303)
