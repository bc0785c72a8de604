"""Position weight matrices: log-odds from counts, and scanning both strands."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from genodash.errors import check
from genodash.sequence import reverse_complement_one_hot


@dataclass(frozen=True)
class Motif:
    """A DNA motif as a count or frequency matrix.

    Attributes
    ----------
    matrix_id : str
        E.g. the JASPAR ID ``MA0142.1``.
    name : str
    counts : numpy.ndarray
        Shape ``(4, W)``, rows ``A, C, G, T``.
    """

    matrix_id: str
    name: str
    counts: np.ndarray

    def log_odds(self, pseudocount: float = 0.8, background: float = 0.25) -> np.ndarray:
        """Log2-odds scores ``(4, W)`` against a uniform background."""
        counts = np.asarray(self.counts, dtype=np.float64)
        check(counts.ndim == 2 and counts.shape[0] == 4, f"counts must be (4, W), got {counts.shape}")
        freq = (counts + pseudocount / 4) / (counts.sum(axis=0, keepdims=True) + pseudocount)
        return np.log2(freq / background)


def best_match_scores(motif: Motif, X: torch.Tensor) -> torch.Tensor:
    """Best log-odds score of ``motif`` in each sequence, on either strand.

    Parameters
    ----------
    motif : Motif
    X : torch.Tensor
        One-hot ``(N, 4, L)`` with ``L >= W``.

    Returns
    -------
    torch.Tensor
        Shape ``(N,)``: the highest score over positions and both strands.
    """
    pwm = torch.as_tensor(motif.log_odds(), dtype=torch.float32)[None]
    with torch.inference_mode():
        fwd = torch.nn.functional.conv1d(X, pwm).amax(dim=(1, 2))
        rev = torch.nn.functional.conv1d(reverse_complement_one_hot(X), pwm).amax(dim=(1, 2))
    return torch.maximum(fwd, rev)


def relative_threshold(motif: Motif, fraction: float = 0.85) -> float:
    """Score at ``fraction`` of the way from the lowest to the highest possible score."""
    lo_ = motif.log_odds()
    low, high = lo_.min(axis=0).sum(), lo_.max(axis=0).sum()
    return float(low + fraction * (high - low))
