"""Real browser: Debian's Chromium driven by Playwright against a served app."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from .conftest import DATA, ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
pytestmark = pytest.mark.browser
LAUNCH_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    """``streamlit run app.py`` on ``port``, once it answers its health check."""
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
        "--server.address", "127.0.0.1", "--server.port", str(port),
        "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(120):
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.25)
    stop_server(proc)
    pytest.fail("the dashboard did not become healthy in 30 s")


def stop_server(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=20)


@pytest.fixture(scope="module")
def server():
    port = free_port()
    proc = start_server(port)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_server(proc)


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed: run `make test` (it installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def wait_idle(page, timeout=60_000):
    """A run is finished when Streamlit's status widget is gone."""
    page.wait_for_timeout(300)
    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=timeout)


def test_type_run_upload_in_a_real_browser(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    page.goto(server)
    page.wait_for_selector('[data-testid="stTextArea"] textarea', timeout=60_000)
    wait_idle(page)

    # type two sequences (one too short: padded) and run
    box = page.locator('[data-testid="stTextArea"] textarea')
    peak = (DATA / "janggu" / "sample_test.fa").read_text().splitlines()[1]
    box.fill(f">typed_oct4_peak\n{peak}\n>short_one\nACGTACGTTTGCATAACAATG\n")
    box.press("Control+Enter")
    wait_idle(page)
    page.get_by_role("button", name="Run").click()
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    wait_idle(page)
    assert page.locator('[data-testid="stDataFrame"]').count() == 1
    assert page.get_by_text("padded with N on both sides").count() >= 1
    assert page.locator('[data-testid="stException"]').count() == 0
    # the first session of a fresh server keeps the default model through its reruns (its sidebar
    # widgets once got new ids on the second run and fell back to the first model, koo-task3)
    assert "oct4-mafk v" in page.locator('[data-testid="stSidebar"]').inner_text()
    page.screenshot(path=str(ARTIFACTS / "predict_typed.png"), full_page=True)

    # upload a FASTA file and run again
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(
        str(DATA / "janggu" / "sample2_test.fa")
    )
    page.get_by_text("Using the uploaded file").wait_for(timeout=30_000)
    page.get_by_role("button", name="Run").click()
    page.get_by_text("Predictions for 100 sequences").wait_for(timeout=60_000)
    wait_idle(page)
    assert page.locator(".js-plotly-plot").count() == 1
    assert page.locator('[data-testid="stDataFrame"]').count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "predict_upload.png"), full_page=True)
    page.close()


def test_bad_input_in_a_real_browser(server, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(server)
    box = page.locator('[data-testid="stTextArea"] textarea')
    box.wait_for(timeout=60_000)
    wait_idle(page)
    box.fill(">prot\nMEEPQSDPSVEPPLSQETFSDLWKLL\n")
    box.press("Control+Enter")
    wait_idle(page)
    page.get_by_role("button", name="Run").click()
    alert = page.locator('[data-testid="stAlert"]').filter(has_text="protein")
    alert.wait_for(timeout=60_000)
    assert "record 'prot', line 2, column 2" in alert.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0
    assert box.input_value().startswith(">prot\nMEEPQ")
    page.close()


def test_explain_in_a_real_browser(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 2600})
    page.goto(f"{server}/explain")
    page.get_by_role("button", name="Load example").click()
    wait_idle(page)
    page.get_by_role("button", name="Run").click()
    page.wait_for_selector('[data-testid="stImage"] img', timeout=120_000)
    wait_idle(page, timeout=120_000)
    page.locator(".js-plotly-plot").nth(1).wait_for(timeout=60_000)
    assert page.locator('[data-testid="stImage"] img').count() == 3  # saliency, IG, ISM logos
    assert page.locator(".js-plotly-plot").count() == 2  # importance track and ISM heatmap
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("How much the methods agree").count() == 1
    # a click on an ISM heatmap cell (row T, middle column; that base is not a T) runs that mutant
    heatmap = page.locator(".js-plotly-plot").nth(1)
    heatmap.scroll_into_view_if_needed()
    box = heatmap.locator(".nsewdrag").first.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] * 0.875)
    page.get_by_text("every task before and after").wait_for(timeout=60_000)
    wait_idle(page)
    assert page.get_by_text(re.compile(r"ISM's heatmap gave .+>T; .+ \(the same\)")).count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    # the mutant joins the sequences, chosen next to the original: one Run explains both
    page.get_by_role("button", name="Add the mutant to the sequences above").click()
    wait_idle(page)
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_text("Show sequence").wait_for(timeout=120_000)
    wait_idle(page, timeout=120_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "explain.png"), full_page=True)
    page.close()


