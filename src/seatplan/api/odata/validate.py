"""Checking a parsed `$filter` against an entity: names resolved, literals typed."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

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
from seatplan.api.odata.entity import NULL, EntitySpec, Field, FieldKind, Items
from seatplan.api.odata.errors import UnsupportedQuery
from seatplan.api.odata.lexer import parse_guid
from seatplan.api.odata.search import MAX_WORDS, words_of

_TYPES: dict[FieldKind, type] = {
    "string": str,
    "bool": bool,
    "int": int,
    "datetime": datetime,
    "guid": UUID,
}
_KIND_NAMES = {
    "string": "a string",
    "bool": "a Boolean",
    "guid": "a GUID",
    "datetime": "a datetime",
    "int": "an integer",
}


def normalize(node: Node, spec: EntitySpec) -> Node:
    """The same tree with canonical field names and typed literals, or `UnsupportedQuery`."""
    if isinstance(node, And | Or):
        return type(node)(tuple(normalize(operand, spec) for operand in node.operands))
    if isinstance(node, Not):
        return Not(normalize(node.operand, spec))
    if isinstance(node, AnyLicense):
        if spec.any_license is None:
            raise UnsupportedQuery(f"assignedLicenses/any is not supported on {spec.name}")
        return node
    if isinstance(node, AnyOf):
        return _any_of(node, spec)
    if isinstance(node, CollectionCount):
        return _collection_count(node, spec)
    if isinstance(node, Searched | SearchWords):
        return _searched(node, spec)
    if isinstance(node, StartsWith):
        field = _filterable(spec, node.field, "startswith")
        return StartsWith(field.name, node.prefix)
    if isinstance(node, EndsWith):
        field = _filterable(spec, node.field, "endswith")
        return EndsWith(field.name, node.suffix)
    if isinstance(node, In):
        field = _filterable(spec, node.field, "in")
        return In(field.name, tuple(_coerce(field, "in", value) for value in node.values))
    field = _filterable(spec, node.field, node.op)
    return Comparison(field.name, node.op, _coerce(field, node.op, node.value))


def _any_of(node: AnyOf, spec: EntitySpec) -> AnyOf:
    items = spec.items_named(node.items)
    if items is None:
        raise UnsupportedQuery(f"Property '{node.items}' of {spec.name} has no any() filter")
    condition = node.condition
    owner = f"{spec.name} {items.name}"
    if not condition.field and items.field("") is None:
        raise UnsupportedQuery(
            f"Compare a property of the items of {items.name}: "
            f"{items.name}/any(x:x/property eq 'value')"
        )
    if isinstance(condition, StartsWith):
        field = _allowed(items.field(condition.field), condition.field, "startswith", owner)
        return AnyOf(items.name, StartsWith(field.name, condition.prefix))
    field = _allowed(items.field(condition.field), condition.field, condition.op, owner)
    typed = Comparison(field.name, condition.op, _coerce(field, condition.op, condition.value))
    return AnyOf(items.name, typed)


def item_spec(spec: EntitySpec, node: AnyOf) -> Items:
    """The items an already normalized `AnyOf` looks into."""
    items = spec.items_named(node.items)
    assert items is not None  # normalize checked it
    return items


def _collection_count(node: CollectionCount, spec: EntitySpec) -> Node:
    field = spec.field(node.field)
    if field is None:
        raise UnsupportedQuery(f"Unknown property '{node.field}' of {spec.name} in $filter")
    if field.name != "assignedLicenses" or spec.license_count is None:
        raise UnsupportedQuery(f"'{field.name}/$count' is not supported on {spec.name}")
    if node.value not in (0, 1) or isinstance(node.value, bool):
        raise UnsupportedQuery(
            f"'{field.name}/$count' can only be compared with 0 or 1, found {node.value}"
        )
    return CollectionCount(field.name, node.op, node.value)


def _searched(node: Searched | SearchWords, spec: EntitySpec) -> Node:
    """A `$search` clause: words on a property with search words, else `startswith`."""
    field = spec.field(node.field)
    if field is None or field.kind != "string" or not field.searchable:
        raise UnsupportedQuery(
            f"Property '{node.field}' of {spec.name} is not supported in $search"
        )
    if isinstance(node, SearchWords):
        return SearchWords(field.name, node.words)
    if field.search_column is None:
        return StartsWith(field.name, node.text)
    words = tuple(words_of(node.text, joined=False))
    if not words:
        raise UnsupportedQuery(f"The $search clause on '{field.name}' has no word to find")
    if len(words) > MAX_WORDS:
        raise UnsupportedQuery(f"A $search clause has more than {MAX_WORDS} words")
    return SearchWords(field.name, words)


def _filterable(spec: EntitySpec, name: str, op: str) -> Field:
    return _allowed(spec.field(name), name, op, spec.name)


def _allowed(field: Field | None, name: str, op: str, owner: str) -> Field:
    if field is None:
        raise UnsupportedQuery(f"Unknown property '{name}' of {owner} in $filter")
    if op not in field.filterable_ops:
        # A list of values' one field ('') is the item itself.
        subject = f"property '{field.name}' of" if field.name else "the items of"
        if not field.filterable_ops:
            raise UnsupportedQuery(f"Property '{field.name}' of {owner} cannot be filtered")
        allowed = ", ".join(sorted(field.filterable_ops - {NULL}))
        raise UnsupportedQuery(
            f"Operator '{op}' is not supported on {subject} {owner} (supported: {allowed})"
        )
    return field


def _coerce(field: Field, op: str, value: Value) -> Value:
    if value is None:
        if op not in ("eq", "ne", "in"):
            raise UnsupportedQuery(f"null cannot be compared with '{op}' on '{field.name}'")
        if NULL not in field.filterable_ops:
            subject = f"Property '{field.name}'" if field.name else "An item of a collection"
            raise UnsupportedQuery(f"{subject} cannot be compared with null")
        return None
    python_type = _TYPES[field.kind]
    if isinstance(value, python_type) and not (field.kind == "int" and isinstance(value, bool)):
        return value
    # Graph takes ids quoted too: id eq '…'.
    coerced = parse_guid(value) if field.kind == "guid" and isinstance(value, str) else None
    if coerced is None:
        raise UnsupportedQuery(
            f"Type mismatch in $filter: '{field.name}' is {_KIND_NAMES[field.kind]} and cannot "
            f"be compared with {literal_text(value)}"
        )
    return coerced


def literal_text(value: Value) -> str:
    """A literal as OData writes it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return str(value)
