"""A normalized `$filter` tree as a SQLAlchemy condition.

Semantics follow OData: `eq null` is IS NULL; `ne` holds when exactly one side is null
(IS DISTINCT FROM), so `department ne 'Sales'` includes users without a department.
Strings compare case-insensitively (lower() on both sides, in SQL, so both sides fold
alike on every database) unless the field says otherwise. `startswith` compares the
leading characters, so '%' and '_' in the prefix are plain characters; `endswith` is a
LIKE with them escaped. `not` holds where its operand does not hold, a null included
(`not(department eq 'Sales')` includes users without a department, as `ne` does).
A `$search` word is a LIKE on the property's search words (`store.search_words`): it
reads every row the rest of the query leaves, since no B-tree index serves LIKE '% word%'.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    and_,
    false,
    func,
    literal,
    not_,
    or_,
)

from seatplan.api.odata.ast import (
    And,
    AnyLicense,
    AnyOf,
    CollectionCount,
    Comparison,
    EndsWith,
    In,
    Node,
    Not,
    Or,
    Searched,
    SearchWords,
    StartsWith,
    Value,
)
from seatplan.api.odata.entity import EntitySpec, Field
from seatplan.api.odata.errors import UnsupportedQuery
from seatplan.api.odata.validate import item_spec


def compile_where(node: Node, spec: EntitySpec) -> ColumnElement[bool]:
    """The condition of a tree already checked by `validate.normalize`."""
    if isinstance(node, And):
        return and_(*(compile_where(operand, spec) for operand in node.operands))
    if isinstance(node, Or):
        return or_(*(compile_where(operand, spec) for operand in node.operands))
    if isinstance(node, Not):
        # Two-valued: a condition that is unknown (a null compared) counts as false.
        return not_(func.coalesce(compile_where(node.operand, spec), false()))
    if isinstance(node, AnyLicense):
        if spec.any_license is None:  # normalize refuses it first
            raise UnsupportedQuery(f"assignedLicenses/any is not supported on {spec.name}")
        return spec.any_license(node.sku_id)
    if isinstance(node, AnyOf):
        items = item_spec(spec, node)
        condition = node.condition
        return items.any(_leaf(condition, items.fields[condition.field]))
    if isinstance(node, CollectionCount):
        if spec.license_count is None or not isinstance(node.value, int):
            raise UnsupportedQuery(f"'{node.field}/$count' is not supported on {spec.name}")
        return spec.license_count(node.op, node.value)
    if isinstance(node, Searched):  # normalize turns it into SearchWords or StartsWith
        raise UnsupportedQuery("A $search clause must be checked first")
    if isinstance(node, SearchWords):
        column = spec.fields[node.field].search_column
        assert column is not None  # normalize checks it
        return and_(*(column.like(f"% {_escaped(word)}%", escape="\\") for word in node.words))
    return _leaf(node, spec.fields[node.field])


def _leaf(node: Comparison | StartsWith | EndsWith | In, field: Field) -> ColumnElement[bool]:
    column = _folded(field)
    if isinstance(node, StartsWith):
        prefix = _value(field, node.prefix)
        return _condition(func.substr(column, 1, len(node.prefix)) == prefix)
    if isinstance(node, EndsWith):
        pattern = literal("%") + _value(field, _escaped(node.suffix))
        return _condition(column.like(pattern, escape="\\"))
    if isinstance(node, In):
        present = [_value(field, value) for value in node.values if value is not None]
        conditions: list[ColumnElement[bool]] = []
        if present:
            conditions.append(column.in_(present))
        if None in node.values:
            conditions.append(column.is_(None))
        return or_(*conditions) if conditions else false()
    return _compare(column, node, field)


def _compare(
    column: SQLColumnExpression[Any], node: Comparison, field: Field
) -> ColumnElement[bool]:
    if node.value is None:
        return column.is_(None) if node.op == "eq" else column.is_not(None)
    value = _value(field, node.value)
    match node.op:
        case "eq":
            return _condition(column == value)
        case "ne":
            return _condition(column.is_distinct_from(value))
        case "gt":
            return _condition(column > value)
        case "ge":
            return _condition(column >= value)
        case "lt":
            return _condition(column < value)
        case "le":
            return _condition(column <= value)


def _escaped(text: str) -> str:
    """`text` matched literally by LIKE ... ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _folded(field: Field) -> SQLColumnExpression[Any]:
    assert field.column is not None  # a filterable field has a column
    if field.kind == "string" and field.ignore_case:
        return func.lower(field.column)
    return field.column


def _value(field: Field, value: Value) -> Any:
    if field.kind == "string" and field.ignore_case:
        return func.lower(literal(value))
    return value


def _condition(expression: Any) -> ColumnElement[bool]:
    return cast(ColumnElement[bool], expression)
