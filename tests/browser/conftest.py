"""A real Chromium (Debian's, driven by Playwright) against ringback served on a
real socket.

``scripts/ensure-chromium`` installs /usr/bin/chromium where it can; without it
every browser test skips and says why, except on CI (CI=true), where it fails.
The app runs in werkzeug's server in a thread on 127.0.0.1 with a free port,
on the same Redis, database and clock as the test, so a test can arrange data
directly and then drive the browser.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from werkzeug.serving import BaseWSGIServer, make_server

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@dataclass
class LiveServer:
    url: str
    services: object

    def at(self, path: str) -> str:
        return self.url + path


class _Deferred:
    """The WSGI app handed to the server before the app exists (the port comes first)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture(scope="session")
def playwright_driver():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":  # CI must not go green without its browser tests
            pytest.fail(f"{CHROMIUM} is not installed on CI; scripts/ensure-chromium "
                        "should have installed it", pytrace=False)
        pytest.skip(f"{CHROMIUM} is not installed; run scripts/ensure-chromium "
                    "(apt-get install chromium) to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright_driver):
    chromium = playwright_driver.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS
    )
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture
def live_server(services) -> Iterator[LiveServer]:
    from ringback.app import create_app

    deferred = _Deferred()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, deferred, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    settings = services.settings.with_changes(public_base_url=url)
    live_services = replace(services, settings=settings)
    deferred.app = create_app(settings, live_services)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), name="live-server",
                              daemon=True)
    thread.start()
    try:
        yield LiveServer(url, live_services)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def screenshot(page, name: str) -> None:
    """Keep a picture of the page for docs/screenshots (the README shows them) when
    RINGBACK_SCREENSHOTS=1, so an ordinary test run leaves the tracked pictures alone."""
    if os.environ.get("RINGBACK_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
