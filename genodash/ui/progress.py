"""A Streamlit progress bar that library functions can report to."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """Show a bar while the block runs; yield a ``report(done, total)`` callback."""
    bar = st.progress(0.0, text=label)

    def report(done: int, total: int) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"{label}: {done:,} of {total:,}")

    try:
        yield report
    finally:
        bar.empty()
