"""`seatplan users import` and the portal's Bulk import: Entra's bulk create and bulk
update files, checked, then written a chunk at a time.

Every row is checked first (its own values, `bulk_user_rows`, then against the directory
a chunk at a time in read transactions, `bulk_user_plan`) and nothing is written when one
is bad: a dry run stops there. Chunks are then written one transaction each, as sets
(`bulk_user_writes`), with the outcome of the user services row by row: licensing,
dynamic groups, the change log, events and the audit log follow. Rows are idempotent, so
an import that stopped half-way is run again as it was: a create row whose user exists
with every given value is skipped, an update row that changes nothing is skipped.
docs/bulk-import.md describes the formats and these rules.
"""

from __future__ import annotations

from pathlib import Path

from seatplan.services import audit, bulk_user_writes
from seatplan.services.bulk_report import (
    CHUNK,
    ImportStopped,
    Progress,
    Report,
    RowFailed,
    chunks,
    writing,
)
from seatplan.services.bulk_user_plan import classify
from seatplan.services.bulk_user_rows import checked_rows
from seatplan.store.db import Database


def import_users(
    db: Database,
    path: Path,
    *,
    update: bool = False,
    dry_run: bool = False,
    chunk_size: int = CHUNK,
    progress: Progress | None = None,
    actor: audit.Actor | None = None,
) -> Report:
    """Check every row of a bulk create (or, `update`, bulk update) file, then write it.

    Nothing is written when a row is bad or on a dry run. A chunk that fails while
    writing raises `ImportStopped` after rolling itself back.
    """
    report = Report()
    for chunk in chunks(checked_rows(path, update=update, report=report), chunk_size):
        with db.reading() as session:
            plan = classify(session, chunk, update=update)
        report.problems.extend(plan.problems)
        report.created += len(plan.create)
        report.updated += len(plan.update)
        report.unchanged += plan.unchanged
    report.problems.sort(key=lambda problem: problem.line)
    if report.problems or dry_run:
        return report
    written = report.writing()
    done = 0
    for chunk in chunks(checked_rows(path, update=update, report=Report()), chunk_size):
        try:
            with writing(db, actor) as session:
                plan = classify(session, chunk, update=update)
                if plan.problems:
                    raise RowFailed(plan.problems[0])
                bulk_user_writes.create(session, plan.create)
                bulk_user_writes.update(session, plan.update)
        except RowFailed as failed:
            raise ImportStopped(failed.problem, written) from None
        written.created += len(plan.create)
        written.updated += len(plan.update)
        written.unchanged += plan.unchanged
        done += len(chunk)
        if progress is not None:
            progress(done, report.rows)
    return written
