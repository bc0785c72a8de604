"""Rendered figures cached by exact keys (run id, method, sequence, window), per browser session."""

from __future__ import annotations

from collections import OrderedDict

import streamlit as st

from genodash.explanations import ExplanationSet
from genodash.logos import figure_bytes, heatmap_figure, logo_figure, shared_ylim
from genodash.ui import state

#: Logo PNGs a session keeps (the most recently shown; tens of kB each), so that moving
#: the window back, or any other rerun, redraws nothing.
LOGOS_PER_SESSION = 64


def _logo(
    result: ExplanationSet,
    method: str,
    index: int,
    start: int,
    end: int,
    hypothetical: bool,
    scale_with: int | None = None,
):
    """The logo of one method, sequence and window ``[start, end)`` (0-based columns).

    ``scale_with``: another sequence whose logo in the same window shares the y axis.
    """
    values = result.attributions[method].values(hypothetical)
    matrix = values[index, :, start:end]
    ylim = None if scale_with is None else shared_ylim(matrix, values[scale_with, :, start:end])
    title = method if scale_with is None else f"{method}: {result.records[index].name}"
    return logo_figure(
        matrix,
        first_position=result.first_position(index) + start,
        title=title,
        ylabel="hypothetical" if hypothetical else "attribution",
        ylim=ylim,
    )


def logo_png(
    run_id: str,
    method: str,
    index: int,
    start: int,
    end: int,
    hypothetical: bool,
    result: ExplanationSet,
    scale_with: int | None = None,
) -> bytes:
    """PNG of one logo window, kept in this browser session only (see :data:`LOGOS_PER_SESSION`).

    The key is the run id and the window, never the arrays. A logo shows the user's
    sequence, so it is not cached across sessions: it goes when the session does.
    """
    cache: OrderedDict = st.session_state.setdefault(state.EXPLAIN_LOGO_PNGS, OrderedDict())
    key = (run_id, method, index, start, end, hypothetical, scale_with)
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    png = figure_bytes(_logo(result, method, index, start, end, hypothetical, scale_with), "png")
    cache[key] = png
    while len(cache) > LOGOS_PER_SESSION:
        cache.popitem(last=False)  # the least recently shown
    return png


def logo_file(
    result: ExplanationSet,
    method: str,
    index: int,
    start: int,
    end: int,
    hypothetical: bool,
    fmt: str,
    scale_with: int | None = None,
):
    """A callable for ``st.download_button``: the logo is drawn only when downloaded."""

    def render() -> bytes:
        return figure_bytes(_logo(result, method, index, start, end, hypothetical, scale_with), fmt)

    return render


def heatmap_file(result: ExplanationSet, index: int, start: int, end: int, fmt: str):
    """A callable for ``st.download_button``: the ISM heatmap, drawn when downloaded."""

    def render() -> bytes:
        effects = result.attributions["ism"].hypothetical[index, :, start:end]
        fig = heatmap_figure(effects, first_position=result.first_position(index) + start, title="ISM")
        return figure_bytes(fig, fmt)

    return render
