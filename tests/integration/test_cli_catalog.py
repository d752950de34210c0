"""`seatplan catalog`: importing custom catalog files, browsing products and plans."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from seatplan.cli.main import app
from seatplan.settings import get_settings
from seatplan.store.tables import Base

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "contoso-catalog.toml"

BROKEN = """\
version = 1

[[plans]]
id = "not-a-guid"
name = "CONTOSO_X"
friendly_name = "X"

[[products]]
sku_id = "c5794601-ff1f-42f6-ac3b-56dae83f7bf9"
sku_part_number = "CONTOSO_BROKEN"
display_name = "Broken"
plans = ["NO_SUCH_PLAN"]

[[exclusive_sets]]
name = "Lonely"
plans = ["ALSO_MISSING"]
"""


@pytest.fixture
def cli(database_url):
    def run(*args: str, code: int = 0):
        get_settings.cache_clear()
        result = CliRunner().invoke(
            app, list(args), env={"SEATPLAN_DATABASE_URL": database_url, "COLUMNS": "160"}
        )
        get_settings.cache_clear()
        assert result.exit_code == code, f"{args}: {result.output}\n{result.exception!r}"
        return result

    return run


def row_counts(db):
    with db.reading() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables
        }


def test_import_the_documented_example(cli):
    result = cli("catalog", "import", str(EXAMPLE))
    assert "3 products, 3 service plans" in result.stdout
    products = json.loads(cli("catalog", "products", "--search", "contoso", "--json").stdout)
    assert [p["skuPartNumber"] for p in products] == [
        "CONTOSO_ANALYTICS_ADDON",
        "CONTOSO_FIELD_PREMIUM",
        "CONTOSO_FIELD_STANDARD",
    ]
    premium = json.loads(cli("catalog", "show", "CONTOSO_FIELD_PREMIUM", "--json").stdout)
    assert [p["servicePlanName"] for p in premium["servicePlans"]] == [
        "CONTOSO_ANALYTICS",
        "CONTOSO_FIELD_PRO",
        "EXCHANGE_S_FOUNDATION",
    ]
    # Its products can be bought and assigned at once.
    cli("subscriptions", "set", "CONTOSO_FIELD_PREMIUM", "--units", "1")
    cli("users", "add", "field@contoso.com", "--usage-location", "CA")
    cli("users", "assign-license", "field@contoso.com", "CONTOSO_FIELD_PREMIUM")
    cli("users", "add", "moscow@contoso.com", "--usage-location", "RU")
    refused = cli("users", "assign-license", "moscow@contoso.com", "CONTOSO_FIELD_PREMIUM", code=1)
    assert len(refused.stderr.splitlines()) == 1


def test_broken_file_lists_every_problem_and_imports_nothing(cli, db, tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text(BROKEN)
    before = row_counts(db)
    result = cli("catalog", "import", str(broken), code=1)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) >= 3, lines
    assert all(line.startswith("Error: ") and str(broken) in line for line in lines)
    for bad in ("not-a-guid", "NO_SUCH_PLAN", "ALSO_MISSING"):
        assert any(bad in line for line in lines), (bad, lines)
    assert "Traceback" not in result.output
    assert row_counts(db) == before
    assert json.loads(cli("catalog", "products", "--search", "CONTOSO", "--json").stdout) == []


def test_missing_file_is_one_line(cli, tmp_path):
    result = cli("catalog", "import", str(tmp_path / "nope.toml"), code=1)
    [line] = result.stderr.splitlines()
    assert "nope.toml" in line


def test_a_file_nested_50000_deep_is_one_line(cli, db, tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text("version = 1\nx = " + "[" * 50_000 + "]" * 50_000 + "\n")
    before = row_counts(db)
    result = cli("catalog", "import", str(deep), code=1)
    assert result.stderr.splitlines() == [
        f"Error: {deep}:2: arrays and inline tables nest more than 8 deep"
    ]
    assert "Traceback" not in result.output
    assert row_counts(db) == before
