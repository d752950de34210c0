"""Every page of the portal, found from its routes, with real ids from the demo tenant.

Each GET route of `seatplan.web.routes` becomes one address: a path parameter takes the id
of a demo object chosen by its name (a group in error, a user with a conflict, ...), so a
page added later is visited without a change here. A parameter that names nothing known
fails the tests that use this module, to be taught here. Routes that answer with something
else than a whole HTML page (JSON state, CSV exports, htmx fragments) are left out: `is_page`.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable

from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.orm import Session

from seatplan.services import catalog, lookup, webhooks
from seatplan.store.db import Database
from seatplan.store.tables import Subscription, WebhookEndpoint
from seatplan.web import routes

#: Addresses no route template yields: a query that changes the page, or none at all.
EXTRA = (
    "/groups/{group}/product?sku={sku}",
    "/groups/{group}/product/remove?sku={sku}",
    "/users/{user}/licenses?sku={sku}",
    "/licenses/{sku}/subscriptions/{subscription}?units=3",
    "/administrators/delete?username=reader",
    "/no-such-page",
)
#: Addresses that are not portal pages of their own.
NOT_PAGES = {"/", "/signin"}


def is_page(content_type: str, body: bytes) -> bool:
    """A whole HTML page (not JSON, CSV, or a fragment that htmx puts into a page)."""
    return content_type.startswith("text/html") and body.lstrip()[:15].lower() == b"<!doctype html>"


def get_routes() -> list[str]:
    """The path of each GET route of every module of `seatplan.web.routes`."""
    found: dict[str, None] = {}
    for info in pkgutil.iter_modules(routes.__path__):
        module = importlib.import_module(f"{routes.__name__}.{info.name}")
        router = getattr(module, "router", None)
        for route in getattr(router, "routes", []):
            if isinstance(route, APIRoute) and "GET" in route.methods:
                found[route.path] = None
    return list(found)


def _webhook(session: Session) -> str:
    found = session.scalars(select(WebhookEndpoint)).first()
    if found is None:
        # The demo has none: add one aimed at a closed local port (never delivered to), which
        # check_url would refuse as private.
        found = webhooks.create(
            session,
            url=webhooks.CheckedUrl("https://127.0.0.1:9/seatplan"),
            event_types=["*"],
            description="Accessibility test",
        )
        session.flush()
    return str(found.id)


def ids(db: Database) -> dict[str, str]:
    """An id for each kind of path parameter, from the demo tenant (adds a webhook)."""
    with db.writing() as session:
        product = catalog.find_product(session, "ENTERPRISEPACK")
        pickers: dict[str, Callable[[], str]] = {
            "group": lambda: str(lookup.group(session, "All Staff").id),
            "user": lambda: str(lookup.user(session, "adele@contoso.com").id),
            "member": lambda: str(lookup.user(session, "adele@contoso.com").id),
            "sku": lambda: str(product.sku_id),
            "product": lambda: str(product.sku_id),
            "subscription": lambda: str(
                session.scalars(select(Subscription).where(Subscription.sku_id == product.sku_id))
                .one()
                .id
            ),
            "endpoint": lambda: _webhook(session),
            "webhook": lambda: _webhook(session),
        }
        return {kind: pick() for kind, pick in pickers.items()}


def _kind(parameter: str) -> str:
    """`endpoint_id` → `endpoint`, `group` → `group`."""
    return re.sub(r"_?(id|ref|name)$", "", parameter)


def addresses(db: Database) -> list[str]:
    """Every page's address with real ids; fails on a parameter it cannot fill."""
    known = ids(db)
    unknown: list[str] = []

    def fill(path: str) -> str:
        def one(match: re.Match[str]) -> str:
            kind = _kind(match.group(1).split(":")[0])
            if kind not in known:
                unknown.append(f"{path} ({match.group(1)})")
                return match.group(0)
            return known[kind]

        return re.sub(r"\{([^}]+)\}", one, path)

    pages = [fill(path) for path in [*get_routes(), *EXTRA] if path not in NOT_PAGES]
    assert not unknown, (
        "tests/e2e/portal_pages.py cannot fill these path parameters: "
        f"{unknown}; teach ids() which demo object to use"
    )
    return list(dict.fromkeys(pages))
