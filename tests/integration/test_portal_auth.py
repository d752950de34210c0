"""Signing in and out, sessions, CSRF and roles."""

from __future__ import annotations

import re
import time
import uuid
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from tests.integration.api_support import row_counts
from tests.integration.portal_support import csrf_of

from seatplan.services import admins
from seatplan.store.tables import AuditEvent
from seatplan.web import security
from seatplan.web.errors import PortalRoute
from seatplan.web.throttle import SignInThrottle


def _try(portal, username: str, password: str):
    page = portal.client.get("/signin")
    return portal.client.post(
        "/signin",
        data={"csrf_token": csrf_of(page.text), "username": username, "password": password},
        follow_redirects=False,
    )


def test_pages_need_a_signed_in_administrator(portal):
    answer = portal.client.get("/groups?search=x", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=/groups%3Fsearch%3Dx"


def test_sign_in_sets_an_http_only_same_site_cookie(portal):
    answer = _try(portal, "admin", "admin-password-1")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/licenses"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert portal.client.get("/licenses").status_code == 200


def test_unknown_user_and_wrong_password_get_the_same_answer(portal):
    wrong = _try(portal, "admin", "not-the-password")
    unknown = _try(portal, "nobody", "not-the-password")
    assert wrong.status_code == unknown.status_code == 400
    assert "Wrong username or password." in wrong.text
    assert "Wrong username or password." in unknown.text
    assert 'value="admin"' in wrong.text  # what was typed is kept
    assert _try(portal, "admin", "admin-password-1").status_code == 303


def _timed_try(client, username: str, password: str):
    page = client.get("/signin")
    started = time.monotonic()
    answer = client.post(
        "/signin",
        data={"csrf_token": csrf_of(page.text), "username": username, "password": password},
        follow_redirects=False,
    )
    return answer, time.monotonic() - started


def test_failed_sign_ins_answer_at_once_and_do_not_hold_up_another_address(portal):
    app = portal.client.app
    # The throttle's clock stands still: its waits cannot run out between two attempts
    # however slow the machine (the real clock still shows a server that sleeps).
    app.state.portal_throttle = SignInThrottle(clock=lambda: 1000.0)
    attacker = TestClient(app, client=("203.0.113.9", 40000))
    answers = []
    for _ in range(10):
        answer, seconds = _timed_try(attacker, "admin", "a-guess")
        # Answered, never slept on: the old throttle slept 0.5 s, 1 s, 2 s, 4 s, 8 s … in
        # turn, so its later attempts exceed this bound, with room for a loaded machine.
        assert seconds < 6.0
        answers.append(answer)
    assert [a.status_code for a in answers] == [400] * 5 + [429] * 5
    refused = answers[-1]
    assert int(refused.headers["retry-after"]) >= 1
    assert "Too many failed sign-ins: try again in" in refused.text
    assert 'value="admin"' in refused.text
    # Even the right password waits from there: the lock tells a guess nothing.
    assert _timed_try(attacker, "admin", "admin-password-1")[0].status_code == 429

    administrator = TestClient(app, client=("198.51.100.7", 40000))
    answer, seconds = _timed_try(administrator, "admin", "admin-password-1")
    assert answer.status_code == 303
    assert seconds < 6.0  # not queued behind the attacker's sleeps (59 s before)


def test_a_tampered_or_expired_cookie_is_no_session(monkeypatch):
    key = b"k" * 32
    data = security.new_session()
    cookie = security.encode(key, data)
    assert security.decode(key, cookie) == data
    assert security.decode(b"x" * 32, cookie) is None
    assert security.decode(key, cookie[:-2] + "AA") is None
    later = data.issued + security.MAX_AGE + 2
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: later))
    assert security.decode(key, cookie) is None


