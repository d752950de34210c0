"""The rules between service plans, in the shape the engine evaluates fastest.

A `RuleBook` is built once per catalog version (see `seatplan.catalog.rulebook`) and
shared by every evaluation; what it derives per product configuration is cached.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from uuid import UUID

#: A prerequisite is an OR of ANDs: plan P needs every plan of at least one alternative.
Prerequisites = tuple[frozenset[UUID], ...]


@dataclass(frozen=True, slots=True)
class LocationRule:
    """Where plans may be used. `plans=None` means every plan of the catalog."""

    plans: frozenset[UUID] | None
    prohibited: frozenset[str] = frozenset()
    #: When set, every location outside it is prohibited for these plans.
    allowed: frozenset[str] | None = None

    def prohibits(self, plan_id: UUID, location: str) -> bool:
        if self.plans is not None and plan_id not in self.plans:
            return False
        if location in self.prohibited:
            return True
        return self.allowed is not None and location not in self.allowed


#: Exclusive sets up to this size are spelled out in each product configuration's
#: `exclusive_partners`; a larger set is checked through the set itself, so that memory
#: stays linear in the catalog (a set of n plans would give each of its plans n partners).
SPELLED_OUT_SET_SIZE = 64


@dataclass(frozen=True, slots=True)
class ProductConfig:
    """One product with some of its plans disabled: what a single assignment enables."""

    sku_id: UUID
    disabled_plans: frozenset[UUID]
    enabled_plans: frozenset[UUID]
    #: The plans that may not be enabled beside this configuration on the same user,
    #: through the exclusive sets of at most `SPELLED_OUT_SET_SIZE` plans.
    exclusive_partners: frozenset[UUID]
    #: Each larger exclusive set with the plans of this configuration in it.
    large_sets: tuple[tuple[frozenset[UUID], frozenset[UUID]], ...] = ()

    def excludes(self, others: frozenset[UUID] | set[UUID]) -> bool:
        """True when a plan of `others` shares an exclusive set with a different plan of ours."""
        if not self.exclusive_partners.isdisjoint(others):
            return True
        return bool(self.large_sets) and self.excludes_in_large_sets(others)

    def excludes_in_large_sets(self, others: frozenset[UUID] | set[UUID]) -> bool:
        for members, mine in self.large_sets:
            if members.isdisjoint(others):
                continue
            # Only the very plan we enable, coming from elsewhere too, is no conflict.
            if len(mine) > 1 or not (members & others) <= mine:
                return True
        return False


@dataclass(frozen=True)
class RuleBook:
    """Products, exclusive plan sets, dependencies and location rules of a catalog."""

    sku_plans: Mapping[UUID, frozenset[UUID]]
    exclusive_sets: tuple[frozenset[UUID], ...] = ()
    dependencies: Mapping[UUID, Prerequisites] = field(default_factory=dict)
    location_rules: tuple[LocationRule, ...] = ()
    spelled_out_set_size: int = SPELLED_OUT_SET_SIZE
    _configs: dict[tuple[UUID, frozenset[UUID]], ProductConfig] = field(
        default_factory=dict, repr=False, compare=False
    )
    _prohibited: dict[tuple[frozenset[UUID], str | None], bool] = field(
        default_factory=dict, repr=False, compare=False
    )

    @cached_property
    def sets_of(self) -> Mapping[UUID, tuple[frozenset[UUID], ...]]:
        """Plan → the exclusive sets it belongs to (each set is stored once)."""
        out: dict[UUID, list[frozenset[UUID]]] = {}
        for plans in dict.fromkeys(self.exclusive_sets):
            for plan in plans:
                out.setdefault(plan, []).append(plans)
        return {plan: tuple(sets) for plan, sets in out.items()}

    def partners_among(self, plan: UUID, others: frozenset[UUID] | set[UUID]) -> set[UUID]:
        """The plans of `others`, except `plan` itself, that share an exclusive set with it."""
        found: set[UUID] = set()
        for members in self.sets_of.get(plan, ()):
            found |= members & others  # iterates the smaller of the two
        found.discard(plan)
        return found

    @cached_property
    def dependent_plans(self) -> frozenset[UUID]:
        """Plans that have prerequisites."""
        return frozenset(plan for plan, needs in self.dependencies.items() if needs)

    def config(self, sku_id: UUID, disabled_plans: frozenset[UUID]) -> ProductConfig:
        """The cached configuration of `sku_id` minus `disabled_plans` (a known SKU)."""
        key = (sku_id, disabled_plans)
        found = self._configs.get(key)
        if found is None:
            enabled = self.sku_plans[sku_id] - disabled_plans
            partners: set[UUID] = set()
            large: dict[frozenset[UUID], set[UUID]] = {}
            for plan in enabled:
                for members in self.sets_of.get(plan, ()):
                    if len(members) <= self.spelled_out_set_size:
                        partners.update(members - {plan})
                    else:
                        large.setdefault(members, set()).add(plan)
            found = ProductConfig(
                sku_id,
                disabled_plans,
                enabled,
                frozenset(partners),
                tuple((members, frozenset(mine)) for members, mine in large.items()),
            )
            self._configs[key] = found
        return found

    def prohibited_at(self, plans: frozenset[UUID], location: str | None) -> bool:
        """True when a plan may not be used at `location`, or there is no location at all.

        Without a location nothing may be assigned, even a product whose every plan is
        disabled (docs/behaviour.md: the rule fails when the user has no effective location).
        """
        if location is None:
            return True
        key = (plans, location)
        found = self._prohibited.get(key)
        if found is None:
            found = any(
                rule.prohibits(plan, location) for rule in self.location_rules for plan in plans
            )
            self._prohibited[key] = found
        return found

    def conflict(
        self, plans: frozenset[UUID], others: frozenset[UUID] | set[UUID]
    ) -> tuple[UUID, UUID] | None:
        """A pair (plan of `plans`, different plan of `others`) sharing an exclusive set."""
        for plan in sorted(plans):
            clash = self.partners_among(plan, others)
            if clash:
                return plan, min(clash)
        return None

    def unmet(self, plan: UUID, enabled: frozenset[UUID] | set[UUID]) -> frozenset[UUID] | None:
        """The first alternative of `plan`'s prerequisites when none is met in `enabled`."""
        alternatives = self.dependencies.get(plan)
        if not alternatives:
            return None
        if any(alternative <= enabled for alternative in alternatives):
            return None
        return alternatives[0]
