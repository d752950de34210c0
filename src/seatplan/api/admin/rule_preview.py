"""`/admin/…/membershipRule/preview`: what saving a membership rule would do.

Graph has no such call. Previews only read, in a read transaction: on SQLite they never
hold the write lock, however many users the rule reaches; their statements get a longer
time limit than other requests' (`rule_preview.TIME_LIMIT_FACTOR`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request
from sqlalchemy.orm import Session

from seatplan.api.admin.bodies import RulePreviewRequest
from seatplan.api.admin.routes import admin
from seatplan.api.deps import DatabaseDep
from seatplan.processing import rule_preview
from seatplan.services import lookup
from seatplan.settings import Settings
from seatplan.shapes import admin as shapes
from seatplan.store.db import Database

router = APIRouter(tags=["admin: groups"])


@router.post(
    "/groups/{group_id}/membershipRule/preview",
    **admin("Preview a group's membership rule without saving it"),
)
def preview_group_rule(
    request: Request,
    group_id: Annotated[UUID, Path(description="The group's id.")],
    body: RulePreviewRequest,
    database: DatabaseDep,
) -> shapes.RulePreview:
    """Who would join and leave the group, and what licensing would then do to them: the
    group's products applied to the joiners and removed from the leavers, evaluated as
    the worker would evaluate them (seats, errors and why). An invalid rule answers 400
    with the position and the reason."""
    settings: Settings = request.app.state.settings
    with _reading(database, settings) as session:
        result = rule_preview.preview_rule(
            session,
            group=lookup.group(session, group_id),
            rule_text=body.membership_rule,
            batch_size=settings.batch_size,
        )
    return shapes.rule_preview(result)


@router.post(
    "/membershipRule/preview", **admin("Preview a membership rule for a group not created yet")
)
def preview_rule(
    request: Request, body: RulePreviewRequest, database: DatabaseDep
) -> shapes.RulePreview:
    """Who the rule would make members (no licensing: a new group has no products)."""
    settings: Settings = request.app.state.settings
    with _reading(database, settings) as session:
        result = rule_preview.preview_rule(
            session, group=None, rule_text=body.membership_rule, batch_size=settings.batch_size
        )
    return shapes.rule_preview(result)


@contextmanager
def _reading(database: Database, settings: Settings) -> Iterator[Session]:
    """A read transaction with a preview's longer time limit."""
    with (
        rule_preview.request_time_limit(settings.statement_timeout_seconds),
        database.reading() as session,
    ):
        yield session
