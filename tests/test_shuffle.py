from collections import Counter

import numpy as np
import pytest

from genodash.errors import InputError
from genodash.shuffle import dinucleotide_shuffle


def dinucleotides(seq):
    return Counter(zip(seq, seq[1:]))


@pytest.mark.parametrize("seed", range(5))
def test_keeps_dinucleotides_and_ends(seed):
    rng = np.random.default_rng(seed)
    seq = "".join(np.random.default_rng(100 + seed).choice(list("ACGTN"), 300))
    out = dinucleotide_shuffle(seq, rng)
    assert dinucleotides(out) == dinucleotides(seq)
    assert out[0] == seq[0] and out[-1] == seq[-1] and out != seq


def test_seeded_and_reproducible():
    seq = "ACGTTGCAACGGTACCATGA" * 5
    a = dinucleotide_shuffle(seq, np.random.default_rng(7))
    b = dinucleotide_shuffle(seq, np.random.default_rng(7))
    assert a == b


def test_short_and_empty():
    assert dinucleotide_shuffle("AC", np.random.default_rng(0)) == "AC"
    with pytest.raises(InputError, match="empty"):
        dinucleotide_shuffle("", np.random.default_rng(0))
