"""What every bulk import shares: the report, its bad rows, chunks and their transactions.

An import checks every row before it writes any (a dry run stops there), then writes
chunk by chunk, one transaction each, so an import that stopped half-way resumes when
run again (its rows are idempotent). docs/bulk-import.md describes the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import TypeVar

from sqlalchemy.orm import Session

from seatplan.services import audit, transaction
from seatplan.store.db import Database

#: Rows per transaction.
CHUNK = 1000

#: Called after each chunk written: (rows done, rows in the file).
Progress = Callable[[int, int], None]

_Item = TypeVar("_Item")


@dataclass(frozen=True)
class Problem:
    """A bad row: its line in the file, the column at fault (if one is), why."""

    line: int
    column: str | None
    message: str


@dataclass
class Report:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    written: bool = False

    def writing(self) -> Report:
        """The report of the writing pass that follows this (checking) one."""
        return Report(rows=self.rows, ignored_columns=self.ignored_columns, written=True)


class ImportStopped(Exception):
    """A chunk failed while writing: it was rolled back; the chunks before it stay."""

    def __init__(self, problem: Problem, report: Report) -> None:
        super().__init__(f"line {problem.line}: {problem.message}")
        self.problem = problem
        self.report = report


class RowFailed(Exception):
    """A row that the directory refused while its chunk was written (rolled back)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def chunks(rows: Iterator[_Item], size: int) -> Iterator[list[_Item]]:
    while chunk := list(islice(rows, size)):
        yield chunk


@contextmanager
def writing(db: Database, actor: audit.Actor | None) -> Iterator[Session]:
    """A chunk's transaction, audited as `actor`'s (else as the database's caller)."""
    with transaction.writing(db) as session:
        if actor is not None:
            audit.act_as(session, actor)
        yield session
