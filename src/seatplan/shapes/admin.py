"""What the admin API and the command line both show: settings, tokens, subscriptions,
the catalog, previews."""

from __future__ import annotations

from pydantic import with_config
from typing_extensions import TypedDict

from seatplan.catalog import Catalog, Product, ServicePlan
from seatplan.processing.rule_preview import NamedUser
from seatplan.processing.rule_preview import RulePreview as RulePreviewResult
from seatplan.processing.simulation import Simulation as SimulationResult
from seatplan.services.tokens import TokenInfo
from seatplan.shapes.values import EXACT, DateTime, Guid, maybe_when, when
from seatplan.store.tables import Group, Organization
from seatplan.store.tables import Subscription as SubscriptionRow


@with_config(EXACT)
class OrganizationSettings(TypedDict):
    id: Guid
    displayName: str
    countryLetterCode: str | None
    defaultUsageLocation: str | None
    autoOfferSeats: bool
    licenseNestedGroups: bool


@with_config(EXACT)
class Token(TypedDict):
    """A token by its id (its public prefix); the token itself is never kept."""

    id: str
    name: str
    scopes: list[str]
    createdDateTime: DateTime
    revokedDateTime: DateTime | None


@with_config(EXACT)
class CreatedToken(Token):
    #: Shown once: only its hash is kept.
    token: str


@with_config(EXACT)
class Subscription(TypedDict):
    id: Guid
    skuId: Guid
    skuPartNumber: str
    enabledUnits: int
    suspendedUnits: int
    warningUnits: int
    lockedOutUnits: int
    status: str
    createdDateTime: DateTime


@with_config(EXACT)
class CatalogProduct(TypedDict):
    skuId: Guid
    skuPartNumber: str
    displayName: str
    servicePlanCount: int


@with_config(EXACT)
class CatalogServicePlan(TypedDict):
    servicePlanId: Guid
    servicePlanName: str
    friendlyName: str


@with_config(EXACT)
class CatalogProductDetail(TypedDict):
    skuId: Guid
    skuPartNumber: str
    displayName: str
    servicePlans: list[CatalogServicePlan]


@with_config(EXACT)
class ImportResult(TypedDict):
    """How many items of each kind a catalog file added."""

    products: int
    servicePlans: int
    exclusiveSets: int
    dependencies: int
    locationRestrictions: int


@with_config(EXACT)
class SimulatedOutcome(TypedDict):
    skuId: Guid
    skuPartNumber: str
    state: str
    error: str | None
    users: int


@with_config(EXACT)
class SimulatedRemoval(TypedDict):
    skuPartNumber: str
    users: int


@with_config(EXACT)
class SeatForecast(TypedDict):
    skuId: Guid
    skuPartNumber: str
    availableNow: int
    availableAfter: int


@with_config(EXACT)
class SimulatedError(TypedDict):
    userId: Guid
    userPrincipalName: str
    skuPartNumber: str
    error: str
    #: The service plans behind the error: both sides of a conflict, those not allowed
    #: at the user's location, those that depend on the product (none for seats).
    servicePlans: list[str]


@with_config(EXACT)
class Simulation(TypedDict):
    """What `assignLicense` on the group would do; nothing was changed."""

    groupId: Guid
    displayName: str
    usersEvaluated: int
    #: The group's assignments after the change, by product, state and error.
    outcomes: list[SimulatedOutcome]
    #: Per product: users whose assignment from the group would be removed.
    removed: list[SimulatedRemoval]
    seats: list[SeatForecast]
    #: The first users in error (at most ten).
    examples: list[SimulatedError]


@with_config(EXACT)
class PreviewedUser(TypedDict):
    id: Guid
    displayName: str
    userPrincipalName: str


@with_config(EXACT)
class RulePreview(TypedDict):
    """What saving a membership rule would do; nothing was changed."""

    membershipRule: str
    #: The group's id; null for a group not created yet.
    groupId: Guid | None
    usersMatching: int
    joining: int
    leaving: int
    #: The first joiners and leavers by displayName (at most ten of each).
    joiners: list[PreviewedUser]
    leavers: list[PreviewedUser]
    #: The group's products applied to the joiners and removed from the leavers, as the
    #: worker would; null when there is no group or it has no products.
    licensing: Simulation | None


