"""Prepared reads: Core SELECTs compiled once, run straight on the driver's cursor.

On a point read Core's work per execution (the compiled-cache lookup, an execution
context, events, a result object) costs several times the query itself: about 70 µs a
statement against 15 µs on SQLite. The API's busiest routes read two or three rows per
request, so there a statement is compiled once per dialect and run on the DBAPI cursor.
Values still go through each column's own SQLAlchemy converters (as in `store.bulk`),
so a record holds exactly what Core would have returned.

A raw path, for `services.hot_reads` only (`bench/api_reads.py` measures it); every
other read goes through the session.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, Select
from sqlalchemy.engine.interfaces import DBAPICursor, Dialect
from sqlalchemy.exc import MultipleResultsFound, NoResultFound
from sqlalchemy.orm import Session

R = TypeVar("R")
Convert = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    #: Parameter names in the order the driver takes them (positional paramstyles).
    positional: tuple[str, ...] | None
    binds: Mapping[str, Convert]
    results: tuple[Convert, ...]


class Prepared(Generic[R]):
    """A SELECT whose rows become `record(*values)` (a NamedTuple, say)."""

    def __init__(self, statement: Select[*tuple[Any, ...]], record: Callable[..., R]) -> None:
        self.statement = statement
        self.record = record
        self._compiled: dict[str, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = _compile(self.statement, dialect)
        return found


def _compile(statement: Select[*tuple[Any, ...]], dialect: Dialect) -> _Compiled:
    compiled = statement.compile(dialect=dialect)
    for name, bind in compiled.binds.items():
        if bind.expanding:  # an IN list's SQL depends on its length
            raise ValueError(f"a prepared read takes no IN list ({name})")
        if not bind.required:  # `Reader.all` passes only the values it is given
            raise ValueError(f"a prepared read takes every value as a parameter ({name})")
    binds = {
        name: bind.type.dialect_impl(dialect).bind_processor(dialect)
        for name, bind in compiled.binds.items()
    }
    results = tuple(
        column.type.dialect_impl(dialect).result_processor(dialect, None)
        for column in statement.selected_columns
    )
    positional = tuple(compiled.positiontup or ()) if compiled.positional else None
    return _Compiled(compiled.string, positional, binds, results)


class Reader:
    """A read-only transaction on a driver cursor, running `Prepared` statements."""

    def __init__(self, cursor: DBAPICursor, engine: Engine) -> None:
        self._cursor = cursor
        self._engine = engine
        self._dialect = engine.dialect

    def all(self, statement: Prepared[R], **params: Any) -> list[R]:
        compiled = statement.compiled(self._dialect)
        values = {
            name: value if (convert := compiled.binds.get(name)) is None else convert(value)
            for name, value in params.items()
        }
        if compiled.positional is not None:
            self._cursor.execute(compiled.sql, tuple(values[n] for n in compiled.positional))
        else:
            self._cursor.execute(compiled.sql, values)
        record, converters = statement.record, compiled.results
        return [
            record(*(v if c is None else c(v) for c, v in zip(converters, row, strict=True)))
            for row in self._cursor.fetchall()
        ]

    def first(self, statement: Prepared[R], **params: Any) -> R | None:
        rows = self.all(statement, **params)
        return rows[0] if rows else None

    def one(self, statement: Prepared[R], **params: Any) -> R:
        rows: Sequence[R] = self.all(statement, **params)
        if not rows:
            raise NoResultFound("no row where one was required")
        if len(rows) > 1:
            raise MultipleResultsFound("several rows where one was required")
        return rows[0]

    @contextmanager
    def session(self) -> Iterator[Session]:
        """An ORM session in a transaction of its own, for what is rarely needed (and big)."""
        with Session(self._engine) as session, session.begin():
            yield session
