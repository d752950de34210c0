"""The portal on a real uvicorn server (with its worker) and Debian's Chromium, for e2e tests.

The server runs in a thread of the test process over a fresh SQLite database holding the
demo tenant and three administrators; the licensing worker runs as under `seatplan serve`.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn

from seatplan import demo
from seatplan.server import create_app
from seatplan.services import admins, setup
from seatplan.settings import Settings
from seatplan.store.db import Database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ACCOUNTS = {
    "admin": (admins.GLOBAL_ADMINISTRATOR, "admin-password-1"),
    "licenses": (admins.LICENSE_ADMINISTRATOR, "licenses-password-1"),
    "reader": (admins.GLOBAL_READER, "reader-password-1"),
}


@dataclass(frozen=True)
class Portal:
    url: str
    db: Database
    screenshots: Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    folder = tmp_path_factory.mktemp("portal")
    db = Database(f"sqlite:///{folder / 'portal.db'}")
    setup.initialize(db)
    demo.load(db)
    with db.writing() as session:
        for username, (role, password) in ACCOUNTS.items():
            admins.create(session, username=username, role=role, password=password)
    settings = Settings(database_url=db.url, secret_key="e2e", poll_seconds=0.1)
    app = create_app(db, settings, run_worker=True)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the portal's server did not start")
        time.sleep(0.05)
    shots = Path(os.environ.get("SEATPLAN_PORTAL_SCREENSHOTS") or folder / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    try:
        yield Portal(f"http://127.0.0.1:{port}", db, shots)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        db.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("SEATPLAN_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SEATPLAN_TEST_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
