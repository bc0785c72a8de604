"""genodash.compiled: numba kernels, their cache, and rows split between threads."""

import numpy as np
import pytest
import torch

from genodash import compiled


def _add_rows(x, out, r0, r1):
    for r in range(r0, r1):
        for j in range(x.shape[1]):
            out[r, j] = x[r, j] + 1.0


def test_rows_are_split_between_threads_and_all_done(monkeypatch):
    monkeypatch.setattr(torch, "get_num_threads", lambda: 3)
    assert compiled.row_chunks(10) == [(0, 4), (4, 8), (8, 10)]
    assert compiled.row_chunks(2) == [(0, 1), (1, 2)]
    assert compiled.row_chunks(0) == []
    kernel = compiled.jit(_add_rows)
    x = np.arange(30, dtype=np.float32).reshape(10, 3)
    for threads in (True, False):
        out = np.zeros_like(x)
        compiled.run_in_threads(kernel, 10, x, out, threads=threads)
        np.testing.assert_array_equal(out, x + 1)


@pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is not installed")
def test_a_kernel_compiles_where_no_cache_folder_is_writable(monkeypatch):
    from numba.core import caching

    monkeypatch.setattr(caching.CacheImpl, "_locator_classes", [])  # numba then refuses cache=True

    def plus_one(x):
        return x + 1

    assert compiled.jit(plus_one)(1) == 2


@pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is not installed")
def test_warm_up_fills_the_cache_with_the_kernels_explain_uses(tmp_path):
    """`make setup` runs the warm-up: a fresh install's first Explain run then finds every kernel cached."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "genodash.warm_up"], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    assert "compiled kernels: oct4-mafk explained in" in done.stdout
    cached = {path.name.split("-")[0] for path in tmp_path.rglob("*.nbi")}
    assert {
        "deeplift_pool._pool_inputs",
        "deeplift_pool._pool_references",
        "deeplift_pool._rescale_unpool",
        "max_head._sparse_transpose",
        "max_path._forward",
        "max_path._backward",
        "shuffle._shuffled_codes",
    } <= cached
