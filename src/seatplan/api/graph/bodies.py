"""Request bodies of the Graph routes: camelCase, unknown properties refused (400)."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, TypeVar
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    field_validator,
    model_validator,
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


#: Strings of Graph's per-property limits.
Text16 = Annotated[str, StringConstraints(max_length=16), AfterValidator(_printable)]
Text40 = Annotated[str, StringConstraints(max_length=40), AfterValidator(_printable)]
Text64 = Annotated[str, StringConstraints(max_length=64), AfterValidator(_printable)]
Text128 = Annotated[str, StringConstraints(max_length=128), AfterValidator(_printable)]
Text1024 = Annotated[str, StringConstraints(max_length=1024), AfterValidator(_printable)]


def _one_phone(value: list[str] | None) -> list[str] | None:
    if value is not None and len(value) > 1:
        raise PydanticCustomError("one_phone", "only one number can be set")
    return value


#: Graph's `onPremisesExtensionAttributes`: the attributes sent are set (null clears one).
class ExtensionAttributes(BaseModel):
    model_config = ConfigDict(extra="forbid")
    extensionAttribute1: Text1024 | None = None  # noqa: N815 - Graph's names
    extensionAttribute2: Text1024 | None = None  # noqa: N815
    extensionAttribute3: Text1024 | None = None  # noqa: N815
    extensionAttribute4: Text1024 | None = None  # noqa: N815
    extensionAttribute5: Text1024 | None = None  # noqa: N815
    extensionAttribute6: Text1024 | None = None  # noqa: N815
    extensionAttribute7: Text1024 | None = None  # noqa: N815
    extensionAttribute8: Text1024 | None = None  # noqa: N815
    extensionAttribute9: Text1024 | None = None  # noqa: N815
    extensionAttribute10: Text1024 | None = None  # noqa: N815
    extensionAttribute11: Text1024 | None = None  # noqa: N815
    extensionAttribute12: Text1024 | None = None  # noqa: N815
    extensionAttribute13: Text1024 | None = None  # noqa: N815
    extensionAttribute14: Text1024 | None = None  # noqa: N815
    extensionAttribute15: Text1024 | None = None  # noqa: N815
    odata_type: Annotated[str, StringConstraints(max_length=128)] | None = Field(
        default=None, alias="@odata.type"
    )

    def sent(self) -> dict[str, str | None]:
        return {n: getattr(self, n) for n in self.model_fields_set if n != "odata_type"}


class UserProperties(Body):
    """Graph's standard user properties that a client may write (create and update).

    Graph's read-only ones are refused by name: see `READ_ONLY`.
    """

    given_name: Text64 | None = None
    surname: Text64 | None = None
    mail: Name | None = None
    mail_nickname: Text64 | None = None
    other_mails: Annotated[list[Name], Field(max_length=50)] | None = None
    business_phones: Annotated[list[Text64] | None, AfterValidator(_one_phone)] = None
    mobile_phone: Text64 | None = None
    company_name: Text64 | None = None
    office_location: Text128 | None = None
    city: Text128 | None = None
    state: Text128 | None = None
    country: Text128 | None = None
    postal_code: Text40 | None = None
    street_address: Text1024 | None = None
    employee_id: Text16 | None = None
    employee_type: Text64 | None = None
    user_type: Text16 | None = None
    preferred_language: Text64 | None = None
    on_premises_extension_attributes: ExtensionAttributes | None = None
    on_premises_immutable_id: Name | None = None

    #: Graph's user properties no client writes: named in the 400 rather than "unknown".
    READ_ONLY: ClassVar[frozenset[str]] = frozenset(
        {
            "id",
            "createdDateTime",
            "proxyAddresses",
            "onPremisesSyncEnabled",
            "signInActivity",
            "assignedLicenses",
            "licenseAssignmentStates",
        }
    )

    @model_validator(mode="before")
    @classmethod
    def _not_read_only(cls, data: Any) -> Any:
        return refuse_read_only(data, cls.READ_ONLY)

    def standard(self) -> dict[str, Any]:
        """The standard properties sent (by attribute name), extension attributes merged."""
        sent = {n: getattr(self, n) for n in self.model_fields_set & _STANDARD_USER}
        if "on_premises_extension_attributes" in sent:
            attributes = sent.pop("on_premises_extension_attributes")
            sent["extension_attributes"] = None if attributes is None else attributes.sent()
        return sent


def refuse_read_only(data: Any, read_only: frozenset[str]) -> Any:
    if isinstance(data, dict):
        for name in data:
            if name in read_only:
                raise PydanticCustomError(
                    "read_only",
                    "Property '{name}' is read-only and cannot be set.",
                    {"name": name},
                )
    return data


class UserCreate(UserProperties):
    """Graph's user. `passwordProfile` is accepted and ignored: Seatplan holds no passwords."""

    user_principal_name: Name
    display_name: Name
    account_enabled: StrictBool = True
    usage_location: Name | None = None
    department: Name | None = None
    job_title: Name | None = None
    password_profile: dict[str, Any] | None = None


