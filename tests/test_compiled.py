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
