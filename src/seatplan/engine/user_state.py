"""The licenses a user has applied while an evaluation runs, with fast set lookups."""

from __future__ import annotations

from uuid import UUID

from seatplan.engine.rules import ProductConfig, RuleBook

Key = tuple[UUID, UUID | None]


class AppliedLicenses:
    """Applied assignments by key, with plan and SKU counts kept in step."""

    __slots__ = ("_plan_count", "_sku_count", "configs")

    def __init__(self) -> None:
        self.configs: dict[Key, ProductConfig] = {}
        self._plan_count: dict[UUID, int] = {}
        self._sku_count: dict[UUID, int] = {}

    def add(self, key: Key, config: ProductConfig) -> None:
        if key in self.configs:
            self.remove(key)
        self.configs[key] = config
        counts = self._plan_count
        for plan in config.enabled_plans:
            counts[plan] = counts.get(plan, 0) + 1
        self._sku_count[config.sku_id] = self._sku_count.get(config.sku_id, 0) + 1

    def remove(self, key: Key) -> ProductConfig:
        config = self.configs.pop(key)
        counts = self._plan_count
        for plan in config.enabled_plans:
            left = counts[plan] - 1
            if left:
                counts[plan] = left
            else:
                del counts[plan]
        left = self._sku_count[config.sku_id] - 1
        if left:
            self._sku_count[config.sku_id] = left
        else:
            del self._sku_count[config.sku_id]
        return config

    def skus(self) -> set[UUID]:
        return set(self._sku_count)

    def plans(self) -> set[UUID]:
        return set(self._plan_count)

    def plans_without(self, configs: list[ProductConfig]) -> set[UUID]:
        """The enabled plans once `configs` (applied ones) are taken away."""
        if not configs:
            return self.plans()
        counts = dict(self._plan_count)
        for config in configs:
            for plan in config.enabled_plans:
                counts[plan] -= 1
        return {plan for plan, count in counts.items() if count > 0}

    def breaks_dependency(
        self, rules: RuleBook, before: set[UUID], after: set[UUID]
    ) -> tuple[UUID, frozenset[UUID]] | None:
        """A plan of `after` whose prerequisites `before` met and `after` no longer does."""
        for plan in sorted(rules.dependent_plans & after):
            missing = rules.unmet(plan, after)
            if missing is not None and rules.unmet(plan, before) is None:
                return plan, missing
        return None
