"""The one way every face opens a transaction that will write.

The catalog's rules are built, when the catalog changed, in a read transaction of their
own first (`catalog.prepare`): built inside the write transaction they would hold the
write lock (on SQLite, the whole database's) for as long as that takes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from seatplan.services import catalog
from seatplan.store.db import Database


@contextmanager
def writing(db: Database) -> Iterator[Session]:
    """A write transaction whose catalog rules are ready before it takes the lock."""
    catalog.prepare(db)
    with db.writing() as session:
        yield session
