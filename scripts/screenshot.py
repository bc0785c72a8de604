"""Take the README screenshot of the real app: Explain on a held-out Oct4 peak.

Run: ``.venv/bin/python scripts/screenshot.py`` (needs Debian's chromium).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_browser import CHROMIUM, LAUNCH_ARGS, server, wait_idle  # noqa: E402


def main() -> None:
    from playwright.sync_api import sync_playwright

    url_context = server.__wrapped__()
    url = next(url_context)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 2300})
            page.goto(f"{url}/explain")
            page.get_by_role("button", name="Load example").wait_for(timeout=60_000)
            wait_idle(page)
            page.get_by_role("button", name="Load example").click()
            wait_idle(page)
            page.get_by_role("button", name="Run").click()
            page.wait_for_selector('[data-testid="stImage"] img', timeout=120_000)
            wait_idle(page, timeout=120_000)
            page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60_000)
            page.wait_for_timeout(1000)
            page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))
            browser.close()
    finally:
        next(url_context, None)


if __name__ == "__main__":
    main()
