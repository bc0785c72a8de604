"""How much attribution methods agree: rank correlation and overlap of top positions."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import torch

from genodash.errors import check


def _ranks(values: np.ndarray) -> np.ndarray:
    """Mid-ranks along the last axis (ties share their mean rank)."""
    order = np.argsort(values, axis=-1, kind="mergesort")
    ranks = np.empty_like(values, dtype=float)
    np.put_along_axis(ranks, order, np.arange(values.shape[-1], dtype=float)[None].repeat(len(values), 0), -1)
    for row in range(values.shape[0]):  # average ties
        uniq, inverse, counts = np.unique(values[row], return_inverse=True, return_counts=True)
        if len(uniq) < values.shape[-1]:
            sums = np.bincount(inverse, weights=ranks[row])
            ranks[row] = (sums / counts)[inverse]
    return ranks


def spearman(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman rank correlation per row of two ``(N, L)`` arrays -> ``(N,)``."""
    ra, rb = _ranks(a), _ranks(b)
    ra -= ra.mean(axis=1, keepdims=True)
    rb -= rb.mean(axis=1, keepdims=True)
    denominator = np.sqrt((ra**2).sum(axis=1) * (rb**2).sum(axis=1))
    return np.where(
        denominator > 0, (ra * rb).sum(axis=1) / np.where(denominator > 0, denominator, 1), np.nan
    )


def top_overlap(a: np.ndarray, b: np.ndarray, k: int) -> np.ndarray:
    """Fraction of the ``k`` highest positions of ``a`` that are also among those of ``b``, per row."""
    top_a = np.argsort(-a, axis=1)[:, :k]
    top_b = np.argsort(-b, axis=1)[:, :k]
    return np.array([len(set(x) & set(y)) / k for x, y in zip(top_a, top_b, strict=True)])


def method_agreement(importance: dict[str, torch.Tensor], top_fraction: float = 0.1) -> pd.DataFrame:
    """Pairwise agreement of methods on which positions matter.

    Parameters
    ----------
    importance : dict of str to torch.Tensor
        Method name -> ``(N, L)`` per-position importance (signed); compared by magnitude.
    top_fraction : float
        The share of positions counted as "top" for the overlap.

    Returns
    -------
    pandas.DataFrame
        One row per pair: ``method A``, ``method B``, ``rank correlation`` (Spearman on
        |importance|, mean over sequences) and ``top overlap`` (mean fraction of shared
        top positions).
    """
    check(len(importance) >= 2, "agreement needs at least two methods")
    arrays = {name: np.abs(t.detach().cpu().numpy().astype(float)) for name, t in importance.items()}
    shapes = {a.shape for a in arrays.values()}
    check(len(shapes) == 1, f"importance arrays differ in shape: {sorted(shapes)}")
    length = next(iter(shapes))[1]
    k = max(1, int(round(top_fraction * length)))
    rows = []
    for a, b in combinations(arrays, 2):
        rows.append(
            {
                "method A": a,
                "method B": b,
                "rank correlation": float(np.nanmean(spearman(arrays[a], arrays[b]))),
                f"top {k} overlap": float(top_overlap(arrays[a], arrays[b], k).mean()),
            }
        )
    return pd.DataFrame(rows)


#: Below this fraction of shared top positions, a method is said to disagree with ISM.
MIN_TOP_OVERLAP = 0.3


def disagreements_with(
    importance: dict[str, torch.Tensor],
    reference: str = "ism",
    top_fraction: float = 0.1,
    min_overlap: float = MIN_TOP_OVERLAP,
) -> dict[str, list[int]]:
    """Sequences on which each method's top positions miss the reference method's.

    ISM measures what the model does when each base changes, so a gradient method whose
    most important positions are mostly not ISM's deserves a second look.

    Parameters
    ----------
    importance : dict of str to torch.Tensor
        Method name -> ``(N, L)`` per-position importance (compared by magnitude).
    reference : str
        The method the others are checked against.
    top_fraction, min_overlap : float
        A sequence counts when fewer than ``min_overlap`` of the reference's top
        ``top_fraction`` positions are among the method's.

    Returns
    -------
    dict of str to list of int
        Method -> 0-based indices of those sequences; only methods with any. Empty
        when ``reference`` is not among the methods.
    """
    if reference not in importance:
        return {}
    arrays = {name: np.abs(t.detach().cpu().numpy().astype(float)) for name, t in importance.items()}
    k = max(1, int(round(top_fraction * arrays[reference].shape[1])))
    out = {}
    for name, values in arrays.items():
        if name == reference:
            continue
        low = np.flatnonzero(top_overlap(arrays[reference], values, k) < min_overlap)
        if len(low):
            out[name] = low.tolist()
    return out
