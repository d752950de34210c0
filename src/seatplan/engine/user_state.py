"""The licenses a user has applied while an evaluation runs."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from uuid import UUID

from seatplan.engine.rules import ProductConfig, RuleBook

Key = tuple[UUID, UUID | None]


class AppliedLicenses:
    """Applied assignments by key; plan sets are unions of cached frozensets.

    Set unions reuse the hashes stored in the sets, so no plan id is hashed again: this
    is what keeps evaluating 100,000 users cheap.
    """

    __slots__ = ("_plans", "configs")

    def __init__(self) -> None:
        self.configs: dict[Key, ProductConfig] = {}
        self._plans: frozenset[UUID] | None = frozenset()

    def add(self, key: Key, config: ProductConfig) -> None:
        replaced = self.configs.get(key)
        self.configs[key] = config
        if replaced is not None or self._plans is None:
            self._plans = None  # recomputed when asked: a replaced row's plans may go
        elif not self._plans:
            self._plans = config.enabled_plans  # frozensets: shared, never changed
        else:
            # One union more, rather than every applied row's again (a user of several
            # groups adds them one by one).
            self._plans = self._plans | config.enabled_plans

    def remove(self, key: Key) -> ProductConfig:
        self._plans = None
        return self.configs.pop(key)

    def skus(self) -> set[UUID]:
        return {config.sku_id for config in self.configs.values()}

    def plans(self) -> frozenset[UUID]:
        if self._plans is None:
            self._plans = _union(self.configs.values())
        return self._plans

    def plans_without(self, keys: Collection[Key]) -> frozenset[UUID]:
        """The enabled plans once the applied assignments `keys` are taken away."""
        if not keys:
            return self.plans()
        skipped = set(keys)
        return _union(c for k, c in self.configs.items() if k not in skipped)

    def breaks_dependency(
        self, rules: RuleBook, before: frozenset[UUID], after: frozenset[UUID]
    ) -> tuple[UUID, frozenset[UUID]] | None:
        """A plan of `after` whose prerequisites `before` met and `after` no longer does."""
        for plan in sorted(rules.dependent_plans & after):
            missing = rules.unmet(plan, after)
            if missing is not None and rules.unmet(plan, before) is None:
                return plan, missing
        return None


def _union(configs: Iterable[ProductConfig]) -> frozenset[UUID]:
    return frozenset().union(*(config.enabled_plans for config in configs))
