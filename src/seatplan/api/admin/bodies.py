"""Bodies of the admin API (camelCase, unknown properties refused); answers are `shapes.admin`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt
from pydantic.alias_generators import to_camel

from seatplan.api.graph.bodies import LongText, Name, NotNull


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
    license_nested_groups: Annotated[StrictBool | None, NotNull] = None


class TokenCreate(Body):
    name: Name
    scopes: list[Name] = Field(min_length=1, max_length=20)


#: standard JSON (Standard Webhooks), or a Slack or Microsoft Teams message.
WebhookFormat = Literal["standard", "slack", "teams"]


class WebhookCreate(Body):
    """`events`: event types, or `*` for all; `sku` (skuId or skuPartNumber) and `group`
    (id or displayName) keep only the events about that product or group."""

    url: LongText
    events: list[Name] = Field(min_length=1, max_length=20)
    format: WebhookFormat = "standard"
    sku: Name | None = None
    group: Name | None = None
    description: Name = ""


class WebhookUpdate(Body):
    """Only the properties given change; `null` clears `sku` or `group`. `enabled: true`
    turns a disabled endpoint back on, its pending deliveries first."""

    url: Annotated[LongText | None, NotNull] = None
    events: Annotated[list[Name] | None, NotNull, Field(min_length=1, max_length=20)] = None
    format: Annotated[WebhookFormat | None, NotNull] = None
    sku: Name | None = None
    group: Name | None = None
    description: Annotated[Name | None, NotNull] = None
    enabled: Annotated[StrictBool | None, NotNull] = None


class SeatAlertSet(Body):
    below: StrictInt = Field(ge=1, le=10_000_000)


class RulePreviewRequest(Body):
    """A membership rule in Entra's syntax, not saved."""

    membership_rule: LongText
