"""Refusals of synchronous license changes, with Microsoft Graph's exact messages."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID


class LicenseRefused(Exception):
    """A license change the rules do not allow; nothing of the request was applied."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _ids(plans: Iterable[UUID]) -> str:
    return ",".join(str(plan) for plan in sorted(plans))


def invalid_location() -> LicenseRefused:
    return LicenseRefused("License assignment cannot be done for user with invalid usage location.")


def no_seat(sku_id: UUID) -> LicenseRefused:
    return LicenseRefused(f"Subscription with SKU {sku_id} does not have any available licenses.")


def mutually_exclusive(a: UUID, b: UUID) -> LicenseRefused:
    return LicenseRefused(
        f"License assignment failed because service plans {_ids((a, b))} are mutually exclusive."
    )


def depends_on(plan: UUID, prerequisites: Iterable[UUID]) -> LicenseRefused:
    return LicenseRefused(
        f"License assignment failed because service plan {plan} depends on the service "
        f"plan(s) {_ids(prerequisites)}."
    )


def unknown_sku(sku_id: UUID | str) -> LicenseRefused:
    return LicenseRefused(f"License {sku_id} does not correspond to a valid company License.")


def plan_not_in_product(plan: UUID | str, sku_id: UUID) -> LicenseRefused:
    return LicenseRefused(f"Service plan {plan} is not part of the product with SKU {sku_id}.")


def inherited_only() -> LicenseRefused:
    return LicenseRefused(
        "User license is inherited from a group membership and it cannot be removed "
        "directly from the user."
    )


def not_assigned(sku_id: UUID) -> LicenseRefused:
    return LicenseRefused(f"License {sku_id} is not assigned to the user.")


def group_missing_prerequisite(plan: str, prerequisites: Iterable[str]) -> LicenseRefused:
    return LicenseRefused(
        "License operation failed. Make sure that the group has necessary services before "
        "adding or removing a dependent service. The service "
        f"{plan} requires {','.join(prerequisites)} to be enabled as well."
    )


def usage_location_prohibits(location: str, sku_id: UUID) -> LicenseRefused:
    return LicenseRefused(
        f"Usage location {location} is not allowed for the license {sku_id} assigned "
        "directly to the user."
    )
