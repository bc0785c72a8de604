"""Plotly figures and tables of one variant: REF against ALT."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from genodash.spliceai.scoring import VariantScores
from genodash.variants.record import Variant
from genodash.variants.scoring import VariantScore
from genodash.variants.splicing import SCORE_MEANINGS, SCORE_NAMES, THRESHOLDS, SpliceTracks, strength

REF_COLOUR, ALT_COLOUR, DELTA_COLOUR = "#4C72B0", "#DD8452", "#55A868"


def prediction_table(score: VariantScore) -> pd.DataFrame:
    """Scalar models: one row per task with REF, ALT and ALT - REF."""
    return pd.DataFrame(
        {
            "task": list(score.tasks),
            "REF": score.ref.astype(float),
            "ALT": score.alt.astype(float),
            "ALT - REF": score.delta.astype(float),
        }
    )


def prediction_bars(score: VariantScore, value_name: str = "prediction") -> go.Figure:
    """Scalar models: REF and ALT side by side for every task."""
    fig = go.Figure(
        [
            go.Bar(name="REF", x=list(score.tasks), y=score.ref, marker_color=REF_COLOUR),
            go.Bar(name="ALT", x=list(score.tasks), y=score.alt, marker_color=ALT_COLOUR),
        ]
    )
    fig.update_layout(
        barmode="group",
        height=300,
        margin=dict(l=10, r=10, t=40, b=10),
        yaxis_title=value_name,
        title=f"{score.variant.label}: REF against ALT",
    )
    return fig


def profile_overlay(score: VariantScore, task: int) -> go.Figure:
    """Profile models: REF and ALT tracks of one task on the aligned axis, and ALT - REF below.

    The x axis is the aligned output column (1-based reference positions in the hover
    text; an inserted base shows as ``"62205+1"``); the variant is shaded.
    """
    alignment = score.output_alignment
    labels = alignment.labels
    x = np.arange(len(labels))
    ref = np.where(alignment.ref_index >= 0, alignment.take(score.ref, "ref")[task], np.nan)
    alt = np.where(alignment.alt_index >= 0, alignment.take(score.alt, "alt")[task], np.nan)
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.65, 0.35], vertical_spacing=0.06)
    for values, name, colour in ((ref, "REF", REF_COLOUR), (alt, "ALT", ALT_COLOUR)):
        fig.add_trace(
            go.Scatter(
                x=x, y=values, name=name, line=dict(color=colour), text=labels,
                hovertemplate="%{text}: %{y:.4g}<extra>" + name + "</extra>",
            ),
            row=1, col=1,
        )  # fmt: skip
    fig.add_trace(
        go.Bar(
            x=x, y=score.delta[task], name="ALT - REF", marker_color=DELTA_COLOUR, text=labels,
            hovertemplate="%{text}: %{y:.4g}<extra>ALT - REF</extra>",
        ),
        row=2, col=1,
    )  # fmt: skip
    v = score.variant
    marked = [i for i, (g, k) in enumerate(alignment.keys) if v.start <= g < v.end or k > 0]
    if marked:
        fig.add_vrect(
            x0=min(marked) - 0.5, x1=max(marked) + 0.5, fillcolor="#999999", opacity=0.3, line_width=0
        )
    step = max(1, len(x) // 10)
    fig.update_xaxes(tickvals=x[::step], ticktext=labels[::step], row=2, col=1)
    fig.update_layout(
        height=420,
        margin=dict(l=10, r=10, t=40, b=10),
        title=f"{score.tasks[task]}: REF and ALT around {v.label}",
        yaxis_title="prediction",
        yaxis2_title="ALT - REF",
    )
    return fig


def splice_table(result: VariantScores, variant: Variant) -> pd.DataFrame:
    """The official delta scores, one row per gene x score, with the site's position.

    Returns
    -------
    pandas.DataFrame
        Columns ``gene, score, meaning, delta, strength, offset, position``: ``offset``
        is DP (relative to the variant), ``position`` the 1-based reference position.
    """
    rows = []
    for gene in result.scores:
        for name in SCORE_NAMES:
            value = getattr(gene, name.lower())
            offset = getattr(gene, "dp" + name[2:].lower())
            rows.append(
                {
                    "gene": gene.gene,
                    "score": name,
                    "meaning": SCORE_MEANINGS[name],
                    "delta": value,
                    "strength": strength(value),
                    "offset": offset,
                    "position": variant.pos + offset if offset is not None else None,
                }
            )
    return pd.DataFrame(rows)


#: CSS of a delta score at or above each cut-off of :data:`THRESHOLDS` (below the first: none).
THRESHOLD_STYLES = (
    "background-color: #ffdd57",
    "background-color: #ff7f0e",
    "background-color: #d62728; color: white",
)


def threshold_colour(value) -> str:
    """CSS background for a delta score by the cut-offs of :data:`THRESHOLDS` (0.2 / 0.5 / 0.8)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    passed = [style for cut, style in zip(THRESHOLDS, THRESHOLD_STYLES, strict=True) if value >= cut]
    return passed[-1] if passed else ""