def test_upload_own_model_then_explain_in_a_real_browser(server, browser, tmp_path):
    import json

    from .test_user_models import CARD, trained_toy_model

    weights = tmp_path / "toy.safetensors"
    weights.write_bytes(trained_toy_model())
    card = tmp_path / "card.json"
    card.write_text(json.dumps(CARD))
    page = browser.new_page(viewport={"width": 1400, "height": 1600})
    page.goto(f"{server}/your_model")
    uploads = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    uploads.first.wait_for(state="attached", timeout=60_000)
    wait_idle(page)
    uploads.first.set_input_files(str(weights))
    wait_idle(page)
    page.get_by_text("Upload card.json").click()
    wait_idle(page)
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').nth(1).set_input_files(str(card))
    wait_idle(page)
    page.get_by_role("button", name="Check and add the model").click()
    page.get_by_text("Your models in this session").wait_for(timeout=60_000)
    wait_idle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    # same browser session: navigate with the sidebar, not a new page load
    page.get_by_role("link", name="Explain").click()
    box = page.locator('[data-testid="stTextArea"] textarea')
    box.wait_for(timeout=60_000)
    wait_idle(page)
    box.fill(">gc_rich\n" + "GCGCATGC" * 7 + "GCGC\n")
    box.press("Control+Enter")
    wait_idle(page)
    page.get_by_role("button", name="Run").click()
    page.wait_for_selector('[data-testid="stImage"] img', timeout=120_000)
    wait_idle(page, timeout=120_000)
    assert page.get_by_text("Why toy-gc predicts gc_rich").count() == 1
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "your_model_explain.png"), full_page=True)
    page.close()


