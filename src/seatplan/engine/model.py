"""What the engine reads and writes: plain, immutable values with no I/O behind them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


class State(StrEnum):
    """Graph's `licenseAssignmentState.state`."""

    ACTIVE = "Active"
    ACTIVE_WITH_ERROR = "ActiveWithError"
    ERROR = "Error"
    DISABLED = "Disabled"

    @property
    def applied(self) -> bool:
        """The user really has the plans of an assignment in this state."""
        return self in (State.ACTIVE, State.ACTIVE_WITH_ERROR)


class ErrorKind(StrEnum):
    """Graph's `licenseAssignmentState.error` (besides its `None`)."""

    COUNT = "CountViolation"
    MUTUALLY_EXCLUSIVE = "MutuallyExclusiveViolation"
    PROHIBITED_LOCATION = "ProhibitedInUsageLocationViolation"
    DEPENDENCY = "DependencyViolation"
    OTHER = "Other"


@dataclass(frozen=True, slots=True)
class Intent:
    """Something that wants the user to hold a product: a direct license or a group's."""

    sku_id: UUID
    #: The group that assigns it; None for a direct assignment.
    group_id: UUID | None
    disabled_plans: frozenset[UUID]
    #: The later of: the user joined the group, the group got the product.
    since: datetime


@dataclass(frozen=True, slots=True)
class Assignment:
    """One license assignment of a user: one per SKU per source."""

    sku_id: UUID
    group_id: UUID | None
    disabled_plans: frozenset[UUID]
    state: State
    error: ErrorKind | None
    since: datetime

    @property
    def key(self) -> tuple[UUID, UUID | None]:
        return (self.sku_id, self.group_id)


@dataclass(frozen=True, slots=True)
class UserCase:
    """Everything needed to evaluate one user."""

    user_id: UUID
    #: The effective usage location (see `engine.location.effective_location`).
    location: str | None
    #: What should be: direct licenses and the products of the user's groups.
    intents: tuple[Intent, ...]
    #: What is recorded now.
    held: tuple[Assignment, ...]


@dataclass(frozen=True, slots=True)
class UserOutcome:
    """The assignments a user should have after evaluation, and their seat changes."""

    user_id: UUID
    assignments: tuple[Assignment, ...]
    #: SKU → +1 (the user took a seat) or -1 (the user gave one back).
    seat_changes: dict[UUID, int]
