"""SCIM filters as SQL: each comparison over an attribute Seatplan keeps in a column.

A filter with any other attribute (`emails[type eq "work"]`, `name.formatted`…) returns
None here and is evaluated over the resources instead (`filters.matches`); those that
identity providers send before each write (`userName eq`, `externalId eq`,
`displayName eq`, a group's `members[value eq]`) are always SQL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, and_, exists, false, func, not_, or_

from seatplan.scim import schemas
from seatplan.scim.filters import And, Compare, Filter, Not, Or, Present, ValuePath
from seatplan.store.tables import Group, GroupNesting, Membership, User


@dataclass(frozen=True, slots=True)
class Column:
    column: Any
    #: "text" (compared in any case), "lower" (a lower-cased copy: its index serves any
    #: case), "exact", "bool", "uuid"
    kind: str


def _ext(name: str) -> str:
    return f"{schemas.ENTERPRISE.lower()}:{name}"


USER_COLUMNS: Mapping[str, Column] = {
    "id": Column(User.id, "uuid"),
    "externalid": Column(User.external_id, "exact"),
    # upn_key: userPrincipalName lower-cased, unique, indexed (the lookup before each create).
    "username": Column(User.upn_key, "lower"),
    "displayname": Column(User.display_name, "text"),
    "name.givenname": Column(User.given_name, "text"),
    "name.familyname": Column(User.surname, "text"),
    "title": Column(User.job_title, "text"),
    "usertype": Column(User.user_type, "text"),
    "preferredlanguage": Column(User.preferred_language, "text"),
    "active": Column(User.account_enabled, "bool"),
    _ext("department"): Column(User.department, "text"),
    _ext("employeenumber"): Column(User.employee_id, "text"),
    _ext("organization"): Column(User.company_name, "text"),
    _ext("costcenter"): Column(User.cost_center, "text"),
    _ext("division"): Column(User.division, "text"),
}
GROUP_COLUMNS: Mapping[str, Column] = {
    "id": Column(Group.id, "uuid"),
    "externalid": Column(Group.external_id, "exact"),
    "displayname": Column(Group.display_name, "text"),
}


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


def _compare(spec: Column, op: str, value: Any) -> ColumnElement[bool] | None:
    column = spec.column
    if op == "ne":
        equal = _compare(spec, "eq", value)
        return None if equal is None else or_(column.is_(None), not_(equal))
    if value is None:
        return column.is_(None) if op == "eq" else None
    if spec.kind == "bool":
        return (column.is_(value)) if op == "eq" and isinstance(value, bool) else None
    if spec.kind == "uuid":
        if op != "eq":
            return None
        wanted = _uuid(value)
        return false() if wanted is None else column == wanted
    if not isinstance(value, str):
        return false() if op == "eq" else None
    if spec.kind == "text":
        column, value = func.lower(column), value.lower()
    elif spec.kind == "lower":
        value = value.lower()
    if op == "eq":
        return column == value  # type: ignore[no-any-return]
    if op == "co":
        return column.contains(value, autoescape=True)  # type: ignore[no-any-return]
    if op == "sw":
        return column.startswith(value, autoescape=True)  # type: ignore[no-any-return]
    if op == "ew":
        return column.endswith(value, autoescape=True)  # type: ignore[no-any-return]
    return {  # type: ignore[no-any-return]
        "gt": column > value,
        "ge": column >= value,
        "lt": column < value,
        "le": column <= value,
    }[op]


def _group_member(op: str, value: Any) -> ColumnElement[bool] | None:
    """`members[value eq "id"]`, `members.value eq "id"`: the group has that member."""
    if op != "eq":
        return None
    wanted = _uuid(value)
    if wanted is None:
        return false()
    return or_(
        exists().where(Membership.group_id == Group.id, Membership.user_id == wanted),
        exists().where(GroupNesting.parent_id == Group.id, GroupNesting.child_id == wanted),
    )


def condition(node: Filter, columns: Mapping[str, Column]) -> ColumnElement[bool] | None:
    """The filter as a condition over the table of `columns`, or None if it cannot be."""
    if isinstance(node, And | Or):
        left, right = condition(node.left, columns), condition(node.right, columns)
        if left is None or right is None:
            return None
        return and_(left, right) if isinstance(node, And) else or_(left, right)
    if isinstance(node, Not):
        inner = condition(node.inner, columns)
        return None if inner is None else not_(inner)
    is_group = columns is GROUP_COLUMNS
    if isinstance(node, ValuePath):
        inner_node = node.inner
        if (
            is_group
            and node.path == "members"
            and isinstance(inner_node, Compare)
            and inner_node.path == "value"
        ):
            return _group_member(inner_node.op, inner_node.value)
        return None
    if is_group and isinstance(node, Compare) and node.path == "members.value":
        return _group_member(node.op, node.value)
    spec = columns.get(node.path)
    if spec is None:
        return None
    if isinstance(node, Present):
        if spec.kind in ("bool", "uuid"):
            return spec.column.is_not(None)  # type: ignore[no-any-return]
        return and_(spec.column.is_not(None), spec.column != "")
    return _compare(spec, node.op, node.value)
