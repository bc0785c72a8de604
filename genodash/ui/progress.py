"""A Streamlit progress bar that library functions can report to."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """Show a bar while the block runs; yield a ``report(done, total)`` callback (``done`` may be a float)."""
    bar = st.progress(0.0, text=label)

    def report(done: float, total: int) -> None:
        # done may be fractional (a long method part-way through a sequence): the bar moves,
        # the text counts whole ones
        fraction = min(done / max(total, 1), 1.0)
        part = "" if done == int(done) else f" ({fraction:.0%})"
        bar.progress(fraction, text=f"{label}: {int(done):,} of {total:,}{part}")

    try:
        yield report
    finally:
        bar.empty()
