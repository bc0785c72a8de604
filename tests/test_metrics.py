import itertools

import numpy as np
import pytest

from genodash.errors import InputError
from genodash.metrics import auroc


def brute_force_auroc(labels, scores):
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


def test_matches_pairwise_definition_with_ties():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 200)
    scores = rng.integers(0, 10, 200).astype(float)  # many ties
    assert auroc(labels, scores) == pytest.approx(brute_force_auroc(labels, scores))


def test_perfect_and_inverted():
    assert auroc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4]) == 1.0
    assert auroc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]) == 0.0


def test_needs_both_classes():
    with pytest.raises(InputError, match="at least one positive and one negative"):
        auroc([1, 1], [0.2, 0.3])