def splice_tracks_figure(tracks: SpliceTracks, variant: Variant) -> go.Figure:
    """Acceptor and donor probability of REF and ALT around a variant (ALT on its own coordinates).

    ALT positions right of an indel are shifted back to reference coordinates; inserted
    bases sit between the anchor and the next reference base.
    """
    shift = len(variant.alt) - len(variant.ref)
    alt_pos = np.arange(tracks.alt.shape[0], dtype=float) + tracks.positions[0]
    right = alt_pos >= variant.pos + len(variant.alt)
    if shift:
        inside = (alt_pos >= variant.pos + min(len(variant.ref), len(variant.alt))) & ~right
        alt_pos[inside] = (
            variant.pos + len(variant.ref) - 1 + (np.arange(inside.sum()) + 1) / (inside.sum() + 1)
        )
        alt_pos[right] -= shift
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, subplot_titles=("acceptor", "donor"))
    for row, site in enumerate(("acceptor", "donor"), start=1):
        fig.add_trace(
            go.Scatter(x=tracks.positions, y=tracks.ref[:, row - 1], name=f"REF {site}",
                       line=dict(color=REF_COLOUR)),
            row=row, col=1,
        )  # fmt: skip
        fig.add_trace(
            go.Scatter(x=alt_pos, y=tracks.alt[:, row - 1], name=f"ALT {site}", line=dict(color=ALT_COLOUR)),
            row=row, col=1,
        )  # fmt: skip
        fig.add_vline(x=variant.pos, line_dash="dot", line_color="#666666", row=row, col=1)
    fig.update_yaxes(range=[0, 1], title_text="probability")
    fig.update_xaxes(title_text="position", row=2, col=1)
    fig.update_layout(
        height=420,
        margin=dict(l=10, r=10, t=50, b=10),
        title=f"{tracks.gene}: SpliceAI around {variant.label}",
    )
    return fig


def clickable(fig: go.Figure, first_position: int, sequence: str) -> go.Figure:
    """Add an invisible point at the centre of every substitution's ISM heatmap cell, so a click selects it.

    Plotly heatmaps do not report clicks as selections; a transparent scatter layer
    (one square marker per cell, same hover text) does, with the cell's position as
    ``x`` and the new base as ``y``. The observed base's own cells get no point: they
    are not substitutions.
    """
    width = len(sequence)
    cells = [(first_position + j, b) for b in "ACGT" for j in range(width) if sequence[j].upper() != b]
    xs = [x for x, _ in cells]
    ys = [b for _, b in cells]
    text = [f"{x} {sequence[x - first_position]}>{y}" for x, y in zip(xs, ys, strict=True)]
    fig.add_trace(
        go.Scatter(
            x=xs, y=ys, mode="markers", text=text, showlegend=False, name="substitution",
            marker=dict(symbol="square", size=14, opacity=0),
            hovertemplate="%{text}: click to score<extra></extra>",
        )
    )  # fmt: skip
    fig.update_layout(clickmode="event+select", dragmode=False)
    # the markers would widen the axis past the cells
    fig.update_xaxes(range=[first_position - 0.5, first_position + width - 0.5])
    return fig
