"""What the report modules share: source names, applied states, catalog names."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from seatplan.catalog import Catalog
from seatplan.engine import State

DIRECT = "Direct"
#: The name shown for a source group that was deleted (its license may be kept, in error).
DELETED = "(deleted group)"
APPLIED = (State.ACTIVE.value, State.ACTIVE_WITH_ERROR.value)


@dataclass(frozen=True, slots=True)
class GroupRef:
    id: UUID
    display_name: str


def plan_names(catalog: Catalog, plan_ids: frozenset[UUID] | tuple[UUID, ...]) -> tuple[str, ...]:
    return tuple(sorted(p.name if (p := catalog.plan(i)) else str(i) for i in plan_ids))


def plan_labels(catalog: Catalog, plan_ids: frozenset[UUID] | tuple[UUID, ...]) -> tuple[str, ...]:
    """The plans' friendly names (a code name when a plan has none), sorted as read."""
    labels = ((p.friendly_name or p.name) if (p := catalog.plan(i)) else str(i) for i in plan_ids)
    return tuple(sorted(labels, key=str.casefold))


def part_number(catalog: Catalog, sku_id: UUID) -> str:
    product = catalog.product(sku_id)
    return product.sku_part_number if product else str(sku_id)
