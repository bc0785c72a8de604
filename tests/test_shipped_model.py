"""The shipped oct4-mafk model does what its card says, on the held-out peaks."""

import pytest

from genodash.io import read_fasta
from genodash.metrics import auroc
from genodash.predict import predict
from genodash.sequence import one_hot_encode

from .conftest import DATA


def test_held_out_auroc_matches_the_card(oct4_mafk):
    oct4 = [r.sequence for r in read_fasta(DATA / "janggu" / "sample_test.fa")]
    mafk = [r.sequence for r in read_fasta(DATA / "janggu" / "sample2_test.fa")]
    logits = predict(oct4_mafk.model, one_hot_encode(oct4 + mafk))
    labels = [1] * len(oct4) + [0] * len(mafk)
    measured = auroc(labels, (logits[:, 0] - logits[:, 1]).numpy())
    assert measured > 0.95
    assert measured == pytest.approx(oct4_mafk.card.metrics["test_auroc_Oct4_vs_MafK_peaks"], abs=2e-3)
