"""What a collection exposes to OData: its properties, their columns and what each supports.

Property names are matched case-insensitively, as Microsoft Graph does for `$filter`,
`$select` and `$orderby` (`DisplayName eq 'x'` works there); every name is returned in its
declared spelling.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from types import MappingProxyType
from typing import Any, Literal, TypeAlias
from uuid import UUID

from sqlalchemy import ColumnElement, SQLColumnExpression

FieldKind: TypeAlias = Literal["string", "bool", "guid", "datetime", "int"]

#: Not an operator: the property may be compared with the literal null (`eq null`,
#: `ne null`, `in (…, null)`). Listed in `filterable_ops` and `advanced_only_ops` like one.
NULL = "null"

#: What each kind of property may support at most (ordering comparisons: datetimes only).
OPS_BY_KIND: Mapping[FieldKind, frozenset[str]] = MappingProxyType(
    {
        "string": frozenset({"eq", "ne", "in", "startswith", "endswith", NULL}),
        "bool": frozenset({"eq", "ne", "in", NULL}),
        "guid": frozenset({"eq", "ne", "in", NULL}),
        "int": frozenset({"eq", "ne", "in", NULL}),
        "datetime": frozenset({"eq", "ne", "gt", "ge", "lt", "le", "in", NULL}),
    }
)


@dataclass(frozen=True)
class Field:
    """A property of a collection.

    `column` is what `$filter` and `$orderby` compare (a column or any boolean SQL
    expression, e.g. an EXISTS); None for a property that is only returned by `$select`.
    `filterable_ops` lists the operators Graph accepts on it (and `NULL`); those it accepts
    only in an advanced query (header `ConsistencyLevel: eventual` and `$count=true`,
    Graph's "advanced query capabilities" tables) are also in `advanced_only_ops`.
    String comparisons ignore case unless `ignore_case` is False, as Graph's do on
    directory objects. `orderable` allows it in `$orderby`. A property that orders (by
    `$orderby` or the default order) must be non-null: paging compares its values.
    `in_advanced` False marks a property Graph refuses to filter on once
    `ConsistencyLevel: eventual` is sent. `search_column` holds the property's search
    words (`store.search_words`): `$search` matches them word by word, and other
    searchable properties by their start, as Graph does.
    """

    name: str
    kind: FieldKind
    column: SQLColumnExpression[Any] | None = None
    filterable_ops: frozenset[str] = frozenset()
    selectable: bool = True
    orderable: bool = False
    ignore_case: bool = True
    advanced_only_ops: frozenset[str] = frozenset()
    in_advanced: bool = True
    search_column: SQLColumnExpression[Any] | None = None

    def __post_init__(self) -> None:
        extra = self.filterable_ops - OPS_BY_KIND[self.kind]
        if extra:
            raise ValueError(f"{self.name}: {sorted(extra)} not possible on a {self.kind}")
        if not self.advanced_only_ops <= self.filterable_ops:
            raise ValueError(f"{self.name}: advanced-only operators it does not support")
        if (self.filterable_ops or self.orderable) and self.column is None:
            raise ValueError(f"{self.name}: filtering or ordering needs a column")

    def needs_advanced_query(self, op: str) -> bool:
        """Graph answers this operator (or `NULL`) on this property only in advanced queries."""
        return op in self.advanced_only_ops

    @property
    def searchable(self) -> bool:
        """`$search` takes it: a string with search words or one `startswith` supports."""
        return self.search_column is not None or "startswith" in self.filterable_ops


@dataclass(frozen=True)
class Items:
    """A collection-valued property that `$filter` looks into with `any`.

    `fields` are the properties of its items (name, kind, column, operators), `any` makes
    the entity's condition from a condition on those columns. The items of a list of
    values (a string collection: `proxyAddresses/any(p:startswith(p,'smtp:'))`) have one
    field, named "": the item itself.
    """

    name: str
    fields: Mapping[str, Field]
    any: Callable[[ColumnElement[bool]], ColumnElement[bool]]

    def field(self, name: str) -> Field | None:
        """The item property of that name, whatever its case."""
        return next((f for f in self.fields.values() if f.name.lower() == name.lower()), None)


@dataclass(frozen=True)
class EntitySpec:
    """A collection: its fields by name, its default `$orderby` and its unique key.

    `default_order` holds (field name, descending) pairs, used without `$orderby`. `key`
    names a field with a unique, non-null column: the last sort key, so paging is stable.
    `any_license(sku_id)` is the condition of `assignedLicenses/any(x:x/skuId eq sku_id)`,
    None where the collection has no licenses; `license_count(op, n)` that of
    `assignedLicenses/$count op n`. `items` are the other collection-valued properties
    `any` may look into, by name. `advanced_queries` marks Graph's directory objects,
    whose counting, `$search` and some operators need `ConsistencyLevel: eventual`
    (`odata.advanced`); `resource` is the type Graph names in its messages ('User').
    """

    name: str
    fields: Mapping[str, Field]
    default_order: tuple[tuple[str, bool], ...]
    any_license: Callable[[UUID], ColumnElement[bool]] | None = None
    key: str = "id"
    items: Mapping[str, Items] = dc_field(default_factory=dict)
    license_count: Callable[[str, int], ColumnElement[bool]] | None = None
    advanced_queries: bool = False
    resource: str = ""
    _by_lower: Mapping[str, Field] = dc_field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_lower: dict[str, Field] = {}
        for name, item in self.fields.items():
            if name != item.name:
                raise ValueError(f"{self.name}: field {item.name!r} listed as {name!r}")
            if name.lower() in by_lower:
                raise ValueError(f"{self.name}: two fields named {name!r} whatever the case")
            by_lower[name.lower()] = item
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))
        object.__setattr__(self, "_by_lower", MappingProxyType(by_lower))
        key = self.fields.get(self.key)
        if key is None or key.column is None:
            raise ValueError(f"{self.name}: key {self.key!r} needs a field with a column")
        for name, _descending in self.default_order:
            if name not in self.fields or self.fields[name].column is None:
                raise ValueError(f"{self.name}: default order on {name!r}, which has no column")

    def field(self, name: str) -> Field | None:
        """The field of that name, whatever its case; None if there is none."""
        return self._by_lower.get(name.lower())

    def items_named(self, name: str) -> Items | None:
        """The collection-valued property of that name, whatever its case."""
        return next((i for i in self.items.values() if i.name.lower() == name.lower()), None)

    @property
    def key_field(self) -> Field:
        return self.fields[self.key]


def fields(*items: Field) -> dict[str, Field]:
    """A field mapping from fields, in order."""
    return {item.name: item for item in items}
