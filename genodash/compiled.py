"""Compiled loops (numba): whether they are available, and running one over rows in threads.

The kernels of :mod:`genodash.max_path` and :mod:`genodash.max_head` are compiled on
first use and cached on disk (``cache=True``). They release the GIL, so rows split
between ``torch.get_num_threads()`` Python threads run in parallel without numba's
own threading layer (which is not safe for the concurrent calls of several
dashboard sessions). Without numba installed, callers take their plain torch path.

numba keys its disk cache on each kernel's own source file: after changing the
options here, delete the ``*.nbi``/``*.nbc`` files in ``genodash/__pycache__`` (a
fresh checkout has none).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import torch

try:
    import numba
except ImportError:  # pragma: no cover - numba is a declared dependency
    numba = None

#: Whether compiled kernels can run here.
AVAILABLE = numba is not None


def jit(fn: Callable) -> Callable:
    """Compile ``fn`` with numba (no Python objects, GIL released, cached); ``fn`` itself without numba.

    Float arithmetic as numpy's (``x / 0`` is ``inf`` or ``nan``, not an exception).
    Where no cache folder is writable (numba refuses ``cache=True`` then), it is
    compiled anew in each process instead.
    """
    if numba is None:
        return fn
    try:
        return numba.njit(cache=True, nogil=True, error_model="numpy")(fn)
    except RuntimeError:  # "cannot cache function ...: no locator available"
        return numba.njit(nogil=True, error_model="numpy")(fn)


def row_chunks(rows: int) -> list[tuple[int, int]]:
    """``[start, end)`` ranges of ``rows``, one per thread (``torch.get_num_threads()``)."""
    n = max(1, min(torch.get_num_threads(), rows))
    size = math.ceil(rows / n) if rows else 1
    return [(i, min(i + size, rows)) for i in range(0, rows, size)]


def run_in_threads(kernel: Callable, rows: int, *args, threads: bool = True) -> None:
    """``kernel(*args, start, end)`` for each of :func:`row_chunks`, in parallel threads.

    ``threads=False``: all rows in the calling thread (for work of a few milliseconds,
    where starting threads, and competing with torch's own still-spinning ones, costs
    more than it saves).
    """
    chunks = row_chunks(rows) if threads else [(0, rows)]
    if len(chunks) <= 1:
        for start, end in chunks:
            kernel(*args, start, end)
        return
    with ThreadPoolExecutor(len(chunks)) as pool:
        for future in [pool.submit(kernel, *args, *chunk) for chunk in chunks]:
            future.result()


__all__ = ["AVAILABLE", "jit", "row_chunks", "run_in_threads"]
