"""Microsoft Graph's OData query options (docs/api.md, "OData"), parsed and turned into SQL.

    query = parse_query(request.query_params, USERS)      # or UnsupportedQuery → 400
    path = request.url.path                               # a token serves this path only
    stmt = paginate(select(User), query, USERS, secret, path)  # filter, order, keyset, top+1
    rows = session.scalars(stmt).all()
    if len(rows) > query.top:
        rows = rows[: query.top]
        state = page_state(USERS, query, row_sort_values(USERS, query, rows[-1]), path)
        link = next_link(base_url, request.query_params, state, secret)

`@odata.count` counts `select(func.count()).select_from(User).where(to_where(…))`; on
users and groups, pass `eventual=odata.eventual(request.headers)` (Graph's advanced
queries, `odata.advanced`), and `parse_count_query` reads the options of `/$count`.
"""

from seatplan.api.odata.advanced import eventual
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
from seatplan.api.odata.entity import NULL, EntitySpec, Field, FieldKind, Items, fields
from seatplan.api.odata.errors import UnsupportedQuery
from seatplan.api.odata.paging import (
    decode_token,
    encode_token,
    keyset_where,
    next_link,
    page_state,
    paginate,
    query_fingerprint,
    row_sort_values,
)
from seatplan.api.odata.parser import parse_filter
from seatplan.api.odata.query import (
    DEFAULT_TOP,
    MAX_TOP,
    ODataQuery,
    Params,
    apply,
    parse_count_query,
    parse_query,
    sort_key_columns,
    sort_keys,
    to_where,
    where_of,
)
from seatplan.api.odata.search import parse_search
from seatplan.api.odata.specs import (
    COLLECTIONS,
    DIRECTORY_AUDITS,
    GROUPS,
    LICENSE_DETAILS,
    SUBSCRIBED_SKUS,
    USERS,
)

__all__ = [
    "COLLECTIONS",
    "DEFAULT_TOP",
    "DIRECTORY_AUDITS",
    "GROUPS",
    "LICENSE_DETAILS",
    "MAX_TOP",
    "NULL",
    "SUBSCRIBED_SKUS",
    "USERS",
    "And",
    "AnyLicense",
    "AnyOf",
    "CollectionCount",
    "Comparison",
    "EndsWith",
    "EntitySpec",
    "Field",
    "FieldKind",
    "In",
    "Items",
    "Node",
    "Not",
    "ODataQuery",
    "Or",
    "Params",
    "SearchWords",
    "Searched",
    "StartsWith",
    "UnsupportedQuery",
    "Value",
    "apply",
    "decode_token",
    "encode_token",
    "eventual",
    "fields",
    "keyset_where",
    "next_link",
    "page_state",
    "paginate",
    "parse_count_query",
    "parse_filter",
    "parse_query",
    "parse_search",
    "query_fingerprint",
    "row_sort_values",
    "sort_key_columns",
    "sort_keys",
    "to_where",
    "where_of",
]
