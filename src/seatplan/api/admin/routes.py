"""What every admin route declares: permission Seatplan.Admin, its answers, its summary."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from seatplan.api.graph.common import require, responses
from seatplan.services.tokens import ADMIN


def admin(summary: str, status: int = 200, description: str = "OK") -> dict[str, Any]:
    """The keyword arguments of an admin route that answers `status` (204: no body),
    documented with the errors every route may answer."""
    options: dict[str, Any] = {
        "dependencies": [require(ADMIN)],
        "responses": responses(status=status, description=description),
        "summary": summary,
    }
    if status != 200:  # FastAPI's default: left unset, as the routes always had it
        options["status_code"] = status
    if status == 204:
        options["response_class"] = Response
    return options
