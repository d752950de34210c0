"""Where each fix of ERROR_HELP is done: docs/behaviour.md's "Resolving problems" as actions."""

from __future__ import annotations

from dataclasses import dataclass

from seatplan.engine import ErrorKind
from seatplan.services.reports import ERROR_HELP, AssignmentError


@dataclass(frozen=True, slots=True)
class Action:
    text: str
    href: str | None
    #: A form posted in place (removing the user from the group) instead of a link.
    post: str | None = None


def actions(error: AssignmentError) -> tuple[Action, ...]:
    """ERROR_HELP's fixes of the error, each with the page (or form) that does it."""
    try:
        kind = ErrorKind(error.error)
    except ValueError:
        return ()
    user = f"/users/{error.user_id}"
    product = f"/licenses/{error.sku_id}"
    group = f"/groups/{error.group.id}" if error.group else None
    group_license = f"{group}/product?sku={error.sku_id}" if group else None
    where: dict[ErrorKind, tuple[str | None, ...]] = {
        ErrorKind.COUNT: (f"{product}#subscriptions", product),
        ErrorKind.MUTUALLY_EXCLUSIVE: (f"{user}#direct", group_license, f"{user}#direct"),
        ErrorKind.DEPENDENCY: (f"{user}#direct", f"{user}#direct"),
        ErrorKind.PROHIBITED_LOCATION: (f"{user}#location", None),
        ErrorKind.OTHER: (user,),
    }
    found = []
    for text, href in zip(ERROR_HELP[kind].fixes, where[kind], strict=True):
        if href is None and kind is ErrorKind.PROHIBITED_LOCATION and group and error.is_member:
            found.append(Action(text, None, post=f"{group}/members/{error.user_id}/remove"))
        elif href is not None:
            found.append(Action(text, href))
    return tuple(found)
