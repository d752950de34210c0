"""Oversized or overfull forms get a page saying so (413/400), never a 500, and change nothing."""

from __future__ import annotations

from collections.abc import Iterator

from tests.integration.api_support import row_counts
from tests.integration.portal_support import PortalApp, csrf_of

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _fields(portal: PortalApp) -> bytes:
    token = csrf_of(portal.client.get("/signin").text)
    return f"csrf_token={token}&username=admin&password=".encode()


def test_a_streamed_sign_in_body_over_one_megabyte_answers_413(portal: PortalApp) -> None:
    start = _fields(portal)

    def chunks() -> Iterator[bytes]:
        yield start
        for _ in range(20):
            yield b"x" * 65536

    before = row_counts(portal.db)
    answer = portal.client.post("/signin", content=chunks(), headers=FORM)
    assert answer.status_code == 413, answer.text
    assert "larger than" in answer.text
    assert row_counts(portal.db) == before


def test_a_sign_in_form_with_too_many_fields_answers_400(portal: PortalApp) -> None:
    many = b"&".join(b"f%d=1" % i for i in range(1500))
    before = row_counts(portal.db)
    answer = portal.client.post("/signin", content=_fields(portal) + b"x&" + many, headers=FORM)
    assert answer.status_code == 400, answer.text
    assert "Too many fields" in answer.text
    assert row_counts(portal.db) == before


def test_a_field_over_64_kilobytes_answers_400(portal: PortalApp) -> None:
    answer = portal.client.post("/signin", content=_fields(portal) + b"x" * 70_000, headers=FORM)
    assert answer.status_code == 400, answer.text
    assert "maximum size" in answer.text


def test_a_signed_in_form_over_the_limits_answers_400(portal: PortalApp) -> None:
    portal.sign_in("admin")
    fields = {"csrf_token": portal.csrf(), **{f"f{i}": "1" for i in range(1500)}}
    before = row_counts(portal.db)
    answer = portal.client.post("/signout", data=fields)
    assert answer.status_code == 400, answer.text
    assert row_counts(portal.db) == before


def test_a_file_is_refused(portal: PortalApp) -> None:
    token = csrf_of(portal.client.get("/signin").text)
    answer = portal.client.post(
        "/signin",
        data={"csrf_token": token, "username": "admin"},
        files={"password": ("p.txt", b"admin-password-1")},
    )
    assert answer.status_code == 400, answer.text
    assert "Too many files" in answer.text
