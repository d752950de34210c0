"""Bulk reads and writes for the worker's hot path.

SQLAlchemy converts every value of every row through its column type. In a batch most
values repeat (the same SKU, group, plan set and timestamp on thousands of rows), so
here each column's own converter runs once per distinct value, and rows go to the
driver in one call: executemany on SQLite, COPY on PostgreSQL. The converters are
SQLAlchemy's, so what is stored is exactly what the ORM would store.

A raw path, kept for the worker (`processing/`: its loader and batches, and the previews
that run them), where `bench/group_assign.py` shows it pays, and for license-assignment
rows wherever they are written: `services/assignment_rows` is their one writer, so a
user's direct assignLicense goes through here too. Everything else reads and writes
through the session.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    Uuid,
    any_,
    bindparam,
    cast,
    func,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.types import NullType

from seatplan.store import dialects

Convert = Callable[[Any], Any]


def _convert_column(process: Convert | None, values: Sequence[Any]) -> Sequence[Any]:
    """`values` through `process`, run once per distinct value (in a batch values repeat)."""
    if process is None:
        return values
    table = dict.fromkeys(values)
    for value in table:
        table[value] = process(value)
    return list(map(table.__getitem__, values))


def _bind_columns(
    session: Session, table: Table, names: Sequence[str], rows: Sequence[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """Rows as the driver takes them: a tuple per row of its `names` columns, converted."""
    dialect = session.get_bind().dialect
    columns = [
        _convert_column(
            table.c[name].type.dialect_impl(dialect).bind_processor(dialect),
            [row[name] for row in rows],
        )
        for name in names
    ]
    return list(zip(*columns, strict=True))


def fetch(session: Session, stmt: Select[*tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """All rows of `stmt`, each value converted by its column's type, once per value."""
    dialect = session.get_bind().dialect
    selected = list(stmt.selected_columns)
    raw = stmt.with_only_columns(
        *(type_coerce(column, NullType()).label(f"c{i}") for i, column in enumerate(selected)),
        maintain_column_froms=True,
    )
    # Core, not the ORM: plain tuples, with no entities to track.
    rows = session.connection().execute(raw).all()
    if not rows:
        return []
    columns = [
        _convert_column(column.type.dialect_impl(dialect).result_processor(dialect, None), values)
        for column, values in zip(selected, zip(*rows, strict=True), strict=True)
    ]
    return list(zip(*columns, strict=True))


def insert_many(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with every column of `table` named) in one driver call."""
    if not rows:
        return
    names = [column.name for column in table.columns]
    values = _bind_columns(session, table, names, rows)
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    target = f"{quote(table.name)} ({', '.join(quote(name) for name in names)})"
    connection = session.connection()
    if dialects.is_postgres(session):
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for value in values:
                copy.write_row(value)
        return
    marks = ", ".join(["?"] * len(names))
    # Names come from the table's metadata, quoted by the dialect; values are bound.
    connection.exec_driver_sql(f"INSERT INTO {target} VALUES ({marks})", values)  # noqa: S608


def execute_many(
    session: Session,
    table: Table,
    *,
    keys: Sequence[str],
    rows: Sequence[dict[str, Any]],
    set_columns: Sequence[str] = (),
) -> None:
    """UPDATE `set_columns` (or DELETE when there are none) of the rows matched by `keys`."""
    if not rows:
        return
    dialect = session.get_bind().dialect
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    names = [*set_columns, *keys]
    values = _bind_columns(session, table, names, rows)
    where = " AND ".join(f"{quote(name)} = {mark}" for name in keys)
    if set_columns:
        assignments = ", ".join(f"{quote(name)} = {mark}" for name in set_columns)
        sql = f"UPDATE {quote(table.name)} SET {assignments} WHERE {where}"  # noqa: S608
    else:
        sql = f"DELETE FROM {quote(table.name)} WHERE {where}"  # noqa: S608
    session.connection().exec_driver_sql(sql, values)


class Ids(tuple[UUID, ...]):
    """Ids sent in several statements (a batch's users): their hex forms made once.

    Immutable, as a tuple, so what was rendered stays what they are.
    """

    _hexes: list[str] | None = None

    def hexes(self) -> list[str]:
        if self._hexes is None:
            self._hexes = [i.hex for i in self]
        return self._hexes


def _hexes(ids: Sequence[UUID]) -> list[str]:
    return ids.hexes() if isinstance(ids, Ids) else [i.hex for i in ids]


def among(
    session: Session,
    column: ColumnElement[UUID] | InstrumentedAttribute[UUID],
    ids: Sequence[UUID],
) -> ColumnElement[bool]:
    """`column` is one of `ids`, passed as ONE text parameter whatever their number.

    The ids go as hex text: PostgreSQL splits it into a uuid[] (psycopg's own array
    adapter quotes each element in Python, ten times slower); SQLite reads a JSON list of
    the ids as it stores them with json_each. An IN list of 10,000 parameters would be
    rendered and converted one by one on every statement.
    """
    if dialects.is_postgres(session):
        hexes = bindparam(None, ",".join(_hexes(ids)), type_=String())
        array = cast(func.string_to_array(hexes, ","), ARRAY(Uuid()))
        return column == any_(array)
    hexes = bindparam(None, json.dumps(_hexes(ids)), type_=String())
    each = func.json_each(hexes).table_valued("value")
    return type_coerce(column, String()).in_(select(each.c.value).scalar_subquery())


def each_id(session: Session, ids: Sequence[UUID]) -> ColumnElement[Any]:
    """The `ids` as the one column of a table-valued function, for `INSERT … SELECT`.

    One text parameter whatever their number, as in `among`: unnested from a uuid[] on
    PostgreSQL, read with json_each on SQLite (as hex, the way SQLite stores a Uuid).
    """
    if dialects.is_postgres(session):
        hexes = bindparam(None, ",".join(_hexes(ids)), type_=String())
        array = cast(func.string_to_array(hexes, ","), ARRAY(Uuid()))
        return func.unnest(array).column_valued("id")
    hexes = bindparam(None, json.dumps(_hexes(ids)), type_=String())
    return func.json_each(hexes).table_valued("value").c.value
