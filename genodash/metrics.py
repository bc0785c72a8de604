"""Evaluation metrics written once: AUROC from ranks (ties averaged)."""

from __future__ import annotations

import numpy as np

from genodash.errors import check


def auroc(labels: np.ndarray, scores: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney U with mid-ranks for ties).

    Parameters
    ----------
    labels : array of bool or {0, 1}, shape (n,)
    scores : array of float, shape (n,)
        Higher means more likely positive.

    Returns
    -------
    float
        In [0, 1]; 0.5 is chance.
    """
    labels = np.asarray(labels).astype(bool).ravel()
    scores = np.asarray(scores, dtype=np.float64).ravel()
    check(labels.shape == scores.shape, f"labels {labels.shape} and scores {scores.shape} differ")
    n_pos = int(labels.sum())
    n_neg = labels.size - n_pos
    check(n_pos > 0 and n_neg > 0, "AUROC needs at least one positive and one negative")
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(scores.size, dtype=np.float64)
    sorted_scores = scores[order]
    # mid-ranks: equal scores share the mean of their ranks
    boundaries = np.flatnonzero(np.diff(sorted_scores)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [scores.size]])
    for s, e in zip(starts, ends):
        ranks[order[s:e]] = (s + e + 1) / 2.0
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))
