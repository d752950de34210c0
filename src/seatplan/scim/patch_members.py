"""A group's members added and removed in batches (as Entra sends them) without reading
the group: at 100,000 members, the general way (`patch.apply_patch` on the whole group,
then a replace of its members) reads every one of them twice.

`member_changes` recognises a PatchOp whose every operation adds or removes named members:
`add members [...]`, `remove members [...]` (Entra's older form) and
`remove members[value eq "id"]`. Anything else, or a member that is not an id, goes the
general way, which gives the error.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from starlette.requests import Request

from seatplan.scim.keys import Json, get_ci
from seatplan.scim.patch_schema import GROUP, PATCH_OP

_SUBS = frozenset(GROUP.attributes[GROUP.core]["members"].subs)
_ONE_MEMBER = re.compile(r'\s*members\s*\[\s*value\s+eq\s+"([^"\\]*)"\s*\]\s*', re.IGNORECASE)


def member_changes(body: Any) -> dict[UUID, bool] | None:
    """Each named member's wanted state (True: a member), the last operation naming it
    winning as when the operations are applied in order; None: not only member batches."""
    if not isinstance(body, dict):
        return None
    schemas = get_ci(body, "schemas")
    operations = get_ci(body, "Operations")
    if not isinstance(schemas, list) or PATCH_OP not in schemas:
        return None
    if not isinstance(operations, list) or not operations:
        return None
    wanted: dict[UUID, bool] = {}
    for operation in operations:
        change = _change(operation) if isinstance(operation, dict) else None
        if change is None:
            return None
        joining, ids = change
        for member_id in ids:
            wanted[member_id] = joining
    return wanted


def answer_needed(request: Request) -> bool:
    """Whether the client asked for what only the whole group gives: an `If-Match` check
    against its version (which covers every member) or the resource in the answer."""
    params = request.query_params
    return (
        request.headers.get("if-match") is not None
        or "attributes" in params
        or "excludedAttributes" in params
    )


def _change(operation: Json) -> tuple[bool, list[UUID]] | None:
    op, path, value = (get_ci(operation, key) for key in ("op", "path", "value"))
    if not isinstance(op, str) or not isinstance(path, str):
        return None
    op = op.lower()
    if path.strip().lower() == "members" and op in ("add", "remove") and value is not None:
        ids = [_member_id(item) for item in (value if isinstance(value, list) else [value])]
        known = [member_id for member_id in ids if member_id is not None]
        return (op == "add", known) if len(known) == len(ids) else None
    one = _ONE_MEMBER.fullmatch(path)
    if op == "remove" and value is None and one is not None:
        member_id = _uuid(one[1])
        return (False, [member_id]) if member_id is not None else None
    return None


def _member_id(item: Any) -> UUID | None:
    if not isinstance(item, dict) or not all(key.lower() in _SUBS for key in item):
        return None
    value = get_ci(item, "value")
    return _uuid(value) if isinstance(value, str) else None


def _uuid(text: str) -> UUID | None:
    try:
        return UUID(text)
    except ValueError:
        return None
