"""A live server on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tracker import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without these, Chromium keeps trying to reach Google's hosts on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def database_url(tmp_path, sqlite_template) -> str:
    """The browser tests run once, on SQLite: what they check is the page, not the database
    (every service they drive runs on both databases in the other tests)."""
    path = tmp_path / "tracker.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def live_server(app_config, request):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True, "TESTING": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    app.extensions["tracker.engine"].dispose()


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        # `make test` installs it (scripts/check-system test); in CI a missing browser fails.
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: `make test` should have installed it")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
