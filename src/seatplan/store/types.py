"""Column types shared by the tables: UTC datetimes, sets of plan ids, assigning groups."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, DateTime, Dialect, Text, Uuid, literal
from sqlalchemy.sql import operators
from sqlalchemy.sql.operators import OperatorType
from sqlalchemy.types import TypeDecorator

NIL = UUID(int=0)
"""What `AssigningGroup` stores for a direct assignment (raw SQL only: Python sees None)."""


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


class AssigningGroup(TypeDecorator[UUID]):
    """The group a license assignment comes from, or None for a direct assignment.

    The column is part of a primary key, which cannot hold NULL, so None is stored as the
    NIL UUID; Python never sees NIL. `column == None` and `column.is_(None)` mean "direct"
    (NIL), not SQL's IS NULL. The ORM can read and insert such rows but refuses to update
    or delete a direct one by its identity (None in a primary key): write them with
    statements, as `services.assignment_rows` does.
    """

    impl = Uuid()
    cache_ok = True
    #: The ORM passes None through the converter instead of leaving the column out.
    should_evaluate_none = True

    class comparator_factory(TypeDecorator.Comparator[UUID]):  # noqa: N801 - SQLAlchemy's name
        def operate(self, op: OperatorType, *other: Any, **kwargs: Any) -> ColumnElement[Any]:
            if other and other[0] is None and op in _NULL_TESTS:
                # Bound through this type, None becomes NIL.
                other = (literal(None, self.type),)
                op = _NULL_TESTS[op]
            return super().operate(op, *other, **kwargs)

    def process_bind_param(self, value: UUID | None, dialect: Dialect) -> UUID:
        return NIL if value is None else value

    def process_result_value(self, value: UUID | None, dialect: Dialect) -> UUID | None:
        return None if value is None or value == NIL else value


_NULL_TESTS: dict[OperatorType, OperatorType] = {
    operators.eq: operators.eq,
    operators.is_: operators.eq,
    operators.ne: operators.ne,
    operators.is_not: operators.ne,
}
