"""Sequence logos of attributions, and their export to PNG/SVG.

Two renderers draw the same picture (letters stacked by signed attribution, largest
furthest from zero, positives above the axis and negatives below):

- ``engine="fast"`` (default): each letter's outline is built once and every glyph is
  an affine copy of it in one matplotlib collection; a 200-position logo takes a small
  fraction of a second, so the dashboard can redraw it as the user moves a window.
- ``engine="logomaker"``: logomaker's ``Logo`` (one patch per glyph; several seconds
  for 200 positions), for users who want logomaker's own output.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import logomaker
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.path import Path  # noqa: E402
from matplotlib.textpath import TextPath  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from genodash.errors import check  # noqa: E402

COLOURS = {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839"}


def logo_frame(matrix: torch.Tensor | np.ndarray, first_position: int = 1) -> pd.DataFrame:
    """A ``(4, L)`` matrix as logomaker's table: rows are 1-based positions, columns A, C, G, T."""
    array = matrix.detach().cpu().numpy() if isinstance(matrix, torch.Tensor) else np.asarray(matrix)
    check(array.ndim == 2 and array.shape[0] == 4, f"matrix must be (4, L), got {array.shape}")
    index = pd.RangeIndex(first_position, first_position + array.shape[1], name="position")
    return pd.DataFrame(array.T.astype(float), columns=list("ACGT"), index=index)


_UNIT_GLYPHS: dict[str, tuple[np.ndarray, np.ndarray]] = {}
#: Fraction of a column's width a glyph fills.
GLYPH_WIDTH = 0.95


def _unit_glyph(letter: str) -> tuple[np.ndarray, np.ndarray]:
    """Outline of a letter scaled to the unit square: vertices ``(V, 2)`` and path codes ``(V,)``."""
    if letter not in _UNIT_GLYPHS:
        path = TextPath((0, 0), letter, size=1, prop=FontProperties(family="sans-serif", weight="bold"))
        vertices = np.asarray(path.vertices, dtype=float)
        low, high = vertices.min(axis=0), vertices.max(axis=0)
        codes = path.codes if path.codes is not None else np.full(len(vertices), Path.LINETO)
        _UNIT_GLYPHS[letter] = ((vertices - low) / (high - low), np.asarray(codes))
    return _UNIT_GLYPHS[letter]


