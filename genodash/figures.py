"""Plotly figures of predictions (no Streamlit here)."""

from __future__ import annotations

import plotly.graph_objects as go

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
                customdata=names,
                hovertemplate="%{customdata}<br>%{y:.3f}<extra></extra>",
            )
        fig.update_layout(xaxis_title=f"task ({len(names)} sequences)")
    ylabel = "probability" if "probability" in value_columns[0] else "model output"
    fig.update_layout(
        yaxis_title=ylabel, legend_title_text="", margin=dict(l=10, r=10, t=30, b=10), height=380
    )
    return fig
