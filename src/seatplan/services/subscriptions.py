"""Subscriptions: what the organization bought, and the seat counters they feed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from seatplan.services import audit, catalog, events, queue
from seatplan.services import organization as org_service
from seatplan.services.errors import BadRequest, NotFound
from seatplan.store.tables import Product, SkuUsage, Subscription


@dataclass(frozen=True, slots=True)
class SkuSummary:
    sku_id: UUID
    sku_part_number: str
    display_name: str
    enabled_units: int
    consumed_units: int

    @property
    def available(self) -> int:
        """Negative when a subscription was lowered below the seats in use."""
        return self.enabled_units - self.consumed_units

    @property
    def over_assigned(self) -> int:
        """Seats in use beyond those bought (they keep working; new assignments fail)."""
        return max(0, -self.available)


def summaries(session: Session) -> list[SkuSummary]:
    """Every SKU the organization has a subscription for."""
    rows = session.execute(
        select(
            Product.sku_id,
            Product.sku_part_number,
            Product.display_name,
            SkuUsage.enabled_units,
            SkuUsage.consumed_units,
        )
        .join(SkuUsage, SkuUsage.sku_id == Product.sku_id)
        .order_by(Product.sku_part_number)
    )
    return [SkuSummary(*row) for row in rows]


def list_subscriptions(session: Session) -> list[Subscription]:
    return list(session.scalars(select(Subscription).order_by(Subscription.created)))


def set_units(
    session: Session, *, sku: str | UUID, units: int, subscription_id: UUID | None = None
) -> Subscription:
    """Set the enabled units of a SKU's subscription, creating it when there is none.

    Lowering units never revokes a working license; raising them offers the new seats to
    users waiting for one (when the organization's automatic offer is on).
    """
    if units < 0:
        raise BadRequest(f"Units must be zero or more, not {units}.")
    product = catalog.find_product(session, sku)
    subs = list(session.scalars(select(Subscription).where(Subscription.sku_id == product.sku_id)))
    if subscription_id is not None:
        subs = [s for s in subs if s.id == subscription_id]
        if not subs:
            raise NotFound("Subscription", subscription_id)
    if len(subs) > 1:
        raise BadRequest(
            f"{product.sku_part_number} has {len(subs)} subscriptions: name one by its id."
        )
    sub = subs[0] if subs else Subscription(sku_id=product.sku_id, enabled_units=0)
    old = sub.enabled_units if subs else None
    sub.enabled_units = units
    return _saved(session, sub, product.sku_part_number, old)


def _saved(session: Session, sub: Subscription, part: str, old: int | None) -> Subscription:
    """Write a subscription, bring its SKU's counters in line, and audit the change."""
    session.add(sub)
    session.flush()
    _refresh_usage(session, sub.sku_id)
    events.subscription_changed(
        session, subscription_id=sub.id, sku_id=sub.sku_id, before=old, after=sub.enabled_units
    )
    audit.record(
        session,
        activity=audit.Activity.UPDATE_SUBSCRIPTION,
        category="Subscription",
        targets=[audit.target("Subscription", sub.id, part)],
        modified=[audit.changed("EnabledUnits", old, sub.enabled_units)],
    )
    return sub


def _refresh_usage(session: Session, sku_id: UUID) -> None:
    total = (
        session.scalar(
            select(func.coalesce(func.sum(Subscription.enabled_units), 0)).where(
                Subscription.sku_id == sku_id
            )
        )
        or 0
    )
    usage = lock_usage(session, [sku_id]).get(sku_id)
    if usage is None:
        usage = SkuUsage(sku_id=sku_id, enabled_units=0, consumed_units=0)
        session.add(usage)
    before = usage.enabled_units
    usage.enabled_units = total
    session.flush()
    consumed = usage.consumed_units
    events.seats_changed(session, {sku_id: (before - consumed, total - consumed)})
    if (before == 0) != (total == 0):
        # The SKU became Disabled, or came back: every holder's state changes.
        queue.enqueue_holders_of_sku(session, sku_id)
    elif total > before and org_service.get(session).auto_offer_seats:
        queue.enqueue_waiting_for_seats(session, sku_id, total - usage.consumed_units)


def seat_counters(
    session: Session, sku_ids: list[UUID], *, lock: bool
) -> dict[UUID, tuple[int, int]]:
    """(enabled, consumed) units per SKU; with `lock`, row-locked in SKU order."""
    if not sku_ids:
        return {}
    query = (
        select(SkuUsage.sku_id, SkuUsage.enabled_units, SkuUsage.consumed_units)
        .where(SkuUsage.sku_id.in_(sorted(set(sku_ids))))
        .order_by(SkuUsage.sku_id)
    )
    if lock:
        query = query.with_for_update()
    return {sku: (enabled, consumed) for sku, enabled, consumed in session.execute(query)}


def lock_usage(session: Session, sku_ids: list[UUID]) -> dict[UUID, SkuUsage]:
    """Seat counters of `sku_ids`, row-locked in a fixed order (no deadlock between writers)."""
    if not sku_ids:
        return {}
    rows = session.scalars(
        select(SkuUsage)
        .where(SkuUsage.sku_id.in_(sorted(set(sku_ids))))
        .order_by(SkuUsage.sku_id)
        .with_for_update()
    )
    return {row.sku_id: row for row in rows}


def adjust_seats(session: Session, changes: Mapping[UUID, int]) -> None:
    """Add `changes` to the SKUs' consumed units (taken > 0, freed < 0), in SKU order.

    The caller holds the counters' row locks (`lock_usage` or `seat_counters(lock=True)`).
    One UPDATE per SKU, which also brings counters this session has loaded up to date.
    """
    available: dict[UUID, tuple[int, int]] = {}
    for sku_id, change in sorted(changes.items()):
        if change:
            left = session.execute(
                update(SkuUsage)
                .where(SkuUsage.sku_id == sku_id)
                .values(consumed_units=SkuUsage.consumed_units + change)
                .returning(SkuUsage.enabled_units - SkuUsage.consumed_units)
            ).scalar_one_or_none()
            if left is not None:
                available[sku_id] = (left + change, left)
    events.seats_changed(session, available)


def offer_freed_seats(session: Session, freed: dict[UUID, int]) -> None:
    """After seats were given back, queue the longest-waiting users for them."""
    if not freed or not org_service.get(session).auto_offer_seats:
        return
    for sku_id, usage in sorted(lock_usage(session, list(freed)).items()):
        queue.enqueue_waiting_for_seats(session, sku_id, usage.enabled_units - usage.consumed_units)


def create(session: Session, *, sku: str | UUID, units: int) -> Subscription:
    """A new subscription of a product (a product may have several)."""
    if units < 0:
        raise BadRequest(f"Units must be zero or more, not {units}.")
    product = catalog.find_product(session, sku)
    sub = Subscription(sku_id=product.sku_id, enabled_units=units)
    return _saved(session, sub, product.sku_part_number, None)


def get(session: Session, subscription_id: UUID) -> Subscription:
    sub = session.get(Subscription, subscription_id)
    if sub is None:
        raise NotFound("Subscription", subscription_id)
    return sub


def delete_subscription(session: Session, *, subscription_id: UUID) -> None:
    """Remove a subscription: its units leave the SKU (licenses in use are never revoked)."""
    sub = get(session, subscription_id)
    sku_id = sub.sku_id
    audit.record(
        session,
        activity=audit.Activity.UPDATE_SUBSCRIPTION,
        category="Subscription",
        targets=[audit.target("Subscription", sub.id, str(sku_id))],
        modified=[audit.changed("EnabledUnits", sub.enabled_units, None)],
    )
    before = sub.enabled_units
    session.delete(sub)
    session.flush()
    _refresh_usage(session, sku_id)
    events.subscription_changed(
        session, subscription_id=subscription_id, sku_id=sku_id, before=before, after=None
    )
