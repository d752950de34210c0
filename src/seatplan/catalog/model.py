"""The catalog: service plans, products and the rules between plans, as immutable values."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar
from uuid import UUID


@dataclass(frozen=True, slots=True)
class ServicePlan:
    """The unit of service a user gets (Graph's `servicePlanInfo`)."""

    id: UUID
    name: str
    friendly_name: str


@dataclass(frozen=True, slots=True)
class Product:
    """A sellable bundle of service plans (a SKU)."""

    sku_id: UUID
    sku_part_number: str
    display_name: str
    plan_ids: tuple[UUID, ...]


@dataclass(frozen=True, slots=True)
class ExclusiveSet:
    """At most one plan of the set may be enabled for one user."""

    name: str
    plan_ids: frozenset[UUID]


@dataclass(frozen=True, slots=True)
class Dependency:
    """`plan_id` needs, on the same user, every plan of at least one alternative."""

    plan_id: UUID
    requires_any_of: tuple[frozenset[UUID], ...]


@dataclass(frozen=True, slots=True)
class LocationRestriction:
    """Where plans may be used; `plan_ids=None` means every plan of the catalog."""

    plan_ids: frozenset[UUID] | None
    prohibited: frozenset[str]
    #: When set, every location outside it is prohibited for these plans.
    allowed: frozenset[str] | None
    note: str = ""


class AmbiguousPlanNameError(LookupError):
    """Several plans share a name (Microsoft's list has one such name): use the id."""


_T = TypeVar("_T")


def _merge(
    mine: Iterable[_T], theirs: Iterable[_T], key: Callable[[_T], Hashable]
) -> tuple[_T, ...]:
    # Replacements keep their place, so a merged catalog lists items in a stable order.
    merged = {key(item): item for item in mine}
    merged.update((key(item), item) for item in theirs)
    return tuple(merged.values())


def _as_uuid(key: UUID | str) -> UUID | None:
    if isinstance(key, UUID):
        return key
    try:
        return UUID(key)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Catalog:
    """Everything the licensing rules need to know about products and plans."""

    plans: tuple[ServicePlan, ...] = ()
    products: tuple[Product, ...] = ()
    exclusive_sets: tuple[ExclusiveSet, ...] = ()
    dependencies: tuple[Dependency, ...] = ()
    location_restrictions: tuple[LocationRestriction, ...] = ()
    # Indexes, built once: lookups are frequent and the catalog never changes.
    _plan_by_id: dict[UUID, ServicePlan] = field(init=False, repr=False, compare=False)
    _plans_by_name: dict[str, tuple[ServicePlan, ...]] = field(
        init=False, repr=False, compare=False
    )
    _product_by_id: dict[UUID, Product] = field(init=False, repr=False, compare=False)
    _product_by_part: dict[str, Product] = field(init=False, repr=False, compare=False)
    _dependency_by_plan: dict[UUID, Dependency] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_name: dict[str, tuple[ServicePlan, ...]] = {}
        for plan in self.plans:
            key = plan.name.casefold()
            by_name[key] = (*by_name.get(key, ()), plan)
        set_ = object.__setattr__  # frozen: the indexes are set once, here
        set_(self, "_plan_by_id", {plan.id: plan for plan in self.plans})
        set_(self, "_plans_by_name", by_name)
        set_(self, "_product_by_id", {p.sku_id: p for p in self.products})
        set_(self, "_product_by_part", {p.sku_part_number.casefold(): p for p in self.products})
        set_(self, "_dependency_by_plan", {d.plan_id: d for d in self.dependencies})

    def plan(self, key: UUID | str) -> ServicePlan | None:
        """The plan with this id, or this name (case-insensitive); None when unknown.

        Raises `AmbiguousPlanNameError` when several plans bear the name.
        """
        plan_id = _as_uuid(key)
        if plan_id is not None:
            return self._plan_by_id.get(plan_id)
        assert isinstance(key, str)
        found = self.plans_named(key)
        if len(found) > 1:
            ids = ", ".join(sorted(str(plan.id) for plan in found))
            raise AmbiguousPlanNameError(f"{len(found)} plans are named {key!r}: {ids}")
        return found[0] if found else None

    def plans_named(self, name: str) -> tuple[ServicePlan, ...]:
        """Every plan bearing `name` (case-insensitive)."""
        return self._plans_by_name.get(name.casefold(), ())

    def product(self, key: UUID | str) -> Product | None:
        """The product with this skuId, or this skuPartNumber (case-insensitive)."""
        sku_id = _as_uuid(key)
        if sku_id is not None:
            return self._product_by_id.get(sku_id)
        assert isinstance(key, str)
        return self._product_by_part.get(key.casefold())

    def dependency(self, plan_id: UUID) -> Dependency | None:
        """The prerequisites of `plan_id`, if it has any."""
        return self._dependency_by_plan.get(plan_id)

    def exclusive_set(self, name: str) -> ExclusiveSet | None:
        """The exclusive set named `name` (exact match)."""
        return next((s for s in self.exclusive_sets if s.name == name), None)

    def merged_with(self, other: Catalog) -> Catalog:
        """This catalog with `other`'s items added, replacing ours with the same key.

        Plans are keyed by id, products by skuId, exclusive sets by name, dependencies by
        plan id. Location restrictions have no key: `other`'s are appended.
        """
        restrictions = list(self.location_restrictions)
        restrictions += [r for r in other.location_restrictions if r not in restrictions]
        return Catalog(
            plans=_merge(self.plans, other.plans, lambda p: p.id),
            products=_merge(self.products, other.products, lambda p: p.sku_id),
            exclusive_sets=_merge(self.exclusive_sets, other.exclusive_sets, lambda s: s.name),
            dependencies=_merge(self.dependencies, other.dependencies, lambda d: d.plan_id),
            location_restrictions=tuple(restrictions),
        )
