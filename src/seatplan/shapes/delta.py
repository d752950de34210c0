"""What delta queries add to Graph's users and groups: `@removed`, `members@delta`."""

from __future__ import annotations

from uuid import UUID

from pydantic import with_config
from typing_extensions import NotRequired, TypedDict  # noqa: UP035 - pydantic needs these on 3.11

from seatplan.shapes.values import EXACT, Guid

#: Seatplan deletes for good (there are no deleted items to restore): Graph's "deleted".
DELETED = "deleted"


@with_config(EXACT)
class Removed(TypedDict):
    """Why an object left the collection: "deleted" (Graph also has "changed")."""

    reason: str


#: A member added to a group, or removed from it (with `@removed`).
MemberDelta = with_config(EXACT)(
    TypedDict(  # type: ignore[operator]
        "MemberDelta",
        {"@odata.type": str, "id": Guid, "@removed": NotRequired[Removed]},
    )
)


def removed(object_id: UUID) -> dict[str, object]:
    """A deleted user or group, as a delta query answers it."""
    return {"id": str(object_id), "@removed": {"reason": DELETED}}


def member(user_id: UUID, *, added: bool) -> dict[str, object]:
    """A member of `members@delta` (members are users: groups do not nest in Seatplan)."""
    item: dict[str, object] = {"@odata.type": "#microsoft.graph.user", "id": str(user_id)}
    if not added:
        item["@removed"] = {"reason": DELETED}
    return item
