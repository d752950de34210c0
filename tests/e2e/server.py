"""A `seatplan serve` process on a free localhost port, over a fresh SQLite database.

Given certificates (tests/e2e/certificates.py) it serves HTTPS, and is waited for through
HTTPS with the test authority trusted.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from tests.e2e.certificates import Certificates

SEATPLAN = str(Path(sys.executable).with_name("seatplan"))


@dataclass(frozen=True)
class Server:
    url: str
    env: dict[str, str]
    #: What a client trusts to reach an HTTPS server: the test authority's certificate.
    verify: ssl.SSLContext | bool = True

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [SEATPLAN, *args], env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_server(
    database_url: str, *extra: str, certificates: Certificates | None = None
) -> Iterator[Server]:
    port = free_port()
    env = {
        **os.environ,
        "SEATPLAN_DATABASE_URL": database_url,
        "SEATPLAN_POLL_SECONDS": "0.1",
        "NO_PROXY": "*",
    }
    log = open(os.environ.get("SEATPLAN_TEST_SERVER_LOG", os.devnull), "w")  # noqa: SIM115
    tls: list[str] = []
    verify: ssl.SSLContext | bool = True
    if certificates is not None:
        tls = ["--certfile", str(certificates.certfile), "--keyfile", str(certificates.keyfile)]
        verify = ssl.create_default_context(cafile=certificates.authority)
    process = subprocess.Popen(
        [SEATPLAN, "serve", "--host", "127.0.0.1", "--port", str(port), *tls, *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"{'https' if certificates else 'http'}://127.0.0.1:{port}"
    try:
        # Generous: migrating a new database and starting uvicorn took 24 s on a machine
        # loaded by other test runs (load average 12 on 2 cores).
        deadline = time.monotonic() + 90
        while True:
            try:
                # /healthz, not /openapi.json: building the schema takes seconds on a loaded
                # machine, and probes that time out would each start building it again.
                if httpx.get(f"{url}/healthz", timeout=1, verify=verify).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(
                    f"server did not start: {process.stderr.read() if process.stderr else ''}"
                )
            time.sleep(0.1)
        yield Server(url, env, verify)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
