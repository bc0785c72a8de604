"""The library imports with Streamlit made unimportable (only genodash.ui may use it)."""

import pkgutil
import subprocess
import sys

import genodash

from .conftest import ROOT


def test_every_library_module_imports_without_streamlit():
    modules = [
        m.name
        for m in pkgutil.walk_packages(genodash.__path__, "genodash.")
        if not m.name.startswith("genodash.ui")
    ]
    assert "genodash.models" in modules and len(modules) >= 10
    code = (
        "import sys, importlib; sys.modules['streamlit'] = None\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
