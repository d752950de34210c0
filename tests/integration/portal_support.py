"""Shared by the portal's TestClient tests: an app with the portal over the demo tenant."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from seatplan import demo
from seatplan.server import create_app
from seatplan.services import admins, lookup
from seatplan.settings import Settings
from seatplan.store.db import Database
from seatplan.web.throttle import SignInThrottle

PASSWORDS = {
    "admin": (admins.GLOBAL_ADMINISTRATOR, "admin-password-1"),
    "licenses": (admins.LICENSE_ADMINISTRATOR, "licenses-password-1"),
    "reader": (admins.GLOBAL_READER, "reader-password-1"),
}


@dataclass
class PortalApp:
    client: TestClient
    db: Database
    throttle: SignInThrottle

    def csrf(self, path: str = "/licenses") -> str:
        return csrf_of(self.client.get(path).text)

    def sign_in(self, username: str) -> None:
        page = self.client.get("/signin")
        answer = self.client.post(
            "/signin",
            data={
                "csrf_token": csrf_of(page.text),
                "username": username,
                "password": PASSWORDS[username][1],
            },
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text

    def post(self, path: str, **fields: str | list[str]) -> object:
        return self.client.post(path, data={"csrf_token": self.csrf(), **fields})

    def user_id(self, alias: str) -> str:
        with self.db.reading() as session:
            return str(lookup.user(session, demo.upn(alias)).id)

    def group_id(self, name: str) -> str:
        with self.db.reading() as session:
            return str(lookup.group(session, name).id)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture
def portal(db: Database) -> Iterator[PortalApp]:
    """On SQLite and PostgreSQL; not signed in: `portal.sign_in(name)` signs in."""
    demo.load(db)
    with db.writing() as session:
        for username, (role, password) in PASSWORDS.items():
            admins.create(session, username=username, role=role, password=password)
    app = create_app(db, Settings(database_url=db.url, secret_key="test"))
    throttle: SignInThrottle = app.state.portal_throttle
    with TestClient(app) as client:
        yield PortalApp(client, db, throttle)
