"""Metrics add up across processes: `seatplan serve --workers 2` and two `seatplan worker`.

Each server process counts the requests it answers in a file of PROMETHEUS_MULTIPROC_DIR;
a scrape, whichever process answers it, sums them. Workers count their batches in the
database, with the batch: a scrape shows the work of both. Every process logs JSON lines
(`SEATPLAN_LOG_FORMAT=json`), uvicorn's own lines included.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from tests.integration.metrics_support import Samples, parse, series, value

from seatplan.processing import worker
from seatplan.services import queue, users
from seatplan.store.db import Database

SEATPLAN = str(Path(sys.executable).with_name("seatplan"))
USERS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def _started(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(
            [SEATPLAN, *args], env=env, stdout=subprocess.DEVNULL, stderr=out
        )
        try:
            yield process
        finally:
            _stop(process)


def _wait_until_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, log.read_text()
        time.sleep(0.2)
    raise AssertionError(f"the server did not start: {log.read_text()}")


def _scrape(url: str) -> Samples:
    answer = httpx.get(f"{url}/metrics", timeout=10)
    assert answer.status_code == 200, answer.text
    return parse(answer.text)


def _processes_counting(folder: Path) -> set[str]:
    """The server processes that have counted a request (one file each)."""
    return {path.stem.split("_")[-1] for path in folder.glob("counter_*.db")}


def _wait_for_line(logs: list[Path], message: str) -> None:
    """Until every log has a line saying `message`."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if all(message in log.read_text() for log in logs):
            return
        time.sleep(0.1)
    raise AssertionError(f"no '{message}' in {[log.read_text() for log in logs]}")


def _json_lines(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def test_two_server_processes_and_two_workers_add_up(db: Database, tmp_path: Path):
    folder = tmp_path / "metrics"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "SEATPLAN_DATABASE_URL": db.url,
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "SEATPLAN_LOG_FORMAT": "json",
        "SEATPLAN_BATCH_SIZE": "1",
        "SEATPLAN_POLL_SECONDS": "0.05",
        "NO_PROXY": "*",
    }
    serve = ["serve", "--port", str(port), "--workers", "2", "--no-worker"]
    server_log = tmp_path / "serve.log"
    with _started(serve, env, server_log) as server:
        _wait_until_ready(url, server, server_log)

        # Requests on new connections, until both processes have answered some.
        sent = 0
        while len(_processes_counting(folder)) < 2 or sent < 20:
            assert sent < 3000, "one process answered every request"
            assert httpx.get(f"{url}/healthz").status_code == 200
            sent += 1
        # Every request since the probes of the start (a client may have given up on one
        # that the server answered all the same: those are left out).
        answered = sent
        for _ in range(6):  # whichever process answers, the sum of both
            samples = _scrape(url)
            counted = series(samples, "seatplan_http_requests_total")
            assert sum(
                n for labels, n in counted.items() if ("route", "/readyz") not in labels
            ) == (answered)
            answered += 1  # this scrape, counted once answered
            healthz = {"method": "GET", "route": "/healthz", "status": "200"}
            assert value(samples, "seatplan_http_requests_total", **healthz) == sent
            assert (
                value(
                    samples,
                    "seatplan_http_request_duration_seconds_count",
                    method="GET",
                    route="/healthz",
                )
                == sent
            )

        before = _scrape(url)
        worker_logs = [tmp_path / "worker-1.log", tmp_path / "worker-2.log"]
        # One worker process after the other, each with half of the users: both surely do
        # some work (run at once, one may take every batch), and the scrape must add up both.
        for number, log in enumerate(worker_logs):
            with _started(["worker"], env, log):
                _wait_for_line([log], "worker started")
                with db.writing() as session:
                    created = [
                        users.create(
                            session,
                            user_principal_name=f"w{number}u{n}@contoso.com",
                            display_name=f"U {number} {n}",
                        )
                        for n in range(USERS // 2)
                    ]
                    queue.enqueue_users(session, [user.id for user in created])
                deadline = time.monotonic() + 120
                while worker.pending(db) and time.monotonic() < deadline:
                    time.sleep(0.2)
            assert worker.pending(db) == 0
        after = _scrape(url)

    def delta(name: str) -> float:
        return value(after, name) - value(before, name)

    assert delta("seatplan_worker_users_total") == USERS
    assert delta("seatplan_worker_batches_total") == USERS  # one user per batch
    assert delta("seatplan_worker_batch_duration_seconds_count") == USERS
    batches = [
        [line for line in _json_lines(log) if line["logger"] == "seatplan.processing.batch"]
        for log in worker_logs
    ]
    assert all(batches), "each worker processed batches"
    assert sum(line["users"] for lines in batches for line in lines) == USERS
    served = _json_lines(server_log)
    assert any(line["logger"].startswith("uvicorn") for line in served)
    assert (
        sum(
            line.get("route") == "/healthz"
            for line in served
            if line["logger"] == "seatplan.access"
        )
        == sent
    )
