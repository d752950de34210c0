"""Attribute names are case-insensitive (RFC 7643 §2.1): look them up in a client's JSON."""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]


def key_ci(container: Json, name: str) -> str:
    """The key `container` already uses for `name` (names are case-insensitive), or `name`."""
    lowered = name.lower()
    for key in container:
        if key.lower() == lowered:
            return key
    return name


def get_ci(container: Json, name: str) -> Any:
    return container.get(key_ci(container, name))
