"""Screenshot the demo matter's main pages with Debian's Chromium, to look at as a user would.

Usage: .venv/bin/python scripts/screenshots.py [OUT_DIR]   (uses a throwaway instance dir)
"""

from __future__ import annotations

import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from tracker import create_app

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "build/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    instance = Path(tempfile.mkdtemp(prefix="tracker-shots-"))
    app = create_app({"instance_dir": instance})
    runner = app.test_cli_runner()
    runner.invoke(args=["db", "upgrade"])
    result = runner.invoke(args=["demo"])
    password = (instance / "admin-password.txt").read_text().strip()
    print(result.output)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    pages = {
        "dashboard": "/",
        "matter": "/matters/1",
        "demand": "/matters/1/demands/1",
        "item": "/matters/1/demands/items/2",
        "history": "/matters/1/history",
        "exhibits": "/matters/1/evidence/",
        "exhibit": "/matters/1/evidence/2",
        "deadline": "/matters/1/deadlines/2",
        "discrepancies": "/matters/1/discrepancies/",
        "analysis": "/matters/1/discrepancies/analyses/1",
        "audit": "/matters/1/discrepancies/analyses/2",
        "dossiers": "/matters/1/dossiers/",
        "new-deadline": "/matters/1/deadlines/new",
    }
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/login")
        page.fill("#email", "admin@example.com")
        page.fill("#password", password)
        page.click("button.primary")
        for name, path in pages.items():
            page.goto(base + path)
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
        browser.close()
    server.shutdown()
    print(f"screenshots in {out}")


if __name__ == "__main__":
    main()
