"""`seatplan process` (drain the queue once) and `seatplan worker` (keep draining it)."""

from __future__ import annotations

import logging
import signal
import threading
from types import FrameType

from seatplan import logs
from seatplan.cli import output
from seatplan.cli.context import database, wait_for_processing
from seatplan.processing import worker
from seatplan.settings import get_settings


def process() -> None:
    """Process every queued user once, with a progress bar, then return."""
    evaluated = wait_for_processing(database(), False, show_progress=True)
    output.say(f"{evaluated or 0} user(s) evaluated.", output.OK)


def run_worker() -> None:
    """Process queued users as they come, until Ctrl-C or SIGTERM; logs go to stderr.

    Several workers (and the CLI) may share one queue.
    """
    settings = get_settings()
    logs.configure(settings.log_format, settings.log_level)
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger(__name__).info(
            "%s: stopping after the current batch", signal.Signals(signum).name
        )
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker.run(
            database(),
            batch_size=settings.batch_size,
            poll_seconds=settings.poll_seconds,
            stop=stop,
        )
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
