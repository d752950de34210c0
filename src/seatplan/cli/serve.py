"""`seatplan serve`: the application (`seatplan.server`) on uvicorn, with the worker."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from seatplan import logs
from seatplan.cli.context import database
from seatplan.cli.output import fail_lines
from seatplan.cli.tls import TlsFilesError, tls_files
from seatplan.services import setup
from seatplan.settings import NO_WORKER_ENV, get_settings

#: Where prometheus_client's multiprocess mode keeps each process's counters.
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: How long a server process may take to answer uvicorn's health check (see `serve`).
WORKER_HEALTHCHECK_SECONDS = 60

#: Addresses that listen on every interface: no single name to trust from them.
WILDCARDS = frozenset({"0.0.0.0", "::", ""})  # noqa: S104 - names, not a bind


def trusted_hosts(host: str, trusted: list[str]) -> list[str]:
    """The hosts to answer to: the configured ones, plus the address we were told to serve.

    A client that reaches `seatplan serve --host 10.0.0.5` by that address names it in
    `Host`; refusing it would make the option useless without a second setting.
    """
    if host in WILDCARDS or host in trusted or "*" in trusted:
        return trusted
    return [*trusted, host]


def metrics_folder() -> Path:
    """The folder where each server process counts its HTTP requests (`api.metrics`).

    `PROMETHEUS_MULTIPROC_DIR` when set (emptied: counts of an earlier run would add
    to this one's); otherwise a new temporary folder, removed on exit. Set in the
    environment before uvicorn starts a process, so that each one counts into it.
    """
    configured = os.environ.get(METRICS_DIR_ENV)
    if configured:
        folder = Path(configured)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        return folder
    folder = Path(tempfile.mkdtemp(prefix="seatplan-metrics-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    os.environ[METRICS_DIR_ENV] = str(folder)
    return folder


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    no_worker: Annotated[
        bool,
        typer.Option("--no-worker", help="Do not process licenses in this process."),
    ] = False,
    workers: Annotated[
        int,
        typer.Option("--workers", min=1, max=64, help="Server processes (one per core)."),
    ] = 1,
    certfile: Annotated[
        str | None,
        typer.Option(
            "--certfile",
            help="PEM certificate (with its chain) to serve HTTPS with "
            "[default: SEATPLAN_TLS_CERTFILE].",
        ),
    ] = None,
    keyfile: Annotated[
        str | None,
        typer.Option(
            "--keyfile",
            help="Its unencrypted PEM private key [default: SEATPLAN_TLS_KEYFILE].",
        ),
    ] = None,
) -> None:
    """Serve the API until interrupted; the worker runs in the background unless told not to.

    The database is migrated first. Each process runs its own worker thread: they share
    the licensing queue. For speed: --workers = cores; on SQLite also --no-worker, with
    one `seatplan worker` beside it (docs/api.md, Speed). uvicorn runs on uvloop and
    httptools (from `uvicorn[standard]`). With a certificate and its key it serves HTTPS
    only (docs/operations.md, HTTPS).
    """
    settings = get_settings()
    try:
        tls = tls_files(certfile or settings.tls_certfile, keyfile or settings.tls_keyfile)
    except TlsFilesError as error:
        fail_lines(str(error))  # before the database is touched: nothing started
        raise typer.Exit(1) from error
    setup.initialize(database())
    os.environ[NO_WORKER_ENV] = "1" if no_worker else "0"
    configured = settings.trusted_hosts
    trusted = trusted_hosts(host, configured)
    if trusted != configured:  # uvicorn's processes read the settings from the environment
        os.environ["SEATPLAN_TRUSTED_HOSTS"] = ",".join(trusted)
        get_settings.cache_clear()  # with one process, uvicorn builds the app in this one
    if host in WILDCARDS and "*" not in trusted:
        typer.echo(
            f"Listening on every interface; requests must name one of {', '.join(trusted)} "
            "in Host: set SEATPLAN_TRUSTED_HOSTS to the names clients use (docs/operations.md)."
        )
    metrics_folder()
    scheme = "https" if tls else "http"
    typer.echo(f"Seatplan API on {scheme}://{host}:{port}/v1.0 (documentation: /docs)")
    uvicorn.run(
        # By name: the CLI imports neither face (uvicorn imports it in each process).
        "seatplan.server:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # Every process logs alike (`seatplan.logs`); `api.access` writes the access log.
        log_config=logs.config(settings.log_format, settings.log_level),
        log_level=settings.log_level.lower(),
        access_log=False,
        # Each process answers the parent's health check only once it has imported the
        # CLI (spawned processes run the main module first): seconds on a loaded machine,
        # where uvicorn's 5 s default killed every process before it started.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        ssl_certfile=tls.certfile if tls else None,
        ssl_keyfile=tls.keyfile if tls else None,
    )