def test_variant_demo_in_a_real_browser(server, browser):
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1400, "height": 3400})
    page.goto(f"{server}/variant")
    page.get_by_role("button", name="Load the demo variants").wait_for(timeout=60_000)
    wait_idle(page)
    page.get_by_role("button", name="Load the demo variants").click()
    wait_idle(page)
    page.wait_for_function(
        "document.querySelector('[data-testid=\"stTextArea\"] textarea').value.includes('U01317.1:62279 G>A')"
    )
    page.get_by_role("button", name="Run").click()
    page.wait_for_selector('[data-testid="stImage"] img', timeout=120_000)
    wait_idle(page, timeout=120_000)
    page.locator('[data-testid="stImage"] img').nth(2).wait_for(timeout=60_000)
    assert page.locator('[data-testid="stImage"] img').count() == 3  # REF, ALT, ALT - REF logos
    assert page.locator('[data-testid="stDataFrame"]').count() == 2  # triage table and the score table
    assert page.locator(".js-plotly-plot").count() == 2  # REF/ALT bars and the ISM heatmap
    assert page.get_by_text("REF logo around U01317.1:62279 G>A (variant shaded)", exact=True).count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    page.screenshot(path=str(ARTIFACTS / "variant.png"), full_page=True)
    # downloads one after another, the report (made on click) right after the chart: each arrives
    # (a download that reran the page used to drop the report's pending file); the chart opens offline
    for name in ("Figure (HTML)", "Download report (HTML)", "Table (TSV)", "Download report (HTML)"):
        button = page.get_by_role("button", name=name).first
        button.scroll_into_view_if_needed()
        with page.expect_download(timeout=30_000) as download:
            button.click()
        body = open(download.value.path(), "rb").read()
        assert body and (name != "Figure (HTML)" or b'<script src="https://cdn.plot.ly' not in body)
    # what-if: click a cell of the ISM heatmap (21 positions 62269-62289, rows A C G T): row T
    plot = page.locator(".js-plotly-plot").nth(1)
    plot.scroll_into_view_if_needed()
    box = plot.locator(".nsewdrag").first.bounding_box()
    x, y = box["x"] + box["width"] * (2.5 / 21), box["y"] + box["height"] * (3.5 / 4)
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    page.get_by_text("a substitution near U01317.1:62279 G>A").wait_for(timeout=60_000)
    wait_idle(page, timeout=120_000)
    assert re.fullmatch(r"U01317\.1:6227\d [ACG]>T", page.locator("h3").nth(2).inner_text().strip())
    wait_idle(page, timeout=120_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def pdf_pages(pdf: bytes) -> int:
    """Pages of a PDF: its /Type /Page objects (not the /Pages tree nodes)."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf))


def test_variant_report_prints_on_one_a4_and_one_letter_page(browser):
    """README: the Variant page's 'Download report (HTML)' prints on one A4 and one Letter page."""
    import numpy as np

    from genodash.genome import Genome
    from genodash.logos import figure_bytes, logo_figure
    from genodash.models import ZOO_DIR, read_card
    from genodash.spliceai import weights
    from genodash.spliceai.genes import read_gene_table
    from genodash.spliceai.scorer import SpliceAIScorer
    from genodash.variants import parse_text
    from genodash.variants.report import RESEARCH_STAMP, ReportFigure, variant_report
    from genodash.variants.splicing import score_splicing
    from genodash.variants.triage import TriageRow, check_entries

    from .test_variant_report import DEMO, HBB

    if weights.unavailable_reason() is not None:
        pytest.skip("SpliceAI weights not installed")  # as test_ivs1_110_scored_by_spliceai_reads_ds_ag_045

    # IVS1-110 scored by SpliceAI, as in test_ivs1_110_scored_by_spliceai_reads_ds_ag_045
    genes = read_gene_table(HBB / "annotation_spliceai.txt")
    with Genome(HBB / "U01317.1.fa") as genome:
        checked = check_entries(parse_text("U01317.1:62388 G>A  # HBB:IVS1-110G>A"), genome)[0].checked
        result = score_splicing(SpliceAIScorer("cpu"), [checked], genome, genes, distance=50, mask=False)[0]
    row = TriageRow(checked.variant, checked, splice=result)
    # three real PNG logos at the narrowest width the page draws (4 x 2.2 in: the tallest in print)
    rng = np.random.default_rng(0)
    labels = [str(62388 + i) for i in range(-10, 11)]
    logos = []
    for which in ("REF", "ALT", "ALT - REF"):
        fig = logo_figure(
            rng.normal(size=(4, 21)), labels=labels, highlight=(11, 11), title=f"{which}: saliency, HBB"
        )
        logos.append(ReportFigure(which, figure_bytes(fig, "png")))
    card = read_card(ZOO_DIR / "spliceai" / "card.json")
    note = (
        "Method saliency: attributions of the acceptor output at U01317.1:62390 (DP +2), REF and ALT aligned"
    )
    doc = variant_report(row, card, DEMO, logos=logos, logo_note=note)

    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.set_content(doc, wait_until="load")
    assert page.locator("img").count() == 3
    assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert page.get_by_text(RESEARCH_STAMP).first.is_visible()
    assert page.get_by_text("RESEARCH USE ONLY", exact=False).count() == 2  # top and footer
    pages = {size: pdf_pages(page.pdf(format=size)) for size in ("A4", "Letter")}
    page.close()
    assert [u for u in requests if not u.startswith(("data:", "about:"))] == []
    assert pages == {"A4": 1, "Letter": 1}


def test_model_choice_survives_a_server_restart(browser):
    """A tab open across a server restart keeps its model (the sidebar once reset it on the next click)."""
    port = free_port()
    proc = start_server(port)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(f"http://127.0.0.1:{port}")
        page.wait_for_selector('[data-testid="stTextArea"] textarea', timeout=60_000)
        wait_idle(page)
        page.get_by_role("combobox", name="Model", exact=True).click()
        page.get_by_role("option", name="koo-task3", exact=True).click()
        wait_idle(page)
        sidebar = page.locator('[data-testid="stSidebar"]')
        assert "koo-task3 v" in sidebar.inner_text()
        stop_server(proc)
        proc = start_server(port)
        other = browser.new_page()  # another user reaches the new server first
        other.goto(f"http://127.0.0.1:{port}")
        other.wait_for_selector('[data-testid="stTextArea"] textarea', timeout=60_000)
        wait_idle(other)
        other.close()
        page.wait_for_timeout(3_000)  # the tab reconnects by itself
        wait_idle(page)
        page.get_by_role("button", name="Load example").click()
        wait_idle(page)
        page.wait_for_timeout(1_000)
        wait_idle(page)
        assert "koo-task3 v" in sidebar.inner_text()
        assert page.get_by_role("combobox", name="Model", exact=True).input_value() == "koo-task3"
    finally:
        page.close()
        stop_server(proc)
