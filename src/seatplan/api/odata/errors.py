"""The one error of the OData layer, answered by the API as `400 Request_UnsupportedQuery`."""

from __future__ import annotations


class UnsupportedQuery(Exception):
    """A query option outside the supported subset, or malformed.

    `message` names the offending part precisely; it is safe to show to the client.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
