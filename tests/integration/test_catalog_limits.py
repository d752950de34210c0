"""Catalog files that would cost too much, or that a column cannot hold (docs/catalog.md,
"Limits"): refused before anything is built or written, the same on every database."""

from __future__ import annotations

import tracemalloc
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.integration.api_support import buy, error_of, make_user, process, row_counts

from seatplan.catalog.file_limits import MAX_FILE_BYTES, MAX_LABEL, MAX_NAME
from seatplan.server import create_app
from seatplan.services import catalog
from seatplan.services.errors import BadRequest
from seatplan.settings import Settings
from seatplan.store.tables import ExclusiveSetPlan, Product, ServicePlan

PLANS = 5_000
MB = 1024 * 1024


@pytest.fixture
def client(db):
    """Memory and refusals are what this file tests, not time: a whole catalog imported
    under tracemalloc on a loaded machine may take longer than the default 10 s limit."""
    settings = Settings(
        database_url=db.url, secret_key="test-secret", statement_timeout_seconds=120
    )
    with TestClient(create_app(db, settings)) as test_client:
        yield test_client


def _import(client, admin, text: str):
    return client.post(
        "/admin/catalog/import",
        headers={**admin, "Content-Type": "application/toml"},
        content=text.encode("utf-8"),
    )


def _one_exclusive_set(plans: int) -> str:
    """`plans` plans in one exclusive set, and two products of one plan each."""
    ids = [uuid.UUID(int=(0x5EA7 << 96) + n) for n in range(plans)]
    lines = [f'[[plans]]\nid = "{i}"\nname = "BULK_{n}"\n' for n, i in enumerate(ids)]
    names = ", ".join(f'"BULK_{n}"' for n in range(plans))
    lines.append(f'[[exclusive_sets]]\nname = "All of them"\nplans = [{names}]\n')
    for n in (0, 1):
        lines.append(
            f'[[products]]\nsku_id = "{uuid.UUID(int=(0xB0 << 96) + n)}"\n'
            f'sku_part_number = "BULK_PRODUCT_{n}"\ndisplay_name = "Bulk {n}"\n'
            f'plans = ["BULK_{n}"]\n'
        )
    return "\n".join(lines)


def test_a_5000_plan_exclusive_set_imports_and_applies_in_bounded_memory(db, client, admin):
    """Every plan of the set excludes every other: held as pairs, 25 million of them."""
    text = _one_exclusive_set(PLANS)
    assert len(text.encode()) < MAX_FILE_BYTES
    buy(db, "ENTERPRISEPACK", 1)
    user = make_user(client, admin, "bulk", usageLocation="US")
    tracemalloc.start()
    try:
        imported = _import(client, admin, text)
        assert imported.status_code == 200, imported.text
        assert imported.json()["servicePlans"] == PLANS
        buy(db, "BULK_PRODUCT_0", 1)
        buy(db, "BULK_PRODUCT_1", 1)
        first = client.post(
            f"/v1.0/users/{user}/assignLicense",
            headers=admin,
            json={"addLicenses": [{"skuId": str(uuid.UUID(int=0xB0 << 96))}], "removeLicenses": []},
        )
        assert first.status_code == 200, first.text
        second = client.post(
            f"/v1.0/users/{user}/assignLicense",
            headers=admin,
            json={
                "addLicenses": [{"skuId": str(uuid.UUID(int=(0xB0 << 96) + 1))}],
                "removeLicenses": [],
            },
        )
        process(db)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    status, code, message = error_of(second)
    assert (status, code) == (400, "Request_BadRequest")
    assert "are mutually exclusive" in message
    assert peak < 50 * MB, f"peak {peak / MB:.0f} MB"
    with db.reading() as session:
        members = select(func.count()).where(ExclusiveSetPlan.set_name == "All of them")
        assert session.scalar(members) == PLANS


def _nested(depth: int) -> str:
    return f'[[plans]]\nid = "{uuid.uuid4()}"\nname = ' + "[" * depth + "]" * depth + "\n"


def test_a_catalog_nested_50000_deep_is_a_bad_request(db, client, admin):
    before = row_counts(db)
    status, code, message = error_of(_import(client, admin, _nested(50_000)))
    assert (status, code) == (400, "Request_BadRequest")
    assert "request:3: arrays and inline tables nest more than 8 deep" in message
    assert row_counts(db) == before


@pytest.mark.parametrize(
    ("table", "where"),
    [
        ('name = "A\\u0000B"', "plans[0].name: must not contain control characters (found U+0000)"),
        ('name = "A\\nB"', "plans[0].name: must not contain control characters (found U+000A)"),
        (f'name = "{"N" * (MAX_NAME + 1)}"', f"plans[0].name: longer than {MAX_NAME} characters"),
        (
            f'name = "OK"\nfriendly_name = "{"F" * (MAX_LABEL + 1)}"',
            f"plans[0].friendly_name: longer than {MAX_LABEL} characters",
        ),
        ('name = "OK"\nfriendly_name = "tab\\there"', "plans[0].friendly_name: must not contain"),
    ],
)
def test_names_a_column_cannot_hold_are_refused_naming_the_field(
    db, client, admin, table: str, where: str
):
    """Stored on SQLite and refused by PostgreSQL without a word, once: now refused alike."""
    before = row_counts(db)
    text = f'[[plans]]\nid = "{uuid.uuid4()}"\n{table}\n'
    status, code, message = error_of(_import(client, admin, text))
    assert (status, code) == (400, "Request_BadRequest")
    assert f"request:{where}" in message
    assert row_counts(db) == before


def test_a_file_larger_than_the_limit_is_refused_unread(db, client, admin, tmp_path):
    before = row_counts(db)
    text = "# " + "x" * MAX_FILE_BYTES + "\n"
    status, code, _ = error_of(_import(client, admin, text))
    assert (status, code) == (413, "Request_EntityTooLarge")  # the API's limit on any body
    path = tmp_path / "huge.toml"
    path.write_text(text, encoding="utf-8")
    with db.writing() as session, pytest.raises(BadRequest) as refused:
        catalog.import_file(session, path)
    assert refused.value.message == f"{path}:0: the file is larger than 1 MiB"
    assert row_counts(db) == before


def test_the_name_limits_are_the_columns_lengths():
    assert ServicePlan.__table__.c.name.type.length == MAX_NAME  # type: ignore[attr-defined]
    assert ServicePlan.__table__.c.friendly_name.type.length == MAX_LABEL  # type: ignore[attr-defined]
    assert Product.__table__.c.sku_part_number.type.length == MAX_NAME  # type: ignore[attr-defined]
    assert Product.__table__.c.display_name.type.length == MAX_LABEL  # type: ignore[attr-defined]
    assert ExclusiveSetPlan.__table__.c.set_name.type.length == MAX_NAME  # type: ignore[attr-defined]
