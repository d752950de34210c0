"""The Microsoft Graph compatible surface, under `/v1.0`."""

from fastapi import APIRouter

from seatplan.api.graph import batch, groups, members, tenant, user_licenses, users
from seatplan.api.graph.common import PREFIX

#: Included one by one under `PREFIX` (see `api.mount`), the busiest first.
ROUTERS: tuple[APIRouter, ...] = tuple(
    module.router for module in (users, user_licenses, groups, members, tenant, batch)
)

__all__ = ["PREFIX", "ROUTERS"]
