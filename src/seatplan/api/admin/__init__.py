"""The admin API under `/admin`: what Graph cannot do (permission Seatplan.Admin)."""

from fastapi import APIRouter

from seatplan.api.admin import (
    catalog,
    organization,
    rule_preview,
    simulation,
    subscriptions,
    tokens,
    webhooks,
)

router = APIRouter(prefix="/admin")
for module in (
    catalog,
    subscriptions,
    organization,
    simulation,
    rule_preview,
    tokens,
    webhooks,
):
    router.include_router(module.router)

__all__ = ["router"]
