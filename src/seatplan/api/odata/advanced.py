"""Graph's advanced queries on directory objects, and its answers when they are missing.

On users, groups and their relationships, Graph serves some queries only as "advanced
queries": with the `ConsistencyLevel: eventual` header and `$count=true` (the `/$count`
segment counts as `$count=true`). `$search` needs the header only. Without them:

- `/$count` answers 400 `Request_BadRequest` "$count is not currently supported.";
- `$count=true` is ignored: no `@odata.count`;
- `$search` answers 400 `Request_UnsupportedQuery` naming the header;
- `not`, `assignedLicenses/$count` and a property's advanced-only operators
  (`Field.advanced_only_ops`: `ne`, `endswith`, comparing with null, and every operator
  on some properties) answer 400 `Request_UnsupportedQuery` "Operator '…' is not
  supported because the required parameters might be missing…";
- `$orderby` with `$filter` (or `$search`) answers "Sorting not supported for current
  query.".

And with the header, Graph refuses a filter on a property its advanced store does not
index (`Field.in_advanced` False: `hasMembersWithLicenseErrors`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from seatplan.api.odata.ast import (
    And,
    AnyOf,
    CollectionCount,
    Comparison,
    EndsWith,
    In,
    Node,
    Not,
    Or,
    SearchWords,
    StartsWith,
)
from seatplan.api.odata.entity import NULL, EntitySpec, Field
from seatplan.api.odata.errors import BAD_REQUEST, UnsupportedQuery

HEADER = "ConsistencyLevel"
EVENTUAL = "eventual"
COUNT_NEEDS_HEADER = "$count is not currently supported."
SEARCH_NEEDS_HEADER = (
    "Request with $search query parameter only works through MSGraph with a special "
    "request header: 'ConsistencyLevel: eventual'"
)
SORTING_NEEDS_ADVANCED = "Sorting not supported for current query."
#: Operators that only advanced queries take, whatever the property.
ALWAYS_ADVANCED = frozenset({"ne", "not", "endsWith", "$count"})


def eventual(headers: Mapping[str, str]) -> bool:
    """The request asks for eventual consistency (header name and value in any case)."""
    return headers.get(HEADER, "").strip().lower() == EVENTUAL


def operator_needs_advanced(operator: str) -> str:
    """Graph's message for an operator used without the advanced query parameters."""
    return (
        f"Operator '{operator}' is not supported because the required parameters might be "
        "missing. Try adding $count=true query parameter and ConsistencyLevel:eventual "
        "header. Refer to https://aka.ms/graph-docs/advanced-queries for more information"
    )


def refused_with_header(field: str, spec: EntitySpec) -> str:
    """Graph's message for a filter its advanced store cannot serve."""
    return (
        f"Unsupported or invalid query filter clause specified for property '{field}' "
        f"of resource '{spec.resource}'."
    )


def require_header_for_count(is_eventual: bool) -> None:
    """A `/$count` segment on directory objects needs `ConsistencyLevel: eventual`."""
    if not is_eventual:
        raise UnsupportedQuery(COUNT_NEEDS_HEADER, BAD_REQUEST)


def check(
    spec: EntitySpec,
    *,
    filter: Node | None,
    search: Node | None,
    ordered: bool,
    is_eventual: bool,
    counted: bool,
) -> None:
    """Refuse, with Graph's answer, what needs an advanced query this request is not.

    `filter` and `search` are normalized trees; `ordered` tells whether `$orderby` was
    given; `counted` whether `$count=true` (or the `/$count` segment) was.
    """
    if not spec.advanced_queries:
        return
    if search is not None and not is_eventual:
        raise UnsupportedQuery(SEARCH_NEEDS_HEADER)
    advanced = is_eventual and counted
    if is_eventual and filter is not None:
        for field in _fields(filter, spec):
            if not field.in_advanced:
                raise UnsupportedQuery(refused_with_header(field.name, spec))
    if not advanced:
        for tree in (filter, search):
            operator = None if tree is None else _first_advanced(tree, spec)
            if operator is not None:
                raise UnsupportedQuery(operator_needs_advanced(operator))
        if ordered and (filter is not None or search is not None):
            raise UnsupportedQuery(SORTING_NEEDS_ADVANCED)


def _first_advanced(node: Node, spec: EntitySpec) -> str | None:
    """The first operator of the tree that only an advanced query takes, else None."""
    for leaf, operator, field in _operators(node, spec):
        if operator in ALWAYS_ADVANCED:
            return operator
        if field is None:
            continue
        is_null = (isinstance(leaf, Comparison) and leaf.value is None) or (
            isinstance(leaf, In) and None in leaf.values
        )
        if field.needs_advanced_query(operator.lower()) or (
            is_null and field.needs_advanced_query(NULL)
        ):
            return operator
    return None


def _operators(node: Node, spec: EntitySpec) -> Iterator[tuple[Node, str, Field | None]]:
    """Every condition with its operator as Graph names it and the property it compares
    (an item's property inside `any`), in reading order."""
    if isinstance(node, And | Or):
        for operand in node.operands:
            yield from _operators(operand, spec)
    elif isinstance(node, Not):
        yield node, "not", None
        yield from _operators(node.operand, spec)
    elif isinstance(node, AnyOf):
        items = spec.items_named(node.items)
        for leaf, operator, _ in _leaves(node.condition):
            yield leaf, operator, None if items is None else items.field(node.condition.field)
    else:
        for leaf, operator, name in _leaves(node):
            yield leaf, operator, None if name is None else spec.fields.get(name)


def _leaves(node: Node) -> Iterator[tuple[Node, str, str | None]]:
    """A condition with its operator as Graph names it, and its property's name."""
    if isinstance(node, And | Or | Not | AnyOf):
        return
    if isinstance(node, Comparison):
        yield node, node.op, node.field
    elif isinstance(node, In):
        yield node, "in", node.field
    elif isinstance(node, StartsWith):
        yield node, "startsWith", node.field
    elif isinstance(node, EndsWith):
        yield node, "endsWith", node.field
    elif isinstance(node, CollectionCount):
        yield node, "$count", None
    elif isinstance(node, SearchWords):
        yield node, "search", node.field


def _fields(node: Node, spec: EntitySpec) -> Iterator[Field]:
    for _, _, field in _operators(node, spec):
        if field is not None:
            yield field
