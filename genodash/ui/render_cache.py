"""Rendered figures cached by exact string keys (run id, method, sequence, window)."""

from __future__ import annotations

import streamlit as st

from genodash.explanations import ExplanationSet
from genodash.logos import figure_bytes, heatmap_figure, logo_figure, shared_ylim


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


@st.cache_data(max_entries=256, show_spinner=False)
def logo_png(
    run_id: str,
    method: str,
    index: int,
    start: int,
    end: int,
    hypothetical: bool,
    _result: ExplanationSet,
    scale_with: int | None = None,
) -> bytes:
    """PNG of one logo window; the key is the run id and the window, never the arrays."""
    return figure_bytes(_logo(_result, method, index, start, end, hypothetical, scale_with), "png")


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
