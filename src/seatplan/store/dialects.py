"""Where SQLite and PostgreSQL differ: one helper per difference, nothing else branches.

- `insert`: `INSERT … ON CONFLICT` (each dialect has its own construct; the same methods).
- `insert_from_select`: `INSERT … SELECT … ON CONFLICT`, which SQLite parses only with a
  `WHERE` in the `SELECT`.
- `Greatest` / `Least` of values: `greatest`/`least` on PostgreSQL, the several-argument
  `max`/`min` on SQLite. They differ on NULL (PostgreSQL skips it, SQLite answers NULL):
  pass values that are not NULL.
- `JsonItems`: the items of a JSON list as a table with a `value` column: `json_each` on
  SQLite, `json_array_elements_text` on PostgreSQL.
- `is_postgres`: the few paths that use what only PostgreSQL has (`COPY`, arrays, advisory
  locks). `FOR UPDATE [SKIP LOCKED]` needs no helper: SQLite's compiler leaves it out, and
  a SQLite writing transaction already excludes every other writer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, Table, literal
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction, ReturnTypeFromArgs

Insert = postgresql.Insert | sqlite.Insert


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert(session: Session, table: Any) -> Insert:
    """An INSERT on `table` (a Table or a mapped class) that offers `on_conflict_do_…`."""
    if is_postgres(session):
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_from_select(
    session: Session, table: Table, columns: list[str], rows: Select[Any]
) -> Insert:
    """INSERT … SELECT that offers `on_conflict_do_…`."""
    if is_postgres(session):
        return postgresql.insert(table).from_select(columns, rows)
    # Without a WHERE, SQLite would read ON CONFLICT as the SELECT's join constraint.
    return sqlite.insert(table).from_select(columns, rows.where(literal(True)))


class Greatest(ReturnTypeFromArgs[Any]):
    """The largest of the arguments (see the module's docstring on NULL)."""

    name = "greatest"
    inherit_cache = True
    _register = False


class Least(ReturnTypeFromArgs[Any]):
    """The smallest of the arguments (see the module's docstring on NULL)."""

    name = "least"
    inherit_cache = True
    _register = False


@compiles(Greatest, "sqlite")
def _greatest_on_sqlite(element: Greatest, compiler: SQLCompiler, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(Least, "sqlite")
def _least_on_sqlite(element: Least, compiler: SQLCompiler, **kw: Any) -> str:
    return f"min({compiler.process(element.clauses, **kw)})"


class JsonItems(GenericFunction[Any]):
    """The items of a JSON list of strings: `JsonItems(column).table_valued("value")`."""

    name = "json_each"
    inherit_cache = True
    _register = False


@compiles(JsonItems, "postgresql")
def _json_items_on_postgres(element: JsonItems, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_array_elements_text({compiler.process(element.clauses, **kw)})"
