"""Domain errors. The CLI and the API each map them to their own answer in one place."""

from __future__ import annotations


class ServiceError(Exception):
    """A request that cannot be done; nothing of it was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    def __init__(self, kind: str, value: object) -> None:
        super().__init__(f"{kind} '{value}' was not found.")
        self.kind = kind
        self.value = value


class BadRequest(ServiceError):
    """Invalid input, or a change the rules refuse."""


class Conflict(ServiceError):
    """The change collides with what exists (a taken name, for example)."""
