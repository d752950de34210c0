"""The query options of a collection request, checked against an entity, and their SQL.

Query option names are matched case-insensitively (`$Top` is `$top`), as OData 4.01
allows and Graph does; parameters without a `$` are left to the caller. On directory
objects, Graph's advanced query rules apply (`odata.advanced`): the caller says whether
the request carries `ConsistencyLevel: eventual`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias, TypeVar

from sqlalchemy import ColumnElement, Select, SQLColumnExpression

from seatplan.api.odata import advanced
from seatplan.api.odata.ast import And, Node
from seatplan.api.odata.compile import compile_where
from seatplan.api.odata.entity import EntitySpec, Field
from seatplan.api.odata.errors import UnsupportedQuery
from seatplan.api.odata.parser import parse_filter
from seatplan.api.odata.search import parse_search
from seatplan.api.odata.validate import normalize

Params: TypeAlias = Mapping[str, str] | Iterable[tuple[str, str]]
_S = TypeVar("_S", bound=Select[Any])

DEFAULT_TOP = 100
MAX_TOP = 999
SUPPORTED_OPTIONS = frozenset(
    {"$select", "$filter", "$top", "$count", "$orderby", "$skiptoken", "$search"}
)
#: What a `/$count` segment takes.
COUNT_OPTIONS = frozenset({"$filter", "$search"})
#: OData options outside the subset: named as unsupported rather than unknown.
UNSUPPORTED_OPTIONS = frozenset(
    {
        "$expand",
        "$skip",
        "$format",
        "$apply",
        "$compute",
        "$levels",
        "$index",
        "$schemaversion",
        "$deltatoken",
        "$id",
    }
)


@dataclass(frozen=True)
class ODataQuery:
    """Checked query options; `filter` holds canonical names and typed literals.

    `orderby` holds (field name, descending) pairs as asked, empty for the entity's
    default order; `select` is None when every property is wanted. `search` is the
    checked `$search` tree (ANDed with `filter`). `count` tells whether to count: False
    where Graph ignores `$count=true` (directory objects without `ConsistencyLevel`).
    """

    select: tuple[str, ...] | None = None
    filter: Node | None = None
    search: Node | None = None
    top: int = DEFAULT_TOP
    count: bool = False
    orderby: tuple[tuple[str, bool], ...] = ()
    skiptoken: str | None = None


def param_pairs(params: Params) -> list[tuple[str, str]]:
    """Every (name, value) pair, repeated names included.

    A multi-dict with `multi_items()` (Starlette's QueryParams) gives all its pairs.
    """
    multi_items = getattr(params, "multi_items", None)
    if callable(multi_items):
        return [(str(name), str(value)) for name, value in multi_items()]
    if isinstance(params, Mapping):
        return [(str(name), str(value)) for name, value in params.items()]
    return [(str(name), str(value)) for name, value in params]


def parse_query(params: Params, spec: EntitySpec, *, eventual: bool = False) -> ODataQuery:
    """Check every `$` option against the entity, or raise `UnsupportedQuery`.

    `eventual`: the request carries `ConsistencyLevel: eventual` (`advanced.eventual`).
    """
    options = _options(params, SUPPORTED_OPTIONS)
    if "$search" in options and not spec.advanced_queries:
        raise UnsupportedQuery("Query option '$search' is not supported")
    skiptoken = options.get("$skiptoken")
    if skiptoken is not None and not skiptoken:
        raise UnsupportedQuery("$skiptoken is empty")
    count = _count(options["$count"]) if "$count" in options else False
    orderby = _orderby(options["$orderby"], spec) if "$orderby" in options else ()
    where, search = _conditions(options, spec)
    advanced.check(
        spec,
        filter=where,
        search=search,
        ordered=bool(orderby),
        is_eventual=eventual,
        counted=count,
    )
    return ODataQuery(
        select=_select(options["$select"], spec) if "$select" in options else None,
        filter=where,
        search=search,
        top=_top(options["$top"]) if "$top" in options else DEFAULT_TOP,
        count=count and (eventual or not spec.advanced_queries),
        orderby=orderby,
        skiptoken=skiptoken,
    )


def parse_count_query(params: Params, spec: EntitySpec, *, eventual: bool = False) -> ODataQuery:
    """The options of a `/$count` segment: `$filter` and `$search`, nothing else.

    On directory objects the segment needs `ConsistencyLevel: eventual` (Graph's
    `Request_BadRequest`), and counts as `$count=true` for the advanced query rules.
    """
    if spec.advanced_queries:
        advanced.require_header_for_count(eventual)
    options = _options(params, COUNT_OPTIONS)
    if "$search" in options and not spec.advanced_queries:
        raise UnsupportedQuery("Query option '$search' is not supported")
    where, search = _conditions(options, spec)
    advanced.check(
        spec, filter=where, search=search, ordered=False, is_eventual=eventual, counted=True
    )
    return ODataQuery(filter=where, search=search, count=True)


def _options(params: Params, supported: frozenset[str]) -> dict[str, str]:
    """The `$` options by lower-case name, each given once and supported here."""
    options: dict[str, str] = {}
    for name, value in param_pairs(params):
        if not name.startswith("$"):
            continue
        key = name.lower()
        if key in UNSUPPORTED_OPTIONS:
            raise UnsupportedQuery(f"Query option '{name}' is not supported")
        if key not in SUPPORTED_OPTIONS:
            raise UnsupportedQuery(f"Unknown query option '{name}'")
        if key not in supported:
            raise UnsupportedQuery(f"Query option '{name}' is not supported with /$count")
        if key in options:
            raise UnsupportedQuery(f"Query option '{name}' is given more than once")
        options[key] = value
    return options


def _conditions(options: Mapping[str, str], spec: EntitySpec) -> tuple[Node | None, Node | None]:
    """The normalized `$filter` and `$search` trees."""
    raw_filter, raw_search = options.get("$filter"), options.get("$search")
    return (
        None if raw_filter is None else normalize(parse_filter(raw_filter), spec),
        None if raw_search is None else normalize(parse_search(raw_search), spec),
    )


def _select(text: str, spec: EntitySpec) -> tuple[str, ...]:
    chosen: list[str] = []
    for part in text.split(","):
        name = part.strip()
        if not name:
            raise UnsupportedQuery(f"Empty property name in $select '{text}'")
        field = spec.field(name)
        if field is None:
            raise UnsupportedQuery(f"Unknown property '{name}' of {spec.name} in $select")
        if not field.selectable:
            raise UnsupportedQuery(f"Property '{field.name}' of {spec.name} cannot be selected")
        if field.name not in chosen:
            chosen.append(field.name)
    return tuple(chosen)


def _top(text: str) -> int:
    if re.fullmatch(r"[0-9]{1,4}", text) and 1 <= int(text) <= MAX_TOP:
        return int(text)
    raise UnsupportedQuery(f"$top must be a whole number from 1 to {MAX_TOP}, found '{text}'")


def _count(text: str) -> bool:
    if text in ("true", "false"):
        return text == "true"
    raise UnsupportedQuery(f"$count must be true or false, found '{text}'")


def _orderby(text: str, spec: EntitySpec) -> tuple[tuple[str, bool], ...]:
    order: list[tuple[str, bool]] = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise UnsupportedQuery(
                f"Malformed $orderby item '{part.strip()}': write a property, then asc or desc"
            )
        field = spec.field(words[0])
        if field is None:
            raise UnsupportedQuery(f"Unknown property '{words[0]}' of {spec.name} in $orderby")
        if not field.orderable:
            raise UnsupportedQuery(
                f"Property '{field.name}' of {spec.name} is not supported in $orderby"
            )
        if any(name == field.name for name, _ in order):
            raise UnsupportedQuery(f"Property '{field.name}' appears twice in $orderby")
        order.append((field.name, len(words) == 2 and words[1] == "desc"))
    return tuple(order)


def where_of(query: ODataQuery) -> Node | None:
    """The query's whole condition: `$filter` and `$search` together."""
    if query.filter is None or query.search is None:
        return query.filter if query.search is None else query.search
    return And((query.filter, query.search))


def to_where(node: Node, spec: EntitySpec) -> ColumnElement[bool]:
    """The SQL condition of a `$filter` tree (checked again, so a raw parse tree works)."""
    return compile_where(normalize(node, spec), spec)


def sort_keys(spec: EntitySpec, query: ODataQuery) -> tuple[tuple[Field, bool], ...]:
    """The fields that order the page, with their direction: the unique key last."""
    order = query.orderby or spec.default_order
    keys = [(spec.fields[name], descending) for name, descending in order]
    if all(field.name != spec.key for field, _ in keys):
        keys.append((spec.key_field, False))
    return tuple(keys)


def sort_key_columns(spec: EntitySpec, query: ODataQuery) -> tuple[SQLColumnExpression[Any], ...]:
    """The columns whose values of a page's last row make the next `$skiptoken`."""
    return tuple(_column(field) for field, _ in sort_keys(spec, query))


def apply(stmt: _S, query: ODataQuery, spec: EntitySpec) -> _S:
    """`stmt` filtered and ordered (then by the unique key, so that paging is stable).

    Neither the page size nor the `$skiptoken` is applied: see `paging.paginate`.
    """
    condition = where_of(query)
    if condition is not None:
        stmt = stmt.where(to_where(condition, spec))
    return stmt.order_by(
        *(
            _column(field).desc() if descending else _column(field).asc()
            for field, descending in sort_keys(spec, query)
        )
    )


def _column(field: Field) -> SQLColumnExpression[Any]:
    assert field.column is not None  # EntitySpec checks the columns of its order and key
    return field.column
