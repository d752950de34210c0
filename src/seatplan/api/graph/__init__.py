"""The Microsoft Graph compatible surface, under `/v1.0`."""

from fastapi import APIRouter

from seatplan.api.graph import groups, members, tenant, user_licenses, users

router = APIRouter(prefix="/v1.0")
for module in (users, user_licenses, groups, members, tenant):
    router.include_router(module.router)

__all__ = ["router"]
