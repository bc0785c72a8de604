"""Interactive plotly views of attributions: per-position tracks and ISM heatmaps."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch

from genodash.explanations import ExplanationSet


def track_figure(result: ExplanationSet, index: int) -> go.Figure:
    """Per-position importance of every method for one sequence, scaled to a max of 1.

    Parameters
    ----------
    result : ExplanationSet
    index : int
        Which sequence (0-based).

    Returns
    -------
    plotly.graph_objects.Figure
        One line per method; hover shows the position, base and unscaled value.
    """
    start = result.first_position(index)
    sequence = result.fitted[index].sequence
    positions = np.arange(start, start + len(sequence))
    fig = go.Figure()
    for method, attribution in result.attributions.items():
        values = attribution.position_importance()[index].numpy()
        scale = float(np.abs(values).max()) or 1.0
        fig.add_scatter(
            x=positions,
            y=values / scale,
            mode="lines",
            name=method,
            customdata=np.stack([list(sequence), values], axis=1),
            hovertemplate="position %{x} (%{customdata[0]})<br>value %{customdata[1]:.4g}<extra>"
            + method
            + "</extra>",
        )
    fig.update_layout(
        xaxis_title="position",
        yaxis_title="importance (scaled to max |value| = 1)",
        height=320,
        margin=dict(l=10, r=10, t=30, b=10),
        legend_title_text="",
    )
    return fig


def ism_heatmap(effects: torch.Tensor, sequence: str, first_position: int, title: str = "") -> go.Figure:
    """Effect of every substitution as a 4 x L heatmap.

    Parameters
    ----------
    effects : torch.Tensor or numpy.ndarray
        ``(4, L)`` mutant minus reference output (0 at the observed base).
    sequence : str
        The ``L`` observed bases (for hover text).
    first_position : int
        1-based coordinate of column 0.
    title : str

    Returns
    -------
    plotly.graph_objects.Figure
        Rows A, C, G, T; diverging colours centred on 0; hover names the substitution;
        a dot marks the observed base of each column (no substitution there).
    """
    array = effects.detach().cpu().numpy() if isinstance(effects, torch.Tensor) else np.asarray(effects)
    positions = np.arange(first_position, first_position + array.shape[1])
    text = [[f"{positions[j]} {sequence[j]}>{base}" for j in range(array.shape[1])] for base in "ACGT"]
    bound = float(np.abs(array).max()) or 1.0
    fig = go.Figure(
        go.Heatmap(
            z=array,
            x=positions,
            y=list("ACGT"),
            text=text,
            colorscale="RdBu_r",
            zmin=-bound,
            zmax=bound,
            hovertemplate="%{text}: effect %{z:.4g}<extra></extra>",
            colorbar=dict(title="effect"),
        )
    )
    observed = [(int(p), b) for p, b in zip(positions, sequence.upper(), strict=False) if b in "ACGT"]
    if observed:
        fig.add_trace(
            go.Scatter(
                x=[p for p, _ in observed], y=[b for _, b in observed], mode="markers", showlegend=False,
                name="observed base", marker=dict(symbol="circle", size=4, color="#333333"),
                unselected=dict(marker=dict(opacity=1)),  # a click elsewhere must not fade them
                hovertemplate="%{x} %{y}: the observed base<extra></extra>",
            )
        )  # fmt: skip
    fig.update_layout(
        title=title, height=230, margin=dict(l=10, r=10, t=40, b=10), xaxis_title="position",
        xaxis_tickformat="d", yaxis=dict(autorange="reversed"),
    )  # fmt: skip
    if len(positions) <= 20:  # one tick per column (plotly would repeat a rounded label)
        fig.update_xaxes(tickmode="array", tickvals=positions.tolist())
    return fig
