import numpy as np
import torch

from genodash.motifs import Motif, best_match_scores, relative_threshold
from genodash.sequence import one_hot_encode, reverse_complement

# A sharp 6-mer (counts, rows A, C, G, T): CACGTG (an E-box).
EBOX = Motif(
    "test.1",
    "EBOX",
    np.array(
        [
            [0, 10, 0, 0, 0, 0],
            [10, 0, 10, 0, 0, 0],
            [0, 0, 0, 10, 0, 10],
            [0, 0, 0, 0, 10, 0],
        ],
        dtype=float,
    ),
)


def test_planted_site_scores_highest_on_either_strand():
    site = "CACGTG"
    background = "AT" * 20
    seqs = [background[:20] + site + background[:14], background]
    scores = best_match_scores(EBOX, one_hot_encode(seqs))
    assert scores[0] >= relative_threshold(EBOX, 0.99)
    assert scores[1] < relative_threshold(EBOX, 0.5)
    rc = best_match_scores(EBOX, one_hot_encode([reverse_complement(seqs[0])]))
    torch.testing.assert_close(rc, scores[:1])


def test_log_odds_shape():
    assert EBOX.log_odds().shape == (4, 6)
