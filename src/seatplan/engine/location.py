"""Where a user is, for licensing purposes."""

from __future__ import annotations


def effective_location(
    usage_location: str | None,
    default_usage_location: str | None,
    country_letter_code: str | None,
) -> str | None:
    """The user's own usage location, else the organization's default, else its country.

    Group-based licensing reads this; it never writes the user's `usageLocation`.
    """
    return usage_location or default_usage_location or country_letter_code or None
