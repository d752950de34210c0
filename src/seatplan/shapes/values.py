"""JSON values as Graph writes them: GUIDs and UTC datetimes as strings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import ConfigDict, WithJsonSchema

#: Every shape (`@with_config(EXACT)`): documented with no other property, and the admin
#: API's answers are checked to have none.
EXACT = ConfigDict(extra="forbid")
#: A GUID, written as Python writes a UUID (lower case, with hyphens).
Guid = Annotated[str, WithJsonSchema({"type": "string", "format": "uuid"})]
#: Graph's DateTimeOffset: ISO 8601 in UTC, with a Z.
DateTime = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]


def when(value: datetime) -> DateTime:
    """Graph's datetime: UTC (every stored datetime is), ISO 8601 with a Z."""
    return value.isoformat().replace("+00:00", "Z")


def maybe_when(value: datetime | None) -> DateTime | None:
    return None if value is None else when(value)


def guid(value: UUID) -> Guid:
    return str(value)


def guids(values: Iterable[UUID]) -> list[Guid]:
    return sorted(str(value) for value in values)
