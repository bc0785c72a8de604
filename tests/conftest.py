"""Shared fixtures: paths, the shipped model, and AppTest set up as a real server runs it."""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "data"


@pytest.fixture(scope="session")
def oct4_mafk():
    from genodash.models import load_model

    return load_model("oct4-mafk", "cpu")


@pytest.fixture
def app_test(monkeypatch):
    """Make an AppTest of app.py that behaves like the real server across reruns.

    A real server leaves Streamlit's legacy ``pages/`` mode off for good after
    app.py's first ``st.navigation`` call; AppTest switches it back on before
    every run, which would run pages without app.py. Keep it off, as served.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)

    def make() -> AppTest:
        return AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)

    return make


def button(at, label: str):
    """The AppTest button labelled ``label`` (the first, if several)."""
    return next(b for b in at.button if b.label == label)


def errors(at) -> list[str]:
    """The texts of the red error boxes on the page."""
    return [e.value for e in at.error]
