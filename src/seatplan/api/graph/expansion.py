"""`$expand` of a group's `members` and a user's `memberOf`, for a page or one object.

Graph returns at most 20 expanded objects per item, in no promised order, with no link to
the rest; Seatplan gives the first 20 by displayName (then id), each with its
`@odata.type` as in a directoryObject collection.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from seatplan.api import odata
from seatplan.api.graph.common import GROUP_TYPE, USER_TYPE, Json, group_items, user_items
from seatplan.api.odata.expand import MAX_EXPANDED, Expand, take_expand
from seatplan.services import directory
from seatplan.store.tables import Group, User


def split(
    params: odata.Params, spec: odata.EntitySpec
) -> tuple[Expand | None, list[tuple[str, str]]]:
    """The request's checked `$expand` and its other parameters."""
    return take_expand(params, spec, odata.COLLECTIONS)


def add(session: Session, expand: Expand, rows: Sequence[Any], items: list[Json]) -> None:
    """Give each item (the JSON of the row at the same place) its expanded relationship."""
    name = expand.navigation.name
    for row, item in zip(rows, items, strict=True):
        if isinstance(row, Group):
            members = _first(session, directory.members_of(session, row.id), odata.USERS)
            found = user_items(session, members, expand.select)
            item[name] = [{"@odata.type": USER_TYPE, **user} for user in found]
        else:
            assert isinstance(row, User)
            groups = _first(session, directory.groups_of(row.id), odata.GROUPS)
            found = group_items(session, groups, expand.select)
            item[name] = [{"@odata.type": GROUP_TYPE, **group} for group in found]


def _first(session: Session, statement: Select[Any], spec: odata.EntitySpec) -> list[Any]:
    ordered = odata.apply(statement, odata.ODataQuery(), spec)
    return directory.fetch(session, ordered.limit(MAX_EXPANDED))


def context_part(expand: Expand | None) -> str | None:
    """The expanded relationship as `@odata.context` names it: `members()` or
    `members(id,displayName)`."""
    if expand is None:
        return None
    return f"{expand.navigation.name}({','.join(expand.select or ())})"
