"""`$expand` on directory objects: one navigation property, with a nested `$select` only.

As Graph on users and groups: one relationship per request (`members` of a group,
`memberOf` of a user), at most `MAX_EXPANDED` objects each and no next link, no second
level of expansion and no other nested option. Names ignore case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from seatplan.api.odata.entity import EntitySpec
from seatplan.api.odata.errors import BAD_REQUEST, UnsupportedQuery
from seatplan.api.odata.query import Params, param_pairs, parse_query

#: Graph returns at most this many expanded objects, with no link to more.
MAX_EXPANDED = 20
#: Graph's largest page of a collection whose items are expanded.
MAX_EXPANDED_PAGE = 100


@dataclass(frozen=True)
class Navigation:
    """A relationship Seatplan expands: its name and the collection of its objects."""

    name: str
    target: str


#: What each collection expands, by the collection's name.
NAVIGATIONS: Mapping[str, Navigation] = MappingProxyType(
    {"groups": Navigation("members", "users"), "users": Navigation("memberOf", "groups")}
)
#: Graph's other relationships of users and groups: known, but not kept by Seatplan.
OTHER_NAVIGATIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "users": frozenset(
            {
                "manager",
                "directreports",
                "transitivememberof",
                "ownedobjects",
                "owneddevices",
                "registereddevices",
                "createdobjects",
                "licensedetails",
                "approleassignments",
                "oauth2permissiongrants",
                "extensions",
            }
        ),
        "groups": frozenset(
            {
                "owners",
                "memberof",
                "transitivemembers",
                "transitivememberof",
                "memberswithlicenseerrors",
                "approleassignments",
                "createdonbehalfof",
                "extensions",
                "settings",
            }
        ),
    }
)
#: Directory types as Graph's OData parser names them in its messages.
_TYPE_NAMES = {
    "users": "Microsoft.DirectoryServices.User",
    "groups": "Microsoft.DirectoryServices.Group",
}


@dataclass(frozen=True)
class Expand:
    """A checked `$expand`: the relationship and the nested `$select` (None: defaults)."""

    navigation: Navigation
    select: tuple[str, ...] | None = None


def take_expand(
    params: Params, spec: EntitySpec, specs: Mapping[str, EntitySpec]
) -> tuple[Expand | None, list[tuple[str, str]]]:
    """The checked `$expand` of `params` and the other parameters, for `parse_query`.

    `specs` names the collections the relationship may lead to.
    """
    found: Expand | None = None
    rest: list[tuple[str, str]] = []
    for name, value in param_pairs(params):
        if name.lower() != "$expand":
            rest.append((name, value))
        elif found is not None:
            raise UnsupportedQuery(f"Query option '{name}' is given more than once")
        else:
            found = parse_expand(value, spec, specs)
    return found, rest


def parse_expand(text: str, spec: EntitySpec, specs: Mapping[str, EntitySpec]) -> Expand:
    """One `$expand` value checked against the collection `spec`."""
    items = _split(text, ",")
    if len(items) > 1:
        raise UnsupportedQuery(
            f"The result of parsing $expand contained at least {len(items)} items, "
            "but the maximum allowed is 1.",
            code="BadRequest",
        )
    item = items[0].strip()
    name, options = _name_and_options(item)
    navigation = NAVIGATIONS.get(spec.name)
    if navigation is None:
        raise UnsupportedQuery("Query option '$expand' is not supported")
    if name.lower() != navigation.name.lower():
        raise _not_expandable(name, spec)
    target = specs[navigation.target]
    select: tuple[str, ...] | None = None
    seen: set[str] = set()
    for option in _split(options, ";") if options.strip() else []:
        key, equals, value = option.strip().partition("=")
        lowered = key.strip().lower()
        if not equals or not lowered.startswith("$"):
            raise UnsupportedQuery(f"Malformed option '{option.strip()}' in $expand '{text}'")
        if lowered in seen:
            raise UnsupportedQuery(f"Query option '{key.strip()}' is given more than once")
        seen.add(lowered)
        if lowered == "$expand":
            raise UnsupportedQuery("Only one level of $expand is supported.")
        if lowered != "$select":
            raise UnsupportedQuery(
                f"Query option '{key.strip()}' is not supported in $expand: "
                "only $select is, on users and groups."
            )
        select = parse_query([("$select", value)], target).select
    return Expand(navigation, select)


def _not_expandable(name: str, spec: EntitySpec) -> UnsupportedQuery:
    type_name = _TYPE_NAMES.get(spec.name, spec.name)
    if name in ("*", "") or "/" in name:
        return UnsupportedQuery(f"$expand '{name}' is not supported: name one relationship.")
    if name.lower() in OTHER_NAVIGATIONS.get(spec.name, frozenset()):
        return UnsupportedQuery(f"Expanding '{name}' is not supported: Seatplan does not keep it.")
    field = spec.field(name)
    if field is not None:
        return UnsupportedQuery(
            f"Property '{field.name}' on type '{type_name}' is not a navigation property or "
            "complex property. Only navigation properties can be expanded.",
            code=BAD_REQUEST,
        )
    return UnsupportedQuery(
        f"Could not find a property named '{name}' on type '{type_name}'.", code=BAD_REQUEST
    )


def _name_and_options(item: str) -> tuple[str, str]:
    """`members($select=id)` → ("members", "$select=id")."""
    if "(" not in item:
        if ")" in item:
            raise UnsupportedQuery(f"Malformed $expand '{item}': unbalanced parentheses")
        return item, ""
    name, _, rest = item.partition("(")
    if not rest.endswith(")"):
        raise UnsupportedQuery(f"Malformed $expand '{item}': unbalanced parentheses")
    return name.strip(), rest[:-1]


def _split(text: str, separator: str) -> list[str]:
    """`text` split on `separator` outside parentheses and quotes."""
    parts: list[str] = []
    depth = 0
    quoted = False
    current: list[str] = []
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
            if depth < 0:
                raise UnsupportedQuery(f"Malformed $expand '{text}': unbalanced parentheses")
        if char == separator and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if depth != 0 or quoted:
        raise UnsupportedQuery(f"Malformed $expand '{text}': unbalanced parentheses")
    parts.append("".join(current))
    return parts
