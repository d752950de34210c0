"""The `$filter` tree: small immutable values, easy to compare in tests.

The parser builds it with field names as written; `query.parse_query` returns it with the
entity's canonical field names and every literal coerced to the field's Python type.
`And` and `Or` are n-ary (flattened), so a long chain never builds a deep tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeAlias
from uuid import UUID

#: A literal: 'string', true/false, null, a bare GUID, an integer or an ISO 8601 datetime.
Value: TypeAlias = str | bool | int | UUID | datetime | None

CompareOp: TypeAlias = Literal["eq", "ne", "gt", "ge", "lt", "le"]
COMPARE_OPS: frozenset[str] = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})


@dataclass(frozen=True, slots=True)
class Comparison:
    """`field op value`."""

    field: str
    op: CompareOp
    value: Value


@dataclass(frozen=True, slots=True)
class StartsWith:
    """`startswith(field, 'prefix')`."""

    field: str
    prefix: str


@dataclass(frozen=True, slots=True)
class EndsWith:
    """`endswith(field, 'suffix')`."""

    field: str
    suffix: str


@dataclass(frozen=True, slots=True)
class In:
    """`field in (v1, v2, …)`: never empty."""

    field: str
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class AnyLicense:
    """`assignedLicenses/any(x:x/skuId eq {guid})`."""

    sku_id: UUID


@dataclass(frozen=True, slots=True)
class AnyOf:
    """`items/any(x: x/prop op value)` or `items/any(x: startswith(x/prop, 'prefix'))`.

    `condition` names the item's property (`prop`), not the entity's.
    """

    items: str
    condition: Comparison | StartsWith


@dataclass(frozen=True, slots=True)
class CollectionCount:
    """`field/$count op value`: how many items a collection property holds."""

    field: str
    op: CompareOp
    value: Value


@dataclass(frozen=True, slots=True)
class Searched:
    """A `$search` clause `"field:text"`, as written."""

    field: str
    text: str


@dataclass(frozen=True, slots=True)
class SearchWords:
    """A checked `$search` clause on a property searched word by word: every word of
    `words` starts some word of the property (`odata.search`)."""

    field: str
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Not:
    """`not operand`."""

    operand: Node


@dataclass(frozen=True, slots=True)
class And:
    """All operands hold (two or more)."""

    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """At least one operand holds (two or more)."""

    operands: tuple[Node, ...]


Node: TypeAlias = (
    Comparison
    | StartsWith
    | EndsWith
    | In
    | AnyLicense
    | AnyOf
    | CollectionCount
    | Searched
    | SearchWords
    | Not
    | And
    | Or
)
