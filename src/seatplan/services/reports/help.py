"""What each license error means and what the administrator can do.

The texts say in short what docs/behaviour.md says under "Resolving problems".

The one place for these texts: the CLI, the admin API and the portal all show them.
"""

from __future__ import annotations

from dataclasses import dataclass

from seatplan.engine import ErrorKind


@dataclass(frozen=True, slots=True)
class ErrorHelp:
    """What a license error means, and what the administrator can do."""

    explanation: str
    fixes: tuple[str, ...]


ERROR_HELP: dict[ErrorKind, ErrorHelp] = {
    ErrorKind.COUNT: ErrorHelp(
        "Not enough licenses: every seat of the product is in use.",
        (
            "Buy more: raise the units of a subscription of the product.",
            "Or free seats: remove the product from other users or groups "
            "(see who holds it, directly or through which groups).",
        ),
    ),
    ErrorKind.MUTUALLY_EXCLUSIVE: ErrorHelp(
        "A service plan of the product conflicts with a plan the user already has "
        "from another license.",
        (
            "Disable the conflicting plans on the user's direct license.",
            "Or disable the conflicting plans in the group's license.",
            "Or remove the user's direct license if the group's makes it redundant.",
        ),
    ),
    ErrorKind.DEPENDENCY: ErrorHelp(
        "The group no longer gives this license, but another enabled plan of the user "
        "depends on its plans, so it was kept.",
        (
            "Give the user the prerequisite plans another way (directly or by another group).",
            "Or disable the dependent plan; then the group license is removed.",
        ),
    ),
    ErrorKind.PROHIBITED_LOCATION: ErrorHelp(
        "A service plan of the product is not available at the user's usage location, "
        "or the user has no usage location.",
        (
            "Correct the user's usage location (or set the organization's default).",
            "Or remove the user from the group.",
        ),
    ),
    ErrorKind.OTHER: ErrorHelp(
        "This product could be assigned, but another product of the same group failed "
        "for the user: a group's licenses are applied all together or not at all.",
        ("Fix the error of the group's other product; this one then clears.",),
    ),
}


def error_help(error: str | None) -> ErrorHelp | None:
    """The help for an error name as stored (`None` for no error or an unknown name)."""
    try:
        return ERROR_HELP[ErrorKind(error)] if error else None
    except ValueError:
        return None
