"""The database of the current command, shared options, and waiting for processing."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from seatplan.processing import rule_evaluation, worker
from seatplan.services import audit
from seatplan.settings import get_settings
from seatplan.store.db import Database

#: Above this many queued users, processing shows a progress bar on stderr.
PROGRESS_THRESHOLD = 1000

#: The database opened by the running command (at most one).
_opened: list[Database] = []

Json = Annotated[bool, typer.Option("--json", help="Print plain JSON on stdout.")]
NoWait = Annotated[
    bool,
    typer.Option(
        "--no-wait",
        help="Queue the licensing work and return; a worker or `seatplan process` does it.",
    ),
]


def database() -> Database:
    """The database of SEATPLAN_DATABASE_URL, opened once per command.

    The root command closes it when the command ends (`close_database`).
    """
    if not _opened:
        info = {audit.ACTOR_KEY: _command_line_actor()}
        _opened.append(Database(get_settings().database_url, session_info=info))
    return _opened[0]


def _command_line_actor() -> audit.Actor:
    """Changes made from the command line are audited under the account that ran it."""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):  # no login name and no passwd entry (some containers)
        account = "unknown account"
    return audit.Actor("user", f"{account} (command line)")


def close_database() -> None:
    while _opened:
        _opened.pop().dispose()


def wait_for_processing(db: Database, no_wait: bool, *, show_progress: bool = False) -> int | None:
    """Process what the command queued (None with `--no-wait`). Returns users evaluated.

    A progress bar is shown on stderr when the queue is big or `show_progress` is set;
    small queues are processed silently. A running worker simply shares the queue.
    """
    if no_wait:
        typer.echo("Queued for processing: a worker or `seatplan process` will apply it.")
        return None
    batch_size = get_settings().batch_size
    queued = worker.pending(db)
    if queued == 0 and rule_evaluation.pending(db) == 0:
        return 0
    if queued <= PROGRESS_THRESHOLD and not show_progress:
        return worker.drain(db, batch_size=batch_size)
    columns = (
        TextColumn("Processing licenses"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("processing", total=queued)

        def progress(done: int, left: int) -> None:
            bar.update(task, completed=done, total=done + left)

        return worker.drain(db, batch_size=batch_size, progress=progress)
