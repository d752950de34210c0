"""What `/Users/{id}` and `/Groups/{id}` do alike: read, replace (PUT), patch and delete
one resource, with `If-Match` checked against its current version before any write."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from seatplan.scim import common, patch, resources
from seatplan.scim.patch_schema import GROUP, USER, Schema
from seatplan.services import groups as group_service
from seatplan.services import users as user_service
from seatplan.services.tokens import Principal

Json = dict[str, Any]


@dataclass(frozen=True)
class Kind:
    """A resource type's row and its SCIM face."""

    find: Callable[[Session, str], Any]
    resource: Callable[[Session, Any, str], Json]
    replace: Callable[[Session, Any, Mapping[str, Any]], Any]
    delete: Callable[[Session, Any], None]
    schema: Schema


USERS = Kind(
    find=resources.find_user,
    resource=resources.user_resource,
    replace=resources.replace_user,
    delete=lambda session, user: user_service.delete_user(session, user=user),
    schema=USER,
)
GROUPS = Kind(
    find=resources.find_group,
    resource=resources.group_resource,
    replace=resources.replace_group,
    delete=lambda session, group: group_service.delete_group(session, group=group),
    schema=GROUP,
)


def read_one(request: Request, kind: Kind, ref: str) -> Response:
    with common.database(request).reading() as session:
        resource = kind.resource(session, kind.find(session, ref), common.base_url(request))
    return common.answer(request, resource)


def replace_one(request: Request, caller: Principal, kind: Kind, ref: str, body: Json) -> Response:
    """PUT: the resource becomes `body`."""
    return _write(request, caller, kind, ref, lambda current: body)


def patch_one(request: Request, caller: Principal, kind: Kind, ref: str, body: Json) -> Response:
    """PATCH: the operations applied to the resource as GET answers it, written as a PUT."""
    return _write(
        request, caller, kind, ref, lambda current: patch.apply_patch(current, body, kind.schema)
    )


def delete_one(request: Request, caller: Principal, kind: Kind, ref: str) -> Response:
    with common.writing(request, caller) as session:
        row = kind.find(session, ref)
        common.check_if_match(request, kind.resource(session, row, ""))
        kind.delete(session, row)
    return Response(status_code=204)


def _write(
    request: Request,
    caller: Principal,
    kind: Kind,
    ref: str,
    new: Callable[[Json], Mapping[str, Any]],
) -> Response:
    base = common.base_url(request)
    with common.writing(request, caller) as session:
        row = kind.find(session, ref)
        current = kind.resource(session, row, base)
        common.check_if_match(request, current)
        kind.replace(session, row, new(current))
        resource = kind.resource(session, row, base)
    return common.answer(request, resource)
