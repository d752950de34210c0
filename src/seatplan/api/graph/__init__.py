"""The Microsoft Graph compatible surface, under `/v1.0`."""

from fastapi import APIRouter

from seatplan.api.graph import (
    batch,
    delta,
    groups,
    members,
    nested,
    subscriptions,
    tenant,
    user_licenses,
    users,
)
from seatplan.api.graph.common import PREFIX

#: Included one by one under `PREFIX` (see `api.mount`), the busiest first; delta's
#: paths before `/users/{user_id}`, which would take `/users/delta` for a user.
ROUTERS: tuple[APIRouter, ...] = tuple(
    module.router
    for module in (
        delta,
        users,
        user_licenses,
        groups,
        members,
        nested,
        tenant,
        batch,
        subscriptions,
    )
)

__all__ = ["PREFIX", "ROUTERS"]
