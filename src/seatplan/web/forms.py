"""Reading what a form or a query string holds: text, UUIDs, dates, plan toggles, pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request

from seatplan.services import lookup
from seatplan.web.errors import PageNotFound

PAGE_SIZE = 50
#: The portal's forms are small: a few fields, plan toggles, no file.
MAX_FIELDS = 1000
MAX_FIELD_BYTES = 64 * 1024


async def read_form(request: Request, *, files: int = 0) -> FormData:
    """The posted form; one over these limits answers 400 (see `PortalRoute`)."""
    return await request.form(max_files=files, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)


def text(form: FormData | QueryParams, name: str, *, limit: int = 256) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def uuid_of(value: str) -> UUID:
    """The id in a page's address; a malformed one is a missing page."""
    found = lookup.as_uuid(value)
    if found is None:
        raise PageNotFound("This page does not exist.")
    return found


def offset(params: QueryParams, size: int = PAGE_SIZE) -> int:
    raw = params.get("page", "1")
    number = int(raw) if raw.isdigit() else 1
    return (max(1, min(number, 1_000_000)) - 1) * size


def enabled_plans(form: FormData) -> set[UUID]:
    """The plans whose toggle is on (`plan` fields carry plan ids)."""
    found = (lookup.as_uuid(value) for value in form.getlist("plan") if isinstance(value, str))
    return {plan for plan in found if plan is not None}


def day(value: str, *, end: bool = False) -> datetime | None:
    """A `YYYY-MM-DD` day as a UTC moment (its start, or the next day's with `end`).

    Raises ValueError for anything else but an empty value.
    """
    if not value:
        return None
    start = datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    return start + timedelta(days=1) if end else start
