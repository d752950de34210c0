"""The one confirmation of every destructive action: a page that says what will happen.

The pattern, for any action that removes or deletes something:

- The page's button is the macro `confirm_button(action, label, fields)` (macros.html):
  a GET form to the action's own address, with the action's fields in the query string.
- `GET action` answers `confirm_page(request, Confirmation(...))`: the question, the
  facts, the preview's numbers (who loses which product, what goes into error, computed
  by `licensing_preview`, which makes the change in a savepoint and rolls it back), and
  a form that POSTs the same fields to the same address. Nothing changes on a GET, so
  the page can be reloaded or bookmarked; a refused preview shows why, with no button.
- `POST action` does it and redirects (303) to the page it came from.

Example (a bulk action posts its selected ids as repeated fields the same way)::

    @router.get("/groups/{group}/members/{user}/remove")
    def confirm_remove(request, group: str, user: str, admin: CurrentAdmin, db: DatabaseDep):
        require(admin.can_change)
        preview = licensing_preview(request, db, lambda s: groups.remove_member(...))
        return confirm_page(request, Confirmation(
            title="Remove Ada from All Staff?", action=request.url.path, button="Remove",
            back="/groups/…", preview=preview))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from uuid import UUID

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from seatplan.processing.change_preview import ChangePreview, preview_change
from seatplan.settings import Settings
from seatplan.store.db import Database
from seatplan.web.errors import Forbidden, attempt
from seatplan.web.render import render


@dataclass(frozen=True, slots=True)
class Confirmation:
    #: The question, naming what and whom: "Remove E3 from All Staff?".
    title: str
    #: Where the confirmed form posts (the action's address).
    action: str
    #: The confirming button's label: "Remove E3".
    button: str
    #: The page to go back to (Cancel).
    back: str
    #: The action's fields, posted again with the form token.
    fields: Mapping[str, str | Sequence[str]] = field(default_factory=dict)
    #: What will happen besides licenses, one sentence each.
    facts: Sequence[str] = ()
    #: What the change does to licenses, or why it would be refused (then no button).
    preview: ChangePreview | str | None = None
    #: The menu section the page belongs to.
    section: str = ""


def require(allowed: bool) -> None:
    """A confirmation is shown only to whom may confirm it (403 otherwise)."""
    if not allowed:
        raise Forbidden("Your role cannot make this change.")


def licensing_preview(
    request: Request,
    db: Database,
    change: Callable[[Session], object],
    *,
    subjects: Sequence[UUID] = (),
) -> ChangePreview | str:
    """What `change` would do to licenses (nothing is written), or the refusal's message.
    `subjects`: users whose assignments the change rewrites itself (see `preview_change`)."""
    settings: Settings = request.app.state.settings
    found: list[ChangePreview] = []
    message = attempt(
        request,
        db,
        lambda s: found.append(
            preview_change(s, change, batch_size=settings.batch_size, subjects=subjects)
        ),
    )
    return message if message is not None else found[0]


def dry_run(request: Request, db: Database, change: Callable[[Session], object]) -> str | None:
    """Why `change` would be refused (None: it would pass), with nothing written."""

    def undone(session: Session) -> None:
        savepoint = session.begin_nested()
        try:
            change(session)
            session.flush()
        finally:
            savepoint.rollback()

    return attempt(request, db, undone)


def confirm_page(request: Request, confirmation: Confirmation) -> Response:
    refused = isinstance(confirmation.preview, str)
    return render(
        request,
        "confirm.html",
        status=400 if refused else 200,
        c=confirmation,
        section=confirmation.section,
        refusal=confirmation.preview if refused else None,
        preview=None if refused else confirmation.preview,
    )
