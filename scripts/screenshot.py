"""Take the README screenshots of the real app: Explain on a held-out Oct4 peak, and the
Variant page with SpliceAI on the beta-globin demo (IVS1-1 donor loss, with saliency).

Run: ``.venv/bin/python scripts/screenshot.py`` (needs Debian's chromium).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.test_browser import CHROMIUM, LAUNCH_ARGS, server, wait_idle  # noqa: E402


def explain(page, url: str) -> None:
    """docs/screenshot.png: the Explain page on the oct4-mafk example."""
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


def variant(page, url: str) -> None:
    """docs/variant.png: SpliceAI on the demo variants, saliency of the IVS1-1 donor (cropped, 3/4 size)."""
    from PIL import Image

    page.goto(f"{url}/variant")
    page.get_by_role("button", name="Load the demo variants").wait_for(timeout=60_000)
    wait_idle(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name="spliceai").click()
    wait_idle(page, timeout=120_000)
    page.get_by_role("button", name="Load the demo variants").click()
    wait_idle(page)
    page.get_by_role("button", name="Run").click()
    page.get_by_role("button", name="Compute saliency").wait_for(timeout=300_000)
    wait_idle(page, timeout=300_000)
    page.get_by_role("button", name="Compute saliency").click()
    page.locator('[data-testid="stImage"] img').nth(2).wait_for(timeout=400_000)
    wait_idle(page, timeout=400_000)
    page.wait_for_timeout(2000)
    full = ROOT / "test-artifacts" / "variant_spliceai.png"
    full.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(full), full_page=True)
    image = Image.open(full).convert("RGB").crop((290, 0, 1400, 4200))
    image = image.resize((image.width * 3 // 4, image.height * 3 // 4))
    image.save(ROOT / "docs" / "variant.png", optimize=True)


def main() -> None:
    from playwright.sync_api import sync_playwright

    url_context = server.__wrapped__()
    url = next(url_context)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            explain(browser.new_page(viewport={"width": 1400, "height": 2300}), url)
            variant(browser.new_page(viewport={"width": 1400, "height": 4200}), url)
            browser.close()
    finally:
        next(url_context, None)


if __name__ == "__main__":
    main()
