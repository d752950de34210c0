"""`seatplan users import|export` and `seatplan groups import-members`: Entra's bulk CSVs.

docs/bulk-import.md describes the formats, the dry run and how an import resumes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from seatplan.cli import output
from seatplan.cli.context import Json, NoWait, database, wait_for_processing
from seatplan.services import bulk_export, bulk_import, bulk_members, bulk_report

CsvFile = Annotated[
    Path, typer.Argument(help="The CSV file.", exists=True, dir_okay=False, readable=True)
]
DryRun = Annotated[
    bool, typer.Option("--dry-run", help="Check every row and report; write nothing.")
]
ChunkSize = Annotated[int, typer.Option("--chunk-size", min=1, help="Rows per transaction.")]


def register_users(app: typer.Typer) -> None:
    app.command("import")(import_users)
    app.command("export")(export_users)


def register_groups(app: typer.Typer) -> None:
    app.command("import-members")(import_members)


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield advance


def _finish(
    report: bulk_report.Report, *, dry_run: bool, json: bool, nouns: tuple[str, str | None]
) -> None:
    """The summary; bad rows one per line on stderr and exit code 1."""
    created, updated = nouns
    if json:
        output.print_json(
            {
                "rows": report.rows,
                created: report.created,
                **({updated: report.updated} if updated else {}),
                "unchanged": report.unchanged,
                "written": report.written,
                "ignoredColumns": list(report.ignored_columns),
                "problems": [
                    {"line": p.line, "column": p.column, "message": p.message}
                    for p in report.problems
                ],
            }
        )
    for problem in report.problems:
        column = f" [{problem.column}]" if problem.column else ""
        output.fail_lines(f"line {problem.line}{column}: {problem.message}")
    if report.problems:
        if not json:
            output.say(f"{len(report.problems)} bad row(s) of {report.rows}: nothing written.")
        raise typer.Exit(1)
    if json:
        return
    if report.ignored_columns:
        output.say(f"Ignored columns: {', '.join(report.ignored_columns)}.", output.WARN)
    verb = "Dry run, would be:" if dry_run else "Done:"
    output.say(
        f"{verb} {report.created} {created}, "
        + (f"{report.updated} {updated}, " if updated else "")
        + f"{report.unchanged} unchanged, of {report.rows} row(s).",
        output.OK,
    )


def _stopped(stop: bulk_report.ImportStopped) -> NoReturn:
    done = stop.report.created + stop.report.updated + stop.report.unchanged
    output.fail_lines(
        f"line {stop.problem.line}: {stop.problem.message}\n"
        f"Stopped: the {done} row(s) before its chunk are written; run the same "
        "command again to resume."
    )
    raise typer.Exit(1)


def import_users(
    file: CsvFile,
    dry_run: DryRun = False,
    update: Annotated[
        bool,
        typer.Option(
            "--update", help="Entra's bulk update file: rows name users by their Object ID."
        ),
    ] = False,
    chunk_size: ChunkSize = bulk_report.CHUNK,
    json: Json = False,
    no_wait: NoWait = False,
) -> None:
    """Create (or --update) users from Entra's bulk CSV; every row is checked first."""
    db = database()
    try:
        with _progress("Importing users") as advance:
            report = bulk_import.import_users(
                db, file, update=update, dry_run=dry_run, chunk_size=chunk_size, progress=advance
            )
    except bulk_report.ImportStopped as stop:
        _stopped(stop)
    if report.written:
        wait_for_processing(db, no_wait)
    _finish(report, dry_run=dry_run, json=json, nouns=("created", "updated"))


def export_users(
    file: Annotated[
        Path | None, typer.Argument(help="Where to write (default: standard output).")
    ] = None,
) -> None:
    """Every user in bulk create's CSV columns (with the id last), read page by page."""
    db = database()
    if file is None:
        for text in bulk_export.export_users(db):
            sys.stdout.write(text)
        return
    with file.open("w", newline="", encoding="utf-8") as stream:
        for text in bulk_export.export_users(db):
            stream.write(text)
    output.say(f"Exported users to {file}.", output.OK)


def import_members(
    group: Annotated[str, typer.Argument(help="displayName or id.")],
    file: CsvFile,
    dry_run: DryRun = False,
    chunk_size: ChunkSize = bulk_report.CHUNK,
    json: Json = False,
    no_wait: NoWait = False,
) -> None:
    """Add users to a group from Entra's bulk add members CSV; every row is checked first."""
    db = database()
    try:
        with _progress("Adding members") as advance:
            report = bulk_members.import_members(
                db, group, file, dry_run=dry_run, chunk_size=chunk_size, progress=advance
            )
    except bulk_report.ImportStopped as stop:
        _stopped(stop)
    if report.written:
        wait_for_processing(db, no_wait)
    _finish(report, dry_run=dry_run, json=json, nouns=("added", None))
