"""The one error of the OData layer, answered by the API in Graph's error envelope."""

from __future__ import annotations

UNSUPPORTED_QUERY = "Request_UnsupportedQuery"
BAD_REQUEST = "Request_BadRequest"


class UnsupportedQuery(Exception):
    """A query option outside the supported subset, or malformed: a 400.

    `message` names the offending part precisely; it is safe to show to the client.
    `code` is Graph's: `Request_UnsupportedQuery`, except where Graph answers otherwise
    (`Request_BadRequest` for a `/$count` without `ConsistencyLevel: eventual`).
    """

    def __init__(self, message: str, code: str = UNSUPPORTED_QUERY) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
