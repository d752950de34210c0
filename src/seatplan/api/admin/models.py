"""Bodies and answers of the admin API (camelCase, unknown properties refused)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from pydantic.alias_generators import to_camel

from seatplan.api.graph.bodies import Name, NotNull


class Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=False)


class ServicePlan(Model):
    service_plan_id: UUID
    service_plan_name: str
    friendly_name: str


class Product(Model):
    sku_id: UUID
    sku_part_number: str
    display_name: str
    service_plan_count: int


class ProductDetail(Model):
    sku_id: UUID
    sku_part_number: str
    display_name: str
    service_plans: list[ServicePlan]


class ImportResult(Model):
    products: int
    service_plans: int
    exclusive_sets: int
    dependencies: int
    location_restrictions: int


class Subscription(Model):
    id: UUID
    sku_id: UUID
    sku_part_number: str
    enabled_units: int
    suspended_units: int
    warning_units: int
    locked_out_units: int
    status: str
    created_date_time: datetime


class SubscriptionCreate(Body):
    """`sku` is a skuId or a skuPartNumber."""

    sku: Name
    enabled_units: StrictInt = Field(ge=0, le=10_000_000)


class SubscriptionUpdate(Body):
    enabled_units: StrictInt = Field(ge=0, le=10_000_000)


class Organization(Model):
    id: UUID
    display_name: str
    country_letter_code: str | None
    default_usage_location: str | None
    auto_offer_seats: bool


class OrganizationUpdate(Body):
    """Only the properties given change; `null` clears a country code."""

    display_name: Annotated[Name | None, NotNull] = None
    country_letter_code: Name | None = None
    default_usage_location: Name | None = None
    auto_offer_seats: Annotated[StrictBool | None, NotNull] = None


class Reprocess(Model):
    group_id: UUID
    license_processing_state: str


class Token(Model):
    id: str
    name: str
    scopes: list[str]
    created_date_time: datetime
    revoked_date_time: datetime | None


class TokenCreate(Body):
    name: Name
    scopes: list[Name] = Field(min_length=1, max_length=20)


class CreatedToken(Token):
    #: Shown once: only its hash is kept.
    token: str


class SimulatedOutcome(Model):
    sku_id: UUID
    sku_part_number: str
    state: str
    error: str | None
    users: int


class SimulatedRemoval(Model):
    sku_part_number: str
    users: int


class SeatForecast(Model):
    sku_id: UUID
    sku_part_number: str
    available_now: int
    available_after: int


class SimulatedError(Model):
    user_id: UUID
    user_principal_name: str
    sku_part_number: str
    error: str


class Simulation(Model):
    """What `assignLicense` on the group would do; nothing was changed."""

    group_id: UUID
    display_name: str
    users_evaluated: int
    outcomes: list[SimulatedOutcome]
    removed: list[SimulatedRemoval]
    seats: list[SeatForecast]
    #: The first users in error (at most ten).
    examples: list[SimulatedError]
