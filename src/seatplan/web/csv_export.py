"""CSV downloads of the portal's lists, streamed a page at a time.

Each list's export reads the same service query as its page, with the page's filters and
order, `EXPORT_PAGE` rows per short read transaction, and sends each page as soon as it
is written: memory stays flat whatever the list's length. Written as the users' export
(`services.bulk_import.export_users`) writes: `csv.writer`, CRLF lines, UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy.orm import Session
from starlette.responses import StreamingResponse

from seatplan.store import deadline
from seatplan.store.db import Database

#: Rows per read: large enough that a deep page's cost is paid a few times only.
EXPORT_PAGE = 2000
#: A cell a spreadsheet would run as a formula starts with one of these: it gets a quote.
_FORMULA = ("=", "+", "-", "@", "\t", "\r")

#: Reads the rows of one page: (session, offset, limit) → rows, empty after the last one.
PageReader = Callable[[Session, int, int], Sequence[Sequence[object]]]
#: Reads the page after a row's key (None: the first page): (session, after, limit) →
#: (rows, the last row's key). For the long lists, which a deep offset would walk again.
KeyedReader = Callable[[Session, Any, int], tuple[Sequence[Sequence[object]], Any]]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def rows_of(db: Database, header: Sequence[str], read: PageReader) -> Iterator[str]:
    """The header, then each page of rows as CSV text, until a page comes back short."""

    def keyed(session: Session, after: Any, limit: int) -> tuple[Sequence[Sequence[object]], Any]:
        offset = after or 0
        return read(session, offset, limit), offset + limit

    return rows_after(db, header, keyed)


def rows_after(db: Database, header: Sequence[str], read: KeyedReader) -> Iterator[str]:
    """As `rows_of`, each page read after the previous page's last key."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")

    def flush(rows: Iterable[Sequence[object]]) -> str:
        out.writerows([_cell(v) for v in row] for row in rows)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield flush([header])
    after: Any = None
    while True:
        with db.reading() as session:
            rows, after = read(session, after, EXPORT_PAGE)
        if rows:
            yield flush(rows)
        if len(rows) < EXPORT_PAGE:
            return


def unlimited(pieces: Iterator[str]) -> Iterator[bytes]:
    """Each page read without the request's time limit: a long list takes longer than one
    request may, but each page is a short read of its own."""
    while True:
        with deadline.time_limit(None):
            piece = next(pieces, None)
        if piece is None:
            return
        yield piece.encode("utf-8")


def download(filename: str, pieces: Iterator[str]) -> StreamingResponse:
    return StreamingResponse(
        unlimited(pieces),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
