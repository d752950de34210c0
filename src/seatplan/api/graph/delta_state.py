"""The state a delta query's `$skiptoken` and `$deltatoken` carry, signed.

A round is either the initial listing (objects in id order, then a deltaLink made of the
cursor taken when it began) or the changes between two change-log cursors (in seq order,
then a deltaLink of the later cursor). A token holds where the round stands, the options
of the first request (`$select`, the `$filter` by id, `members`), and when its lower
cursor was taken: past `changes.RETENTION` the token has expired (410, as Graph).

Tokens are signed (`services.signing`, a salt of their own), not encrypted: they show
ids and cursors, nothing their holder could not read anyway.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any, Literal
from uuid import UUID

from itsdangerous import BadData

from seatplan.api.odata import UnsupportedQuery
from seatplan.services import changes, signing
from seatplan.services.changes import Cursor

VERSION = 1
MAX_TOKEN_LENGTH = 8192

Phase = Literal["initial", "changes", "next"]


class Expired(Exception):
    """The token's cursor is older than the change log keeps (Graph: syncStateNotFound)."""


@dataclass(frozen=True, slots=True)
class DeltaState:
    """Where a round of one collection's delta query stands.

    - "initial": listing objects after `after` (an id); `until` (taken when the listing
      began) becomes the deltaLink. `member_after` resumes a group's members@delta.
    - "changes": the changes after `since` up to `until`, after seq `after`.
    - "next": a deltaLink; the next round reads the changes after `until`.
    """

    resource: str
    phase: Phase
    until: Cursor
    until_at: float
    select: tuple[str, ...] | None = None
    members: bool = False
    ids: tuple[UUID, ...] | None = None
    since: Cursor | None = None
    since_at: float | None = None
    after: str | None = None
    member_after: tuple[UUID, UUID] | None = None

    def lower_bound_at(self) -> float:
        """When the cursor the next read starts from was taken."""
        return self.since_at if self.phase == "changes" and self.since_at else self.until_at

    def check_fresh(self, now: float | None = None) -> None:
        age = (time.time() if now is None else now) - self.lower_bound_at()
        if age > changes.RETENTION.total_seconds():
            raise Expired

    def next_round(self) -> DeltaState:
        """The deltaLink that ends this round."""
        return replace(self, phase="next", since=None, since_at=None, after=None, member_after=None)


def encode(state: DeltaState, secret: bytes) -> str:
    data: dict[str, Any] = {
        "v": VERSION,
        "r": state.resource,
        "p": state.phase,
        "u": [str(state.until), state.until_at],
        "s": list(state.select) if state.select is not None else None,
        "m": state.members,
        "f": [str(i) for i in state.ids] if state.ids is not None else None,
    }
    if state.since is not None:
        data["c"] = [str(state.since), state.since_at]
    if state.after is not None:
        data["a"] = state.after
    if state.member_after is not None:
        data["g"] = [str(i) for i in state.member_after]
    return signing.serializer(secret, signing.DELTA).dumps(data)


def decode(token: str, secret: bytes, *, resource: str, option: str) -> DeltaState:
    """The state of a token this service signed for `resource`, else `UnsupportedQuery`."""
    invalid = f"Invalid {option}: "
    if len(token) > MAX_TOKEN_LENGTH:
        raise UnsupportedQuery(invalid + "it is too long")
    try:
        data = signing.serializer(secret, signing.DELTA).loads(token)
    except BadData:
        raise UnsupportedQuery(invalid + "it was altered or not issued by this service") from None
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise UnsupportedQuery(invalid + "it is malformed")
    if data.get("r") != resource:
        raise UnsupportedQuery(invalid + f"it was issued for /{data.get('r')}/delta")
    try:
        return _state(data)
    except (KeyError, TypeError, ValueError):
        raise UnsupportedQuery(invalid + "it is malformed") from None


def _cursor(pair: Any) -> tuple[Cursor, float]:
    text, taken = pair
    return Cursor.parse(str(text)), float(taken)


def _state(data: dict[str, Any]) -> DeltaState:
    phase = data["p"]
    if phase not in ("initial", "changes", "next"):
        raise ValueError(phase)
    until, until_at = _cursor(data["u"])
    since, since_at = _cursor(data["c"]) if "c" in data else (None, None)
    if phase == "changes" and since is None:
        raise ValueError("a page of changes needs its lower cursor")
    select = data["s"]
    ids = data["f"]
    member_after = data.get("g")
    return DeltaState(
        resource=str(data["r"]),
        phase=phase,
        until=until,
        until_at=until_at,
        select=tuple(str(name) for name in select) if select is not None else None,
        members=bool(data["m"]),
        ids=tuple(UUID(i) for i in ids) if ids is not None else None,
        since=since,
        since_at=since_at,
        after=str(data["a"]) if "a" in data else None,
        member_after=(UUID(member_after[0]), UUID(member_after[1])) if member_after else None,
    )
