"""Column types shared by the tables: UTC datetimes and sets of plan ids."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import DateTime, Dialect, Text
from sqlalchemy.types import TypeDecorator

NIL = UUID(int=0)
"""The source id of a direct assignment: a primary key column cannot hold NULL."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every database (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def encode_plans(plans: frozenset[UUID]) -> str:
    """Sorted, comma-separated ids: cheap to compare and to write in bulk."""
    return ",".join(sorted(str(plan) for plan in plans))


def decode_plans(text: str | None) -> frozenset[UUID]:
    if not text:
        return frozenset()
    return frozenset(UUID(part) for part in text.split(","))


class PlanSet(TypeDecorator[frozenset[UUID]]):
    """A set of service plan ids stored as text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: frozenset[UUID] | None, dialect: Dialect) -> str | None:
        return None if value is None else encode_plans(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> frozenset[UUID] | None:
        return None if value is None else decode_plans(value)
