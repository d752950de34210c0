"""Bodies of the admin API (camelCase, unknown properties refused); answers are `shapes.admin`."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from pydantic.alias_generators import to_camel

from seatplan.api.graph.bodies import Name, NotNull


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=False)


class SubscriptionCreate(Body):
    """`sku` is a skuId or a skuPartNumber."""

    sku: Name
    enabled_units: StrictInt = Field(ge=0, le=10_000_000)


class SubscriptionUpdate(Body):
    enabled_units: StrictInt = Field(ge=0, le=10_000_000)


class OrganizationUpdate(Body):
    """Only the properties given change; `null` clears a country code."""

    display_name: Annotated[Name | None, NotNull] = None
    country_letter_code: Name | None = None
    default_usage_location: Name | None = None
    auto_offer_seats: Annotated[StrictBool | None, NotNull] = None


class TokenCreate(Body):
    name: Name
    scopes: list[Name] = Field(min_length=1, max_length=20)
