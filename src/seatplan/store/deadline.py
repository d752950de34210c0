"""A time limit on the statements of a request: past it, the database cancels them.

The server sets the limit per request (`time_limit`); a statement still running then is
cancelled and its transaction rolled back, so no request holds a core or SQLite's write
lock for long. On SQLite a progress handler of every connection checks the deadline; on
PostgreSQL each transaction of a request sets `statement_timeout` to the time left. Work
outside a request (the worker's batches, the command line) has no limit.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: When the current request's statements must stop (time.monotonic()), or None.
_deadline: ContextVar[float | None] = ContextVar("seatplan_deadline", default=None)
#: SQLite virtual machine instructions between two looks at the clock (about 0.1 ms).
SQLITE_CHECK_EVERY = 10_000


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Statements run within the block are cancelled `seconds` after it starts."""
    token = _deadline.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def passed() -> bool:
    """True once the deadline of the current request has passed (SQLite's handler)."""
    deadline = _deadline.get()
    return deadline is not None and time.monotonic() > deadline


def remaining_ms() -> int | None:
    """Milliseconds left for the current request's statements (at least 1), or None."""
    deadline = _deadline.get()
    if deadline is None:
        return None
    return max(1, int((deadline - time.monotonic()) * 1000))
