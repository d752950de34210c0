"""The limits of a catalog file (docs/catalog.md, "Limits"), checked before it is built."""

from __future__ import annotations

import uuid

import pytest

from seatplan.catalog import Catalog, CatalogFileError, builtin_catalog, parse_catalog_text
from seatplan.catalog.file_limits import (
    MAX_ITEMS,
    MAX_NESTING,
    MAX_PROBLEMS,
    MAX_TABLES,
    too_deep,
)


@pytest.fixture(scope="module")
def base() -> Catalog:
    return builtin_catalog()


def problems(text: str, base: Catalog) -> list[str]:
    with pytest.raises(CatalogFileError) as caught:
        parse_catalog_text(text, base, "acme.toml")
    return [f"{p.where}: {p.message}" for p in caught.value.problems]


def test_brackets_in_strings_and_comments_are_not_nesting() -> None:
    deep = "[" * (MAX_NESTING + 1)
    assert too_deep(f'a = "{deep}"\nb = \'{deep}\'\n# {deep}\nc = """\n{deep}\n"""\n') is None
    assert too_deep(f"x = 1\ny = {'[' * MAX_NESTING}{']' * MAX_NESTING}\n") is None
    assert too_deep(f'x = """\n\n"""\ny = {deep}\n') == 4
    assert too_deep(f"x = {{a = {deep}") == 1


def test_a_string_left_open_is_read_in_linear_time() -> None:
    assert too_deep('a = "' + "x" * 200_000) is None
    assert too_deep('a = """' + '"' * 2 + "x" * 200_000) is None


def test_too_many_tables_in_a_section(base: Catalog) -> None:
    text = "plans = [" + "{}, " * (MAX_TABLES + 1) + "]\n"
    assert problems(text, base) == ["plans: at most 10000 tables"]


def test_too_many_plans_in_a_list(base: Catalog) -> None:
    names = ", ".join(['"TEAMS1"'] * (MAX_ITEMS + 1))
    text = f'[[exclusive_sets]]\nname = "X"\nplans = [{names}]\n'
    assert problems(text, base) == [
        f"exclusive_sets[0].plans: at most 10000 plans, not {MAX_ITEMS + 1}"
    ]


def test_problems_beyond_the_limit_are_counted(base: Catalog) -> None:
    text = "".join(f'[[plans]]\nid = "{uuid.uuid4()}"\n' for _ in range(MAX_PROBLEMS + 5))
    found = problems(text, base)
    assert len(found) == MAX_PROBLEMS + 1
    assert found[-1] == "0: and 5 more problems"


def test_a_huge_value_is_not_repeated_in_its_message(base: Catalog) -> None:
    (found,) = problems(f'[[plans]]\nid = "{"x" * 5000}"\nname = "A"\n', base)
    assert found.startswith("plans[0].id: 'xxxx")
    assert len(found) < 200