class UserUpdate(UserProperties):
    display_name: Annotated[Name | None, NotNull] = None
    account_enabled: Annotated[StrictBool | None, NotNull] = None
    usage_location: Name | None = None
    department: Name | None = None
    job_title: Name | None = None

    def changes(self) -> dict[str, Any]:
        """The properties sent other than the standard ones (see `standard`)."""
        return {n: v for n, v in super().changes().items() if n not in _STANDARD_USER}


_STANDARD_USER = frozenset(UserProperties.model_fields) - {"odata_type"}


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


#: Graph's group visibility values.
Visibility = Literal["Private", "Public", "HiddenMembership"]
#: The groupTypes Seatplan creates: Microsoft 365 groups and dynamic groups.
GroupType = Literal["Unified", "DynamicMembership"]
#: A dynamic group's rule (Entra's limit is 3,072 characters) and its processing state.
RuleText = Annotated[str, StringConstraints(max_length=3072), AfterValidator(_printable)]
RuleState = Literal["On", "Paused"]


class GroupCreate(Body):
    """Graph's group: a security group (`groupTypes` empty, not mail-enabled) or a
    Microsoft 365 group (`groupTypes` ["Unified"], mail-enabled), as Graph creates."""

    display_name: Name
    description: LongText | None = None
    mail_enabled: StrictBool = False
    security_enabled: StrictBool = True
    mail_nickname: Text64 | None = None
    group_types: list[GroupType] = Field(default_factory=list, max_length=2)
    visibility: Visibility | None = None
    membership_rule: RuleText | None = None
    membership_rule_processing_state: RuleState | None = None

    READ_ONLY: ClassVar[frozenset[str]] = frozenset(
        {"id", "createdDateTime", "mail", "assignedLicenses", "licenseProcessingState"}
    )

    @model_validator(mode="before")
    @classmethod
    def _not_read_only(cls, data: Any) -> Any:
        return refuse_read_only(data, cls.READ_ONLY)

    @model_validator(mode="after")
    def _graphs_kinds(self) -> GroupCreate:
        unified = "Unified" in self.group_types
        if self.mail_enabled and not unified:
            # Graph's own answer: it creates no mail-enabled security or distribution group.
            raise PydanticCustomError(
                "mail_enabled",
                "The service does not currently support writes of mail-enabled groups. Please "
                "ensure that the mail-enablement property is unset or is set to false.",
            )
        if unified and not self.mail_enabled:
            raise PydanticCustomError(
                "unified", "A group with groupTypes ['Unified'] must be mailEnabled."
            )
        if len(set(self.group_types)) != len(self.group_types):
            raise PydanticCustomError("group_types", "groupTypes lists a value more than once.")
        return self


class GroupUpdate(Body):
    display_name: Annotated[Name | None, NotNull] = None
    description: LongText | None = None
    mail_nickname: Annotated[Text64 | None, NotNull] = None
    visibility: Visibility | None = None
    #: Only DynamicMembership may come or go (a group's other types are fixed).
    group_types: Annotated[list[GroupType] | None, NotNull] = Field(default=None, max_length=2)
    membership_rule: RuleText | None = None
    membership_rule_processing_state: Annotated[RuleState | None, NotNull] = None

    READ_ONLY: ClassVar[frozenset[str]] = GroupCreate.READ_ONLY | {"mailEnabled"}

    @model_validator(mode="before")
    @classmethod
    def _not_read_only(cls, data: Any) -> Any:
        return refuse_read_only(data, cls.READ_ONLY)


class MemberRef(BaseModel):
    """`{"@odata.id": "https://…/v1.0/directoryObjects/{id}"}`."""

    model_config = ConfigDict(extra="forbid")
    odata_id: Annotated[str, StringConstraints(max_length=2048)] = Field(alias="@odata.id")
