"""Response schemas of the Graph routes, for the OpenAPI document.

Properties are optional because `$select` chooses them; the routes build their JSON
directly (see `shapes`), these models only describe it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Out(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")


class Entity(Out):
    odata_context: str | None = Field(default=None, alias="@odata.context")
    odata_type: str | None = Field(default=None, alias="@odata.type")


class AssignedLicenseOut(Out):
    sku_id: str
    disabled_plans: list[str]


class LicenseAssignmentStateOut(Out):
    sku_id: str
    disabled_plans: list[str]
    assigned_by_group: str | None
    state: str
    error: str
    last_updated_date_time: str | None


class UserOut(Entity):
    id: str | None = None
    display_name: str | None = None
    user_principal_name: str | None = None
    account_enabled: bool | None = None
    usage_location: str | None = None
    department: str | None = None
    job_title: str | None = None
    assigned_licenses: list[AssignedLicenseOut] | None = None
    license_assignment_states: list[LicenseAssignmentStateOut] | None = None


class ProcessingStateOut(Out):
    state: str


class GroupOut(Entity):
    id: str | None = None
    display_name: str | None = None
    description: str | None = None
    security_enabled: bool | None = None
    mail_enabled: bool | None = None
    assigned_licenses: list[AssignedLicenseOut] | None = None
    license_processing_state: ProcessingStateOut | None = None


class ServicePlanOut(Out):
    service_plan_id: str
    service_plan_name: str
    provisioning_status: str
    applies_to: str


class LicenseDetailOut(Out):
    id: str
    sku_id: str
    sku_part_number: str
    service_plans: list[ServicePlanOut]


class PrepaidUnitsOut(Out):
    enabled: int
    suspended: int
    warning: int
    locked_out: int


class SubscribedSkuOut(Entity):
    id: str | None = None
    sku_id: str | None = None
    sku_part_number: str | None = None
    applies_to: str | None = None
    capability_status: str | None = None
    consumed_units: int | None = None
    prepaid_units: PrepaidUnitsOut | None = None
    service_plans: list[ServicePlanOut] | None = None


class OrganizationOut(Out):
    id: str
    display_name: str
    country_letter_code: str | None


class DirectoryAuditOut(Out):
    id: str | None = None
    activity_date_time: str | None = None
    activity_display_name: str | None = None
    category: str | None = None
    result: str | None = None
    initiated_by: dict[str, Any] | None = None
    target_resources: list[dict[str, Any]] | None = None


class Collection(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    odata_context: str = Field(alias="@odata.context")
    odata_count: int | None = Field(default=None, alias="@odata.count")
    odata_next_link: str | None = Field(default=None, alias="@odata.nextLink")


class UserCollection(Collection):
    value: list[UserOut]


class GroupCollection(Collection):
    value: list[GroupOut]


class LicenseDetailCollection(Collection):
    value: list[LicenseDetailOut]


class SubscribedSkuCollection(Collection):
    value: list[SubscribedSkuOut]


class OrganizationCollection(Collection):
    value: list[OrganizationOut]


class DirectoryAuditCollection(Collection):
    value: list[DirectoryAuditOut]
