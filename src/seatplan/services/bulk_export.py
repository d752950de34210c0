"""`seatplan users export` and the portal's Export: every user in bulk create's columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import ColumnElement, select

from seatplan.services import bulk_csv
from seatplan.services.bulk_report import CHUNK
from seatplan.services.bulk_user_rows import OWN, STANDARD
from seatplan.store.db import Database
from seatplan.store.tables import User


def _cells(user: User) -> list[str]:
    values: dict[str, Any] = {
        "displayName": user.display_name,
        "userPrincipalName": user.user_principal_name,
        "passwordProfile": "",
        "accountEnabled": "No" if user.account_enabled else "Yes",
        "id": str(user.id),
    }
    for prop, attribute in (*OWN.items(), *STANDARD.items()):
        if prop not in values:
            value = getattr(user, attribute)
            values[prop] = (value[0] if value else "") if isinstance(value, list) else value
    return ["" if values[prop] is None else str(values[prop]) for prop in bulk_csv.USER_COLUMNS]


def export_users(
    db: Database, *, page: int = CHUNK, where: Sequence[ColumnElement[bool]] = ()
) -> Iterator[str]:
    """Every user (or those `where` keeps) as bulk create's CSV (with the id last), by
    userPrincipalName, a few lines at a time: the directory is never in memory at once."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    out.writerows(bulk_csv.header_lines())
    yield flush()
    after = ""
    while True:
        with db.reading() as session:
            users = list(
                session.scalars(
                    select(User)
                    .where(User.upn_key > after, *where)
                    .order_by(User.upn_key)
                    .limit(page)
                )
            )
            out.writerows(_cells(user) for user in users)
        if not users:
            return
        after = users[-1].upn_key
        yield flush()