def _glyph_boxes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stack letters per column: bottom ``y`` and height of every glyph, ``(4, L)`` each, and positions."""
    order = np.argsort(np.abs(values), axis=0)  # smallest nearest the axis
    bottoms = np.zeros_like(values)
    for sign in (1.0, -1.0):
        part = np.where(np.sign(values) == sign, values, 0.0)
        ordered = np.take_along_axis(part, order, axis=0)
        below = np.cumsum(ordered, axis=0) - ordered  # what is stacked before each glyph
        np.put_along_axis(
            bottoms,
            order,
            np.where(
                np.take_along_axis(np.sign(values), order, 0) == sign,
                below,
                np.take_along_axis(bottoms, order, 0),
            ),
            axis=0,
        )
    return bottoms, values, np.arange(values.shape[1])


def _draw_fast(ax, frame: pd.DataFrame) -> None:
    values = frame.to_numpy().T  # (4, L)
    bottoms, heights, columns = _glyph_boxes(values)
    x_positions = frame.index.to_numpy()
    paths, colours = [], []
    for row, letter in enumerate("ACGT"):
        unit, codes = _unit_glyph(letter)
        visible = np.abs(heights[row]) > 1e-12
        for col in columns[visible]:
            h = heights[row, col]
            x0 = x_positions[col] - GLYPH_WIDTH / 2
            y0 = bottoms[row, col] if h > 0 else bottoms[row, col] + h
            vertices = unit * (GLYPH_WIDTH, abs(h)) + (x0, y0)
            paths.append(Path(vertices, codes))
            colours.append(COLOURS[letter])
    ax.add_collection(PathCollection(paths, facecolors=colours, edgecolors="none", linewidths=0))
    positive = np.where(values > 0, values, 0).sum(axis=0)
    negative = np.where(values < 0, values, 0).sum(axis=0)
    top, bottom = float(positive.max(initial=0)), float(negative.min(initial=0))
    pad = 0.05 * (top - bottom or 1.0)
    ax.set_xlim(x_positions[0] - 0.5, x_positions[-1] + 0.5)
    ax.set_ylim(bottom - (pad if bottom < 0 else 0), top + pad)
    ax.axhline(0, color="black", lw=0.5)


def logo_figure(
    matrix: torch.Tensor | np.ndarray,
    *,
    first_position: int = 1,
    title: str = "",
    highlight: tuple[int, int] | None = None,
    width: float | None = None,
    height: float = 2.2,
    ylabel: str = "attribution",
    ylim: tuple[float, float] | None = None,
    engine: str = "fast",
    labels: Sequence[str] | None = None,
) -> Figure:
    """Draw a logo: letters stacked by their signed attribution.

    Parameters
    ----------
    matrix : torch.Tensor or numpy.ndarray
        ``(4, L)``, rows A, C, G, T (e.g. projected attributions of one sequence).
    first_position : int
        1-based coordinate of column 0 (the x axis shows real coordinates).
    title : str
    highlight : tuple of int, optional
        1-based inclusive ``(start, end)`` to shade (e.g. a variant).
    width, height : float
        Inches; the width defaults to grow with ``L``.
    ylabel : str
    ylim : tuple of float, optional
        Shared y limits, to compare logos (REF against ALT).
    engine : {"fast", "logomaker"}
        The renderer (see the module docstring).
    labels : sequence of str, optional
        ``L`` tick labels, one per column, for axes that are not consecutive positions
        (an aligned REF/ALT pair: ``"62205+1"`` is a base inserted after 62205).

    Returns
    -------
    matplotlib.figure.Figure
    """
    check(engine in ("fast", "logomaker"), f"engine must be 'fast' or 'logomaker', got {engine!r}")
    check(
        labels is None or len(labels) == np.shape(matrix)[-1],
        f"labels must have one entry per column ({np.shape(matrix)[-1]}), got {len(labels or [])}",
    )
    frame = logo_frame(matrix, first_position)
    length = len(frame)
    fig = Figure(figsize=(width or min(max(4.0, length * 0.12), 24.0), height), dpi=100)
    ax = fig.add_subplot(111)
    if engine == "fast":
        _draw_fast(ax, frame)
    else:
        logomaker.Logo(frame, ax=ax, color_scheme=COLOURS, flip_below=False, baseline_width=0.5)
    if highlight is not None:
        ax.axvspan(highlight[0] - 0.5, highlight[1] + 0.5, color="#999999", alpha=0.25, lw=0)
    ax.set_ylabel(ylabel)
    ax.set_xlabel("position")
    # positions are whole numbers, also for a window of one column
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    if labels is not None:
        step = -(-length // max(2, int(fig.get_figwidth() / 0.9)))  # about one label per 0.9 inch
        ticks = _tick_columns(labels, step)
        ax.set_xticks([first_position + i for i in ticks], [labels[i] for i in ticks], fontsize=8)
    if ylim is not None:
        ax.set_ylim(*ylim)
    if title:
        ax.set_title(title, fontsize=10, loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig


def shared_ylim(*matrices: torch.Tensor | np.ndarray) -> tuple[float, float]:
    """Y limits that fit every logo of ``matrices`` (each ``(4, L)``), to compare them on one scale.

    The tallest positive stack and the deepest negative one over all matrices, with
    5% of the range as margin.
    """
    both = np.concatenate([np.asarray(m, dtype=np.float64) for m in matrices], axis=1)
    top = np.clip(both, 0, None).sum(axis=0).max(initial=0.0)
    bottom = np.clip(both, None, 0).sum(axis=0).min(initial=0.0)
    pad = 0.05 * max(top - bottom, 1e-9)
    return float(bottom - pad), float(top + pad)


def _tick_columns(labels: Sequence[str], step: int) -> list[int]:
    """Every ``step``-th column, plus the first column of each inserted run (``"+"`` labels)."""
    inserted = [i for i, label in enumerate(labels) if "+" in label and (i == 0 or "+" not in labels[i - 1])]
    regular = [i for i in range(0, len(labels), step) if all(abs(i - j) > step // 2 for j in inserted)]
    return sorted(regular + inserted)


def figure_bytes(fig: Figure, fmt: str) -> bytes:
    """Render a figure to ``png`` or ``svg`` bytes."""
    check(fmt in ("png", "svg"), f"format must be png or svg, got {fmt!r}")
    buffer = io.BytesIO()
    fig.savefig(buffer, format=fmt, dpi=150 if fmt == "png" else None)
    plt.close(fig)
    return buffer.getvalue()


def heatmap_figure(effects: torch.Tensor | np.ndarray, *, first_position: int = 1, title: str = "") -> Figure:
    """A static ``(4, L)`` ISM heatmap (for downloads), diverging around zero."""
    array = effects.detach().cpu().numpy() if isinstance(effects, torch.Tensor) else np.asarray(effects)
    length = array.shape[1]
    fig = Figure(figsize=(min(max(4.0, length * 0.12), 24.0), 1.8), dpi=100)
    ax = fig.add_subplot(111)
    bound = float(np.abs(array).max()) or 1.0
    image = ax.imshow(
        array, aspect="auto", cmap="RdBu_r", vmin=-bound, vmax=bound,
        extent=(first_position - 0.5, first_position + length - 0.5, 3.5, -0.5),
    )  # fmt: skip
    ax.set_yticks(range(4), list("ACGT"))
    ax.set_xlabel("position")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
    if title:
        ax.set_title(title, fontsize=10, loc="left")
    fig.colorbar(image, ax=ax, label="effect", fraction=0.03)
    fig.tight_layout()
    return fig
