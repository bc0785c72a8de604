"""Plotly figures of predictions (no Streamlit here)."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.colors
import plotly.graph_objects as go
import torch

from genodash.batch_prediction import BatchPrediction

#: Above this many sequences a bar per sequence is unreadable; show distributions.
MAX_BARS = 60


def prediction_figure(result: BatchPrediction) -> go.Figure:
    """Bars per sequence and task, or per-task distributions for many sequences.

    Parameters
    ----------
    result : BatchPrediction

    Returns
    -------
    plotly.graph_objects.Figure
    """
    value_columns = result.value_columns
    names = result.table["name"].tolist()
    fig = go.Figure()
    if len(names) <= MAX_BARS:
        for column in value_columns:
            fig.add_bar(
                x=list(range(1, len(names) + 1)),
                y=result.table[column],
                name=column,
                customdata=names,
                hovertemplate="%{customdata}<br>%{y:.3f}<extra>" + column + "</extra>",
            )
        fig.update_layout(barmode="group", xaxis_title="sequence (input order)")
        fig.update_xaxes(tickmode="array", tickvals=list(range(1, len(names) + 1)), ticktext=names)
    else:
        for column in value_columns:
            fig.add_violin(
                y=result.table[column],
                name=column,
                box_visible=True,
                points="outliers",
                spanmode="hard",  # the outline ends at the data: no probabilities above 1 or below 0
                customdata=names,
                hovertemplate="%{customdata}<br>%{y:.3f}<extra></extra>",
            )
        fig.update_layout(xaxis_title=f"task ({len(names)} sequences)")
    ylabel = "probability" if "probability" in value_columns[0] else "model output"
    fig.update_layout(
        yaxis_title=ylabel, legend_title_text="", margin=dict(l=10, r=10, t=30, b=10), height=380
    )
    return fig


def profile_figure(
    result: BatchPrediction, index: int, tasks: Sequence[str], show: Sequence[str] | None = None
) -> go.Figure:
    """Tracks of a profile model along one sequence: one line per task.

    Parameters
    ----------
    result : BatchPrediction
        Of a profile model: ``values`` is ``(N, T, L_out)``.
    index : int
        Which record (0-based).
    tasks : sequence of str
        The ``T`` task names, in order (the card's ``tasks``).
    show : sequence of str, optional
        Tasks to draw; default all.

    Returns
    -------
    plotly.graph_objects.Figure
        x: 1-based positions (see ``BatchPrediction.first_position``); y: values.
    """
    values = result.values[index]
    n = int((~torch.isnan(values[0])).sum())
    x = list(range(result.first_position, result.first_position + n))
    name = result.records[index].name
    fig = go.Figure()
    palette = plotly.colors.qualitative.D3[1:]  # one fixed colour per task, distinct from each other
    for t, task in enumerate(tasks):
        if show is not None and task not in show:
            continue
        fig.add_trace(
            go.Scattergl(
                x=x,
                y=values[t, :n].numpy(),
                mode="lines",
                line=dict(color=palette[t % len(palette)], width=1.5),
                name=task,
                hovertemplate="position %{x:,}<br>%{y:.3f}<extra>" + task + "</extra>",
            )
        )
    ylabel = "model output" if result.value_columns[0].endswith(" output") else "probability"
    fig.update_layout(
        xaxis_title=f"position in {name} (nt)",
        yaxis_title=ylabel,
        legend_title_text="",
        margin=dict(l=10, r=10, t=30, b=10),
        height=380,
        hovermode="x unified",
    )
    return fig
