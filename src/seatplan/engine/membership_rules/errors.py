"""The one error a membership rule is refused with: where, and why."""

from __future__ import annotations


class RuleSyntaxError(ValueError):
    """An invalid membership rule; `position` is the 0-based offset of the problem."""

    def __init__(self, position: int, reason: str) -> None:
        self.position = position
        self.reason = reason
        super().__init__(f"Invalid membership rule at position {position + 1}: {reason}")

    def __reduce__(self) -> tuple[type[RuleSyntaxError], tuple[int, str]]:
        return (type(self), (self.position, self.reason))
