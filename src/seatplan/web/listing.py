"""The one way a list page reads its sort, filters and page from the query string.

Every list (users, groups, members, licensed users and groups, errors, the audit log)
declares its `ListSpec`: the columns it sorts by and the filters it takes. `read_listing`
checks the query string against it (a bad value is a 400 page that says what is
accepted) and gives a `Listing`: the order for the service's query, the filters, and
what the page's links need to keep them (sortable headers with aria-sort, the pager,
the CSV export's link).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from starlette.datastructures import QueryParams

from seatplan.engine import ErrorKind
from seatplan.services import lookup
from seatplan.services.reports.paged import Order, UserFilter
from seatplan.web.errors import PortalError
from seatplan.web.forms import PAGE_SIZE, offset, text

#: The filters a list may take, and what each accepts.
ERROR_KINDS = tuple(kind.value for kind in ErrorKind)
FLAGS = ("errors",)  # "1" or nothing
TEXTS = ("search", "activity", "target", "from", "to")
IDS = ("product",)


class BadListParameter(PortalError):
    title = "This list cannot be shown"


@dataclass(frozen=True, slots=True)
class Sortable:
    key: str
    label: str
    #: Counts read biggest first, dates newest first: the first click sorts descending.
    descending_first: bool = False


@dataclass(frozen=True, slots=True)
class ListSpec:
    sorts: tuple[Sortable, ...]
    filters: tuple[str, ...] = ()
    #: The default order: the first sort, this way.
    descending: bool = False

    def sortable(self, key: str) -> Sortable | None:
        return next((s for s in self.sorts if s.key == key), None)


@dataclass(frozen=True, slots=True)
class Header:
    label: str
    href: str
    #: "ascending" or "descending" on the column the list is sorted by, else None.
    aria_sort: str | None

    @property
    def arrow(self) -> str:
        return {"ascending": "▲", "descending": "▼"}.get(self.aria_sort or "", "")


@dataclass(frozen=True, slots=True)
class Listing:
    spec: ListSpec
    order: Order
    offset: int
    #: The filters given (only those given), as the query string holds them.
    filters: Mapping[str, str] = field(default_factory=dict)

    @property
    def params(self) -> dict[str, str]:
        """What a link keeps: filters and a sort other than the default."""
        found = dict(self.filters)
        default = self.spec.sorts[0]
        if (self.order.key, self.order.descending) != (default.key, self.spec.descending):
            found["sort"] = self.order.key
            found["dir"] = "desc" if self.order.descending else "asc"
        return found

    def get(self, name: str) -> str:
        return self.filters.get(name, "")

    @property
    def product(self) -> UUID | None:
        return lookup.as_uuid(self.get("product"))

    def user_filter(self) -> UserFilter:
        return UserFilter(
            search=self.get("search") or None,
            sku_id=self.product,
            in_error=self.get("errors") == "1",
            error=self.get("error") or None,
        )

    def export(self, path: str) -> str:
        """The CSV export of this list, with its filters and order."""
        return path + ("?" + urlencode(self.params) if self.params else "")

    def header(self, key: str) -> Header:
        column = self.spec.sortable(key)
        if column is None:
            raise KeyError(key)
        if self.order.key == key:
            descending = not self.order.descending
            aria: str | None = "descending" if self.order.descending else "ascending"
        else:
            descending, aria = column.descending_first, None
        params: dict[str, Any] = {
            **dict(self.filters),
            "sort": key,
            "dir": "desc" if descending else "asc",
        }
        return Header(column.label, "?" + urlencode(params), aria)


def read_listing(params: QueryParams, spec: ListSpec) -> Listing:
    """The list's sort, filters and page; BadListParameter (a 400 page) for a bad one."""
    default = spec.sorts[0]
    key = text(params, "sort") or default.key
    column = spec.sortable(key)
    if column is None:
        names = ", ".join(f"{s.key} ({s.label})" for s in spec.sorts)
        raise BadListParameter(f"This list cannot be sorted by '{key}'. Sort it by: {names}.")
    way = text(params, "dir")
    if way not in ("", "asc", "desc"):
        raise BadListParameter(f"Sort direction '{way}' is unknown: use asc or desc.")
    if way:
        descending = way == "desc"
    else:
        descending = spec.descending if key == default.key else column.descending_first
    filters: dict[str, str] = {}
    for name in spec.filters:
        value = text(params, name)
        if not value:
            continue
        if name in FLAGS and value != "1":
            raise BadListParameter(f"The filter '{name}' takes 1 (on) or nothing (off).")
        if name == "error" and value not in ERROR_KINDS:
            raise BadListParameter(
                f"'{value}' is not an error kind. Choose one of: {', '.join(ERROR_KINDS)}."
            )
        if name in IDS and lookup.as_uuid(value) is None:
            raise BadListParameter(f"'{value}' is not a product id: choose a product in the list.")
        filters[name] = value
    return Listing(spec, Order(key, descending), offset(params, PAGE_SIZE), filters)


# -- the portal's lists ------------------------------------------------------------------

_UPN, _NAME = Sortable("upn", "Principal name"), Sortable("name", "Name")
USERS = ListSpec((_UPN, _NAME), filters=("search", "errors", "error", "product"))
MEMBERS = ListSpec((_UPN, _NAME), filters=("search", "errors"))
LICENSED_USERS = ListSpec((_UPN, _NAME), filters=("search",))
GROUPS = ListSpec(
    (
        _NAME,
        Sortable("members", "Members", descending_first=True),
        Sortable("errors", "License errors", descending_first=True),
        Sortable("state", "Processing"),
    ),
    filters=("search", "errors", "product"),
)
LICENSED_GROUPS = ListSpec(
    (
        _NAME,
        Sortable("members", "Members", descending_first=True),
        Sortable("licensed", "Licensed", descending_first=True),
        Sortable("errors", "In error", descending_first=True),
    )
)
_ERROR_SORTS = (
    _UPN,
    _NAME,
    Sortable("product", "Product"),
    Sortable("error", "Error"),
    Sortable("state", "State"),
)
GROUP_ERRORS = ListSpec(_ERROR_SORTS, filters=("error", "product"))
ERRORS = ListSpec((*_ERROR_SORTS, Sortable("group", "Source")), filters=("error", "product"))
AUDIT = ListSpec(
    (Sortable("when", "Date (UTC)", descending_first=True), Sortable("activity", "Activity")),
    filters=("activity", "target", "from", "to"),
    descending=True,
)
