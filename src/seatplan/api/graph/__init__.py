"""The Microsoft Graph compatible surface, under `/v1.0`."""

from fastapi import APIRouter

from seatplan.api.graph import groups, members, tenant, user_licenses, users

PREFIX = "/v1.0"
#: Included one by one under `PREFIX` (see `api.mount`), the busiest first.
ROUTERS: tuple[APIRouter, ...] = tuple(
    module.router for module in (users, user_licenses, groups, members, tenant)
)

__all__ = ["PREFIX", "ROUTERS"]
