"""The shape of a custom catalog file (docs/catalog.md), as Pydantic models.

Validated with a `FileScope` as context: plan references resolve to ids while the file is
read, and Pydantic collects every problem with its path. `custom_file` turns the errors
into the documented one-line messages.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar, TypeVar
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StrictStr,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)

from seatplan.catalog.file_limits import (
    MAX_ITEMS,
    MAX_LABEL,
    MAX_NAME,
    MAX_NOTE,
    MAX_TABLES,
    control_character,
    shown,
)
from seatplan.catalog.file_scope import (
    GUID,
    Located,
    join,
    kind,
    problem,
    problems_at,
    scope_of,
    with_problem,
)
from seatplan.engine.countries import is_country_code

FORMAT_VERSION = 1


def _version(value: object) -> object:
    if value != FORMAT_VERSION or isinstance(value, bool):
        raise problem(f"unsupported version {shown(value)} (expected {FORMAT_VERSION})")
    return value


def _plan_ref(value: object, info: ValidationInfo) -> UUID:
    return scope_of(info).plan(value)


def _plan_array(at_least: int, what: str) -> WrapValidator:
    """An array of at least `at_least` plan references; a short one still has its plans
    checked, so that every problem is reported at once."""

    def check(value: object, handler: ValidatorFunctionWrapHandler) -> Any:
        if not isinstance(value, list):
            raise problem(f"expected an array of plan names or ids, got {kind(value)}")
        if len(value) > MAX_ITEMS:
            raise problem(f"at most {MAX_ITEMS} plans, not {len(value)}")
        count = "one plan" if at_least == 1 else f"{at_least} plans"
        message = f"{what} needs at least {count}" if len(value) < at_least else None
        try:
            plans = handler(value)
        except ValidationError as error:
            if message is None:
                raise
            raise with_problem(error, message, value, first=True) from None
        if message is not None:
            raise problem(message)
        return plans

    return WrapValidator(check)


def _repeats(plans: list[UUID], where: str) -> list[Located]:
    """A plan may appear once in a list: each repeat names the plan's first place."""
    first: dict[UUID, int] = {}
    found: list[Located] = []
    for index, plan in enumerate(plans):
        if first.setdefault(plan, index) != index:
            found.append(((index,), f"same plan as {join(where, first[plan])}", plan))
    return found


def _distinct(plans: list[UUID] | None, info: ValidationInfo) -> list[UUID] | None:
    repeated = _repeats(plans or [], scope_of(info).path(info.field_name or ""))
    if repeated:
        raise problems_at(repeated)
    return plans


def _unique(namespace: str, label: Callable[[Any], str], casefold: bool = False) -> Any:
    """The key must be used once in the file; the repeat names the first use."""

    def check(value: Any, info: ValidationInfo) -> Any:
        key = value.casefold() if casefold else str(value)
        scope_of(info).unique(namespace, key, label(value), info.field_name or "")
        return value

    return AfterValidator(check)


def _alternatives(value: object) -> object:
    if not isinstance(value, list) or not value:
        raise problem('expected an array of arrays of plans, like [["A"], ["B", "C"]]')
    if len(value) > MAX_ITEMS:
        raise problem(f"at most {MAX_ITEMS} alternatives, not {len(value)}")
    return value


def _every_plan(value: object, handler: ValidatorFunctionWrapHandler) -> Any:
    """`"*"` is every plan of the catalog (None); otherwise an array of plans."""
    return None if value == "*" else handler(value)


def _countries(value: object) -> object:
    if not isinstance(value, list) or not value:
        raise problem('expected a non-empty array of country codes, like ["US", "CA"]')
    if len(value) > MAX_ITEMS:
        raise problem(f"at most {MAX_ITEMS} country codes, not {len(value)}")
    return value


def _country(code: str) -> str:
    if is_country_code(code):
        return code
    fixed = code.strip().upper()
    hint = f" (write {fixed!r})" if is_country_code(fixed) else ""
    raise problem(f"{shown(code)} is not an ISO 3166-1 alpha-2 code{hint}")


def _printable(value: str) -> str:
    found = control_character(value)
    if found is not None:
        raise problem(f"must not contain control characters (found {found})")
    return value


