"""Custom catalog files: the documented example, and every problem reported where it is."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import pytest

from seatplan.catalog import (
    Catalog,
    CatalogFileError,
    CatalogProblem,
    builtin_catalog,
    format_catalog_text,
    parse_catalog_file,
    parse_catalog_text,
)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs/examples/contoso-catalog.toml"
EXCHANGE_S_ENTERPRISE = UUID("efb87545-963c-4e0d-99df-69c6916d9eb0")
EXCHANGE_S_FOUNDATION = UUID("113feb6c-3fe4-4440-bddc-54d774bf0318")
E3 = "6fd2c87f-b296-42f0-b197-1e91e994b900"
PLAN_A = "11111111-1111-4111-8111-111111111111"
PLAN_B = "22222222-2222-4222-8222-222222222222"
SKU = "33333333-3333-4333-8333-333333333333"

VALID = f"""
[[plans]]
id = "{PLAN_A}"
name = "ACME_A"
friendly_name = "Acme A"

[[plans]]
id = "{PLAN_B}"
name = "ACME_B"

[[products]]
sku_id = "{SKU}"
sku_part_number = "ACME"
display_name = "Acme"
plans = ["ACME_A", "acme_b", "{EXCHANGE_S_FOUNDATION}", "EXCHANGE_S_ENTERPRISE"]
"""


@pytest.fixture(scope="module")
def base() -> Catalog:
    return builtin_catalog()


def problems(text: str, base: Catalog) -> list[CatalogProblem]:
    with pytest.raises(CatalogFileError) as caught:
        parse_catalog_text(text, base, "acme.toml")
    return caught.value.problems


def test_the_documented_example_parses(base: Catalog) -> None:
    custom = parse_catalog_file(EXAMPLE, base)
    assert [p.name for p in custom.plans] == [
        "CONTOSO_FIELD_BASIC",
        "CONTOSO_FIELD_PRO",
        "CONTOSO_ANALYTICS",
    ]
    assert len(custom.products) == 3
    assert len(custom.exclusive_sets) == 1
    assert len(custom.dependencies) == 1
    assert len(custom.location_restrictions) == 2
    standard = custom.product("contoso_field_standard")
    assert standard is not None
    assert standard.plan_ids == (custom.plans[0].id, EXCHANGE_S_FOUNDATION)
    merged = base.merged_with(custom)
    assert len(merged.products) == 416
    assert len(merged.plans) == 571


def test_only_the_files_own_items_are_returned(base: Catalog) -> None:
    custom = parse_catalog_text(VALID, base)
    assert [p.name for p in custom.plans] == ["ACME_A", "ACME_B"]
    assert custom.plans[1].friendly_name == "ACME_B"  # defaults to the name
    (product,) = custom.products
    assert product.plan_ids == (
        UUID(PLAN_A),
        UUID(PLAN_B),
        EXCHANGE_S_FOUNDATION,
        EXCHANGE_S_ENTERPRISE,
    )
    assert custom.exclusive_sets == ()
    assert custom.dependencies == ()
    assert custom.location_restrictions == ()


@pytest.mark.parametrize("text", [VALID, EXAMPLE.read_text("utf-8")], ids=["acme", "contoso"])
def test_a_valid_file_round_trips(base: Catalog, text: str) -> None:
    parsed = parse_catalog_text(text, base)
    again = parse_catalog_text(format_catalog_text(parsed, base), base)
    assert again == parsed


def test_a_base_plan_may_be_redeclared_with_its_own_name(base: Catalog) -> None:
    text = plan_table(str(EXCHANGE_S_ENTERPRISE), "EXCHANGE_S_ENTERPRISE", 'friendly_name = "Mail"')
    (plan,) = parse_catalog_text(text, base).plans
    assert base.merged_with(parse_catalog_text(text, base)).plan(EXCHANGE_S_ENTERPRISE) == plan


def test_a_bom_and_an_empty_file_are_fine(base: Catalog) -> None:
    assert parse_catalog_text("\ufeff# nothing yet\n", base) == Catalog()


def plan_table(plan_id: str = PLAN_A, name: str = "ACME_A", extra: str = "") -> str:
    return f'[[plans]]\nid = "{plan_id}"\nname = "{name}"\n{extra}\n'


def product_table(
    plans: str = '["ACME_A"]', sku: str = SKU, part: str = "ACME", extra: str = ""
) -> str:
    return (
        f'[[products]]\nsku_id = "{sku}"\nsku_part_number = "{part}"\n'
        f'display_name = "Acme"\nplans = {plans}\n{extra}\n'
    )


CASES = [
    # (file text, where, part of the message)
    (plan_table(plan_id="not-a-guid"), "plans[0].id", "is not a GUID"),
    (
        plan_table(extra='frendly_name = "x"'),
        "plans[0].frendly_name",
        "did you mean 'friendly_name'",
    ),
    ("colour = 1\n", "colour", "unknown key 'colour'"),
    (
        plan_table(extra="friendly_name = 3"),
        "plans[0].friendly_name",
        "expected a string, got an integer",
    ),
    ('[[plans]]\nname = "ACME_A"\n', "plans[0].id", "missing required key 'id'"),
    (plan_table(name=" "), "plans[0].name", "must not be empty"),
    (plan_table() + plan_table(name="ACME_Z"), "plans[1].id", "already used at plans[0].id"),
    (
        plan_table() + plan_table(plan_id=PLAN_B, name="acme_a"),
        "plans[1].name",
        "already used at plans[0].name",
    ),
    (
        plan_table(plan_id=str(EXCHANGE_S_ENTERPRISE)),
        "plans[0].id",
        "already the id of EXCHANGE_S_ENTERPRISE",
    ),
    (plan_table(name="TEAMS1"), "plans[0].name", "is already plan 57ff2da0"),
    (
        plan_table() + product_table(sku=E3),
        "products[0].sku_id",
        "already the skuId of ENTERPRISEPACK",
    ),
    (
        plan_table() + product_table(part="enterprisepack"),
        "products[0].sku_part_number",
        "already the product 6fd2c87f",
    ),
    (
        plan_table()
        + product_table()
        + product_table(sku="44444444-4444-4444-8444-444444444444", part="acme"),
        "products[1].sku_part_number",
        "already used at products[0].sku_part_number",
    ),
    (
        plan_table() + product_table() + product_table(part="ACME2"),
        "products[1].sku_id",
        "already used at products[0].sku_id",
    ),
    (
        plan_table() + product_table(plans="[]"),
        "products[0].plans",
        "a product needs at least one plan",
    ),
    (
        plan_table() + product_table(plans='"ACME_A"'),
        "products[0].plans",
        "expected an array of plan names or ids, got a string",
    ),
    (
        plan_table() + product_table(plans='["ACME_A", "TEAMS"]'),
        "products[0].plans[1]",
        "unknown plan 'TEAMS' (did you mean 'TEAMS1'?)",
    ),
    (
        plan_table() + product_table(plans=f'["{PLAN_B}"]'),
        "products[0].plans[0]",
        f"unknown plan id {PLAN_B}",
    ),
    (
        plan_table() + product_table(plans='["PROJECT_ESSENTIALS"]'),
        "products[0].plans[0]",
        "several plans are named",
    ),
    (
        plan_table() + product_table(plans='["ACME_A", "acme_a"]'),
        "products[0].plans[1]",
        "same plan as products[0].plans[0]",
    ),
    (plan_table() + product_table(plans="[1]"), "products[0].plans[0]", "got an integer"),
    ("[products]\nsku_id = 1\n", "products", "expected an array of tables ([[products]])"),
    ("products = [1]\n", "products[0]", "expected a table, got an integer"),
    (
        '[[exclusive_sets]]\nname = "X"\nplans = ["TEAMS1"]\n',
        "exclusive_sets[0].plans",
        "needs at least 2 plans",
    ),
    (
        '[[exclusive_sets]]\nname = "X"\nplans = ["TEAMS1", "SWAY"]\n' * 2,
        "exclusive_sets[1].name",
        "'X' is already used",
    ),
    (
        '[[dependencies]]\nplan = "TEAMS1"\nrequires_any_of = [["SWAY", "TEAMS1"]]\n',
        "dependencies[0].requires_any_of[0][1]",
        "cannot depend on itself",
    ),
    (
        '[[dependencies]]\nplan = "TEAMS1"\nrequires_any_of = []\n',
        "dependencies[0].requires_any_of",
        "expected an array of arrays",
    ),
    (
        '[[dependencies]]\nplan = "TEAMS1"\nrequires_any_of = [["SWAY"], []]\n',
        "dependencies[0].requires_any_of[1]",
        "needs at least one plan",
    ),
    (
        '[[dependencies]]\nplan = "TEAMS1"\nrequires_any_of = [["SWAY"]]\n' * 2,
        "dependencies[1].plan",
        "already used at dependencies[0].plan",
    ),
    (
        '[[dependencies]]\nplan = "TEAMZ"\nrequires_any_of = [["SWAY"]]\n',
        "dependencies[0].plan",
        "unknown plan 'TEAMZ'",
    ),
    (
        '[[location_restrictions]]\nplans = "*"\nprohibited = ["us"]\n',
        "location_restrictions[0].prohibited[0]",
        "not an ISO 3166-1 alpha-2 code (write 'US')",
    ),
    (
        '[[location_restrictions]]\nplans = "*"\nallowed = ["US", "UK"]\n',
        "location_restrictions[0].allowed[1]",
        "'UK' is not an ISO 3166-1",
    ),
    (
        '[[location_restrictions]]\nplans = "*"\nallowed = []\n',
        "location_restrictions[0].allowed",
        "non-empty array of country codes",
    ),
    (
        '[[location_restrictions]]\nplans = "*"\nprohibited = ["CU"]\nallowed = ["US"]\n',
        "location_restrictions[0]",
        "either prohibited or allowed, not both",
    ),
    (
        '[[location_restrictions]]\nplans = "*"\n',
        "location_restrictions[0]",
        "needs prohibited or allowed",
    ),
    (
        '[[location_restrictions]]\nplans = "all"\nprohibited = ["CU"]\n',
        "location_restrictions[0].plans",
        "got a string",
    ),
    ("version = 2\n", "version", "unsupported version 2"),
    ("a = 1\nb = [\n", "2", "invalid TOML"),
    ("x = 1\nx = 2\n", "2", "invalid TOML"),
]


@pytest.mark.parametrize(("text", "where", "message"), CASES)
def test_each_problem_is_reported_where_it_is(
    base: Catalog, text: str, where: str, message: str
) -> None:
    found = problems(text, base)
    assert [p.where for p in found] == [where], found
    assert message in found[0].message


def test_every_problem_is_reported_at_once(base: Catalog) -> None:
    text = (
        plan_table(plan_id="bad", extra="colour = 1")
        + product_table(plans='["ACME_A", "NOPE"]')
        + '[[exclusive_sets]]\nname = "X"\nplans = []\n'
        + '[[location_restrictions]]\nplans = "*"\nprohibited = ["XX"]\nallowed = ["US"]\n'
    )
    found = problems(text, base)
    assert [p.where for p in found] == [
        "plans[0].colour",
        "plans[0].id",
        "products[0].plans[0]",  # ACME_A was not declared: its id is invalid
        "products[0].plans[1]",
        "exclusive_sets[0].plans",
        "location_restrictions[0].prohibited[0]",
        "location_restrictions[0]",
    ]


def test_the_error_lists_problems_one_per_line(base: Catalog) -> None:
    with pytest.raises(CatalogFileError) as caught:
        parse_catalog_text(plan_table(plan_id="bad") + "colour = 1\n", base, "acme.toml")
    assert str(caught.value).splitlines() == [
        "acme.toml:plans[0].colour: unknown key 'colour'",
        "acme.toml:plans[0].id: 'bad' is not a GUID (like 6fd2c87f-b296-42f0-b197-1e91e994b900)",
    ]


def test_toml_syntax_errors_give_the_line(base: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('version = 1\n\n[[plans]\nid = "x"\n', encoding="utf-8")
    with pytest.raises(CatalogFileError) as caught:
        parse_catalog_file(path, base)
    (problem,) = caught.value.problems
    assert problem.where == "3"
    assert str(caught.value).startswith(f"{path}:3: invalid TOML: ")


def test_an_unreadable_file_is_a_problem(base: Catalog, tmp_path: Path) -> None:
    with pytest.raises(CatalogFileError, match="cannot read"):
        parse_catalog_file(tmp_path / "missing.toml", base)


def test_the_documentation_shows_the_example_file() -> None:
    doc = (ROOT / "docs/catalog.md").read_text("utf-8")
    assert f"```toml\n{EXAMPLE.read_text('utf-8')}```" in doc
    assert "seatplan catalog import" in doc