def test_a_csrf_token_belongs_to_its_session_and_is_no_session_cookie():
    key = b"k" * 32
    one, two = security.new_session(), security.new_session()
    token = security.csrf_token(key, one)
    assert security.csrf_valid(key, one, token)
    assert not security.csrf_valid(key, two, token)
    assert not security.csrf_valid(b"x" * 32, one, token)
    # Signed for another use: a session cookie is no CSRF token, and the reverse.
    assert not security.csrf_valid(key, one, security.encode(key, one))
    assert security.decode(key, f"{one.sid}.{token}") is None


def test_sign_in_refuses_a_form_without_its_token(portal):
    portal.client.get("/signin")
    answer = portal.client.post(
        "/signin", data={"username": "admin", "password": "admin-password-1"}
    )
    assert answer.status_code == 403


def test_sign_out_ends_the_session(portal):
    portal.sign_in("admin")
    cookie = portal.client.cookies.get(security.COOKIE)
    answer = portal.client.post(
        "/signout", data={"csrf_token": portal.csrf()}, follow_redirects=False
    )
    assert answer.status_code == 303
    portal.client.cookies.set(security.COOKIE, cookie)  # the old cookie, replayed
    assert portal.client.get("/licenses", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/"])
def test_sign_in_never_sends_elsewhere(portal, target):
    page = portal.client.get("/signin")
    answer = portal.client.post(
        "/signin",
        data={
            "csrf_token": csrf_of(page.text),
            "username": "admin",
            "password": "admin-password-1",
            "next": target,
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/licenses"


def test_a_reader_sees_no_change_buttons_and_is_refused(portal):
    portal.sign_in("reader")
    group = portal.group_id("All Staff")
    page = portal.client.get(f"/groups/{group}")
    assert page.status_code == 200
    assert "Reprocess</button>" not in page.text
    assert 'action="/groups/' not in page.text.replace(f'action="/groups/{group}#members"', "")
    before = row_counts(portal.db)
    answer = portal.post(f"/groups/{group}/reprocess")
    assert answer.status_code == 403
    assert "Global Reader" in answer.text
    assert row_counts(portal.db) == before


def test_a_change_without_its_csrf_token_is_refused(portal):
    portal.sign_in("admin")
    group = portal.group_id("All Staff")
    before = row_counts(portal.db)
    for data in ({}, {"csrf_token": "forged"}):
        answer = portal.client.post(f"/groups/{group}/reprocess", data=data)
        assert answer.status_code == 403
        assert "security token" in answer.text
    assert row_counts(portal.db) == before


def test_only_a_global_administrator_changes_subscriptions(portal):
    portal.sign_in("licenses")
    page = portal.client.get("/licenses")
    assert page.status_code == 200
    with portal.db.reading() as session:
        count = session.query(AuditEvent).count()
    answer = portal.post("/licenses/00000000-0000-0000-0000-000000000001/subscriptions/x")
    assert answer.status_code == 403
    with portal.db.reading() as session:
        assert session.query(AuditEvent).count() == count


def test_roles_are_named_as_in_entra():
    assert admins.role_named("global reader") == "Global Reader"
    assert admins.role_named("LicenseAdministrator") == "License Administrator"


def _portal_routes(portal) -> list[tuple[str, str]]:
    found = []
    for context in iter_route_contexts(portal.client.app.routes):
        route = context.original_route
        if isinstance(route, PortalRoute) and context.path not in ("/signin", "/signout"):
            path = re.sub(r"\{[^}]+\}", str(uuid.uuid4()), context.path)
            found.extend((method, path) for method in sorted(route.methods))
    return found


def test_every_page_needs_a_session_and_every_change_its_csrf_token(portal):
    routes = _portal_routes(portal)
    assert ("POST", "/administrators/delete") in routes
    for method, path in routes:
        if method == "GET":
            answer = portal.client.get(path, follow_redirects=False)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/signin"), path
    portal.sign_in("admin")
    before = row_counts(portal.db)
    for method, path in routes:
        if method == "POST":
            answer = portal.client.post(path, data={"csrf_token": "forged"})
            assert answer.status_code == 403, path
    assert row_counts(portal.db) == before