def _text(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


Name = Annotated[StrictStr, _text(MAX_NAME), AfterValidator(_printable)]
Label = Annotated[StrictStr, _text(MAX_LABEL), AfterValidator(_printable)]
Note = Annotated[StrictStr, _text(MAX_NOTE), AfterValidator(_printable)]
_GUID_TEXT: TypeAdapter[str] = TypeAdapter(
    Annotated[
        StrictStr,
        StringConstraints(strip_whitespace=True, min_length=1, pattern=f"^{GUID.pattern}$"),
    ]
)
Guid = Annotated[UUID, PlainValidator(lambda value: UUID(_GUID_TEXT.validate_python(value)))]
PlanRef = Annotated[UUID, PlainValidator(_plan_ref)]
Countries = Annotated[
    list[Annotated[StrictStr, AfterValidator(_country)]], BeforeValidator(_countries)
]


class Table(BaseModel):
    """One table of a `[[section]]`: unknown keys are problems, values are never coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    section: ClassVar[str]

    @model_validator(mode="wrap")
    @classmethod
    def _located(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        scope_of(info).enter(cls.section)  # so that a clash can name where a key was first used
        return handler(data)


class PlanTable(Table):
    section: ClassVar[str] = "plans"
    id: Annotated[Guid, _unique("plan id", lambda v: f"id {v}")]
    name: Annotated[Name, _unique("plan name", repr, casefold=True)]
    friendly_name: Label | None = None

    @model_validator(mode="after")
    def _declared(self, info: ValidationInfo) -> PlanTable:
        scope_of(info).declare_plan(self.id, self.name)
        return self


class ProductTable(Table):
    section: ClassVar[str] = "products"
    sku_id: Annotated[Guid, _unique("sku id", lambda v: f"skuId {v}")]
    sku_part_number: Annotated[Name, _unique("sku part", repr, casefold=True)]
    display_name: Label
    plans: Annotated[list[PlanRef], _plan_array(1, "a product"), AfterValidator(_distinct)]

    @model_validator(mode="after")
    def _declared(self, info: ValidationInfo) -> ProductTable:
        scope_of(info).declare_product(self.sku_id, self.sku_part_number)
        return self


class ExclusiveSetTable(Table):
    section: ClassVar[str] = "exclusive_sets"
    name: Annotated[Name, _unique("set", repr)]
    plans: Annotated[
        list[PlanRef],
        _plan_array(2, "an exclusive set"),
        AfterValidator(_distinct),
    ]


def _not_itself(alternatives: list[list[UUID]], info: ValidationInfo) -> list[list[UUID]]:
    """Each alternative lists a plan once, and never the plan that depends on it."""
    where = scope_of(info).path("requires_any_of")
    plan = info.data.get("plan")
    found: list[Located] = []
    for index, plans in enumerate(alternatives):
        found += [((index, *loc), m, v) for loc, m, v in _repeats(plans, join(where, index))]
        if plan in plans:
            found.append(((index, plans.index(plan)), "a plan cannot depend on itself", plan))
    if found:
        raise problems_at(found)
    return alternatives


class DependencyTable(Table):
    section: ClassVar[str] = "dependencies"
    plan: Annotated[PlanRef, _unique("dependency", lambda _: "this plan")]
    requires_any_of: Annotated[
        list[Annotated[list[PlanRef], _plan_array(1, "an alternative")]],
        BeforeValidator(_alternatives),
        AfterValidator(_not_itself),
    ]


class LocationRestrictionTable(Table):
    section: ClassVar[str] = "location_restrictions"
    plans: Annotated[
        list[PlanRef] | None,
        _plan_array(1, 'a restriction (or "*")'),
        WrapValidator(_every_plan),  # the last wrap runs first
        AfterValidator(_distinct),
    ]
    prohibited: Countries | None = None
    allowed: Countries | None = None
    note: Note | None = None

    @model_validator(mode="wrap")
    @classmethod
    def _one_kind(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """Prohibited or allowed, not both: reported beside the problems of the keys."""
        message = None
        if isinstance(data, dict):
            given = ("prohibited" in data) + ("allowed" in data)
            if given == 2:
                message = "use either prohibited or allowed, not both"
            elif given == 0:
                message = "needs prohibited or allowed locations"
        try:
            table = handler(data)
        except ValidationError as error:
            if message is None:
                raise
            raise with_problem(error, message, data) from None
        if message is not None:
            raise problem(message)
        return table


_T = TypeVar("_T")
Tables = Annotated[list[_T], Field(max_length=MAX_TABLES)]


class CatalogDocument(BaseModel):
    """A whole file. Plans come first: the other sections refer to them."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    version: Annotated[int, BeforeValidator(_version)] = FORMAT_VERSION
    plans: Tables[PlanTable] = []
    products: Tables[ProductTable] = []
    exclusive_sets: Tables[ExclusiveSetTable] = []
    dependencies: Tables[DependencyTable] = []
    location_restrictions: Tables[LocationRestrictionTable] = []


#: The model of each section's tables, to suggest a known key for an unknown one.
TABLES: dict[str, type[Table]] = {
    table.section: table
    for table in (
        PlanTable,
        ProductTable,
        ExclusiveSetTable,
        DependencyTable,
        LocationRestrictionTable,
    )
}