@with_config(EXACT)
class Reprocess(TypedDict):
    groupId: Guid
    licenseProcessingState: str


def organization_settings(org: Organization) -> OrganizationSettings:
    return {
        "id": str(org.id),
        "displayName": org.display_name,
        "countryLetterCode": org.country_letter_code,
        "defaultUsageLocation": org.default_usage_location,
        "autoOfferSeats": org.auto_offer_seats,
        "licenseNestedGroups": org.license_nested_groups,
    }


def token(info: TokenInfo) -> Token:
    return {
        "id": info.id,
        "name": info.name,
        "scopes": list(info.scopes),
        "createdDateTime": when(info.created),
        "revokedDateTime": maybe_when(info.revoked),
    }


def created_token(info: TokenInfo, secret: str) -> CreatedToken:
    return {**token(info), "token": secret}


def subscription(sub: SubscriptionRow, sku_part_number: str) -> Subscription:
    return {
        "id": str(sub.id),
        "skuId": str(sub.sku_id),
        "skuPartNumber": sku_part_number,
        "enabledUnits": sub.enabled_units,
        "suspendedUnits": sub.suspended_units,
        "warningUnits": sub.warning_units,
        "lockedOutUnits": sub.locked_out_units,
        "status": sub.status,
        "createdDateTime": when(sub.created),
    }


def catalog_product(product: Product) -> CatalogProduct:
    return {
        "skuId": str(product.sku_id),
        "skuPartNumber": product.sku_part_number,
        "displayName": product.display_name,
        "servicePlanCount": len(product.plan_ids),
    }


def catalog_product_detail(product: Product, plans: list[ServicePlan]) -> CatalogProductDetail:
    return {
        "skuId": str(product.sku_id),
        "skuPartNumber": product.sku_part_number,
        "displayName": product.display_name,
        "servicePlans": [
            {"servicePlanId": str(p.id), "servicePlanName": p.name, "friendlyName": p.friendly_name}
            for p in plans
        ],
    }


def import_result(added: Catalog) -> ImportResult:
    return {
        "products": len(added.products),
        "servicePlans": len(added.plans),
        "exclusiveSets": len(added.exclusive_sets),
        "dependencies": len(added.dependencies),
        "locationRestrictions": len(added.location_restrictions),
    }


def simulation(result: SimulationResult) -> Simulation:
    return {
        "groupId": str(result.group_id),
        "displayName": result.display_name,
        "usersEvaluated": result.users_evaluated,
        "outcomes": [
            {
                "skuId": str(o.sku_id),
                "skuPartNumber": o.sku_part_number,
                "state": o.state,
                "error": o.error,
                "users": o.users,
            }
            for o in result.outcomes
        ],
        "removed": [{"skuPartNumber": r.sku_part_number, "users": r.users} for r in result.removed],
        "seats": [
            {
                "skuId": str(s.sku_id),
                "skuPartNumber": s.sku_part_number,
                "availableNow": s.available_now,
                "availableAfter": s.available_after,
            }
            for s in result.seats
        ],
        "examples": [
            {
                "userId": str(e.user_id),
                "userPrincipalName": e.user_principal_name,
                "skuPartNumber": e.sku_part_number,
                "error": e.error,
                "servicePlans": list(e.plans),
            }
            for e in result.examples
        ],
    }


def _previewed(user: NamedUser) -> PreviewedUser:
    return {
        "id": str(user.id),
        "displayName": user.display_name,
        "userPrincipalName": user.user_principal_name,
    }


def rule_preview(result: RulePreviewResult) -> RulePreview:
    return {
        "membershipRule": result.rule,
        "groupId": str(result.group_id) if result.group_id is not None else None,
        "usersMatching": result.users_matching,
        "joining": result.joining,
        "leaving": result.leaving,
        "joiners": [_previewed(u) for u in result.joiners],
        "leavers": [_previewed(u) for u in result.leavers],
        "licensing": simulation(result.licensing) if result.licensing is not None else None,
    }


def reprocess(group: Group) -> Reprocess:
    return {"groupId": str(group.id), "licenseProcessingState": group.processing_state}
