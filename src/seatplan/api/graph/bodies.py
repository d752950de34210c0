"""Request bodies of the Graph routes: camelCase, unknown properties refused (400)."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

T = TypeVar("T")


def _printable(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


#: Strings stored in 256-character columns.
Name = Annotated[str, StringConstraints(max_length=256), AfterValidator(_printable)]
LongText = Annotated[str, StringConstraints(max_length=4096), AfterValidator(_printable)]


def _not_null(value: T | None) -> T:
    if value is None:
        raise PydanticCustomError("null", "the property cannot be null")
    return value


#: A property a PATCH may leave out but never set to null (defaults are not validated).
NotNull = AfterValidator(_not_null)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=to_camel, populate_by_name=False)

    #: Graph's SDKs name the type of what they send; accepted and ignored.
    odata_type: Annotated[str, StringConstraints(max_length=128)] | None = Field(
        default=None, alias="@odata.type"
    )

    def changes(self) -> dict[str, Any]:
        """The properties the client sent (for PATCH), by Python name."""
        return {n: getattr(self, n) for n in self.model_fields_set if n != "odata_type"}


class UserCreate(Body):
    """Graph's user. `mailNickname` and `passwordProfile` are accepted and ignored:
    Seatplan holds no mailboxes and no passwords."""

    user_principal_name: Name
    display_name: Name
    account_enabled: StrictBool = True
    usage_location: Name | None = None
    department: Name | None = None
    job_title: Name | None = None
    mail_nickname: Name | None = None
    password_profile: dict[str, Any] | None = None


class UserUpdate(Body):
    display_name: Annotated[Name | None, NotNull] = None
    account_enabled: Annotated[StrictBool | None, NotNull] = None
    usage_location: Name | None = None
    department: Name | None = None
    job_title: Name | None = None


class AssignedLicense(Body):
    sku_id: UUID
    disabled_plans: list[UUID] = Field(default_factory=list, max_length=500)


class AssignLicense(Body):
    """Graph's assignLicense: products to add (with their disabled plans), skuIds to remove."""

    add_licenses: list[AssignedLicense] = Field(default_factory=list, max_length=100)
    remove_licenses: list[UUID] = Field(default_factory=list, max_length=100)

    @field_validator("add_licenses")
    @classmethod
    def _each_sku_once(cls, value: list[AssignedLicense]) -> list[AssignedLicense]:
        seen: set[UUID] = set()
        for item in value:
            if item.sku_id in seen:
                raise PydanticCustomError(
                    "duplicate", "skuId {sku} is listed more than once", {"sku": str(item.sku_id)}
                )
            seen.add(item.sku_id)
        return value


class GroupCreate(Body):
    """Graph's group. Only security groups: `groupTypes` must be empty; `mailNickname`
    is accepted and ignored."""

    display_name: Name
    description: LongText | None = None
    mail_enabled: StrictBool = False
    security_enabled: StrictBool = True
    mail_nickname: Name | None = None
    group_types: list[Name] = Field(default_factory=list, max_length=0)


class GroupUpdate(Body):
    display_name: Annotated[Name | None, NotNull] = None
    description: LongText | None = None


class MemberRef(BaseModel):
    """`{"@odata.id": "https://…/v1.0/directoryObjects/{id}"}`."""

    model_config = ConfigDict(extra="forbid")
    odata_id: Annotated[str, StringConstraints(max_length=2048)] = Field(alias="@odata.id")
