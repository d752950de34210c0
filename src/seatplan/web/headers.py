"""The headers every portal page is sent with: what a browser may load, frame or refer.

The pages load their scripts (portal.js and the vendored htmx, 0BSD) and one style sheet
from `/static/portal` and have no inline script or style, so the policy allows the site's
own files only.
"""

from __future__ import annotations

from starlette.responses import Response

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def secured(response: Response) -> Response:
    response.headers.update(HEADERS)
    return response
