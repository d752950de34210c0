"""The documented answers of the routes, made from the shapes' TypedDicts.

`seatplan.shapes` builds every answer; here its TypedDicts become the OpenAPI schema, so
that what `/openapi.json` promises is what the routes return (the schema test and
schemathesis check answers against it; no undocumented property is allowed).
"""

from __future__ import annotations

from functools import cache
from typing import Any, get_type_hints

from pydantic import with_config
from typing_extensions import NotRequired, TypedDict  # noqa: UP035 - pydantic needs these on 3.11

from seatplan.shapes.values import EXACT


@cache
def selectable(shape: Any) -> Any:
    """A Graph entity as answered: `$select` chooses its properties, so none is required;
    `@odata.context` comes with a single entity, `@odata.type` in directoryObject lists."""
    fields = {
        "@odata.context": str,
        "@odata.type": str,
        **get_type_hints(shape, include_extras=True),
    }
    return with_config(EXACT)(TypedDict(shape.__name__, fields, total=False))  # type: ignore[operator]


@cache
def expandable(shape: Any, navigation: str, item: Any) -> Any:
    """`selectable(shape)` that `$expand` may give its `navigation`: up to 20 `item`s, each
    with its `@odata.type`."""
    fields = {
        "@odata.context": str,
        "@odata.type": str,
        **get_type_hints(shape, include_extras=True),
        navigation: list[selectable(item)],  # type: ignore[misc]
    }
    name = f"{shape.__name__}With{navigation[0].upper()}{navigation[1:]}"
    return with_config(EXACT)(TypedDict(name, fields, total=False))  # type: ignore[operator]


@cache
def collection(item: Any) -> Any:
    """A Graph collection of `item`s, with its count and next page when asked or due."""
    fields = {
        "@odata.context": str,
        "@odata.count": NotRequired[int],
        "@odata.nextLink": NotRequired[str],
        "value": list[item],
    }
    name = f"{item.__name__}Collection"
    return with_config(EXACT)(TypedDict(name, fields))  # type: ignore[operator]


@cache
def delta_collection(item: Any, *annotations: tuple[str, Any]) -> Any:
    """A page of a delta query: `item`s, and `annotations` (`@removed`, `members@delta`)
    on any of them, then a nextLink, or a deltaLink on the last page."""
    entity = selectable(item)
    fields = {**get_type_hints(entity, include_extras=True), **dict(annotations)}
    name = f"{item.__name__}Delta"
    delta_item: Any = with_config(EXACT)(TypedDict(name, fields, total=False))  # type: ignore[operator]
    page = {
        "@odata.context": str,
        "@odata.nextLink": NotRequired[str],
        "@odata.deltaLink": NotRequired[str],
        "value": list[delta_item],
    }
    return with_config(EXACT)(TypedDict(f"{name}Page", page))  # type: ignore[operator]


@cache
def directory_objects(*items: Any) -> Any:
    """A Graph collection of directoryObjects of several types (a group's members: users
    and groups), each item one of `items`' selectable shapes with its `@odata.type`."""
    choices: Any = items[0]
    for item in items[1:]:
        choices = choices | item
    fields = {
        "@odata.context": str,
        "@odata.count": NotRequired[int],
        "@odata.nextLink": NotRequired[str],
        "value": list[choices],
    }
    return with_config(EXACT)(TypedDict("DirectoryObjectCollection", fields))  # type: ignore[operator]
