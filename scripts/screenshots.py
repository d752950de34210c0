"""Take the screenshots of docs/screenshots/ (shown in the README): the portal's main pages
on the demo tenant, at 1280 px (desktop) and 390 px (phone), in Debian's Chromium.

Usage: python scripts/screenshots.py [--output docs/screenshots]

The portal runs in this process on a temporary SQLite database holding the demo tenant
(`seatplan demo`'s), with its worker, on a free local port; Playwright drives
/usr/bin/chromium (it never downloads a browser). Each picture is the top of its page, at
most MAX_HEIGHT pixels tall, so that the files stay small.
"""

from __future__ import annotations

import argparse
import secrets
import socket
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import Page, sync_playwright

from seatplan import demo
from seatplan.server import create_app
from seatplan.services import admins, catalog, lookup, setup
from seatplan.settings import Settings
from seatplan.store.db import Database

CHROMIUM = "/usr/bin/chromium"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
MAX_HEIGHT = {"desktop": 1100, "phone": 1500}
#: A new administrator's password and a session key for each run (the database is thrown away).
PASSWORD = secrets.token_urlsafe(16)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pages(db: Database) -> dict[str, str]:
    """Name of each picture → the page's address."""
    with db.reading() as session:
        staff = lookup.group(session, "All Staff").id
        adele = lookup.user(session, "adele@contoso.com").id
        e3 = catalog.find_product(session, "ENTERPRISEPACK").sku_id
    return {
        "products": "/licenses",
        "product": f"/licenses/{e3}",
        "groups": "/groups",
        "group": f"/groups/{staff}",
        "group-errors": f"/groups/{staff}/errors",
        "user": f"/users/{adele}",
        "audit": "/audit",
    }


def _shoot(page: Page, path: Path, width: str) -> None:
    height = min(page.evaluate("document.documentElement.scrollHeight"), MAX_HEIGHT[width])
    clip = {"x": 0, "y": 0, "width": WIDTHS[width][0], "height": height}
    page.screenshot(path=str(path), full_page=True, clip=clip)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path("docs/screenshots"))
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{Path(folder) / 'screenshots.db'}")
        setup.initialize(db)
        demo.load(db)
        with db.writing() as session:
            admins.create(
                session, username="admin", role=admins.GLOBAL_ADMINISTRATOR, password=PASSWORD
            )
        settings = Settings(
            database_url=db.url, secret_key=secrets.token_urlsafe(32), poll_seconds=0.1
        )
        port = _free_port()
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(db, settings, run_worker=True),
                host="127.0.0.1",
                port=port,
                log_level="warning",
            )
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        url = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=["--headless", "--no-sandbox"]
                )
                for width, (x, y) in WIDTHS.items():
                    page = browser.new_page(viewport={"width": x, "height": y})
                    page.goto(f"{url}/signin")
                    page.get_by_label("Username").fill("admin")
                    page.get_by_label("Password").fill(PASSWORD)
                    page.get_by_role("button", name="Sign in").click()
                    page.wait_for_url("**/licenses")
                    for name, address in _pages(db).items():
                        page.goto(f"{url}{address}")
                        _shoot(page, args.output / f"{width}-{name}.png", width)
                    if width == "phone":
                        page.goto(f"{url}/licenses")
                        page.get_by_role("button", name="Menu").click()
                        page.screenshot(path=str(args.output / "phone-menu.png"))
                    page.close()
                browser.close()
        finally:
            server.should_exit = True
            thread.join(timeout=30)
            db.dispose()
    for picture in sorted(args.output.glob("*.png")):
        print(f"{picture} {picture.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    main()
