import numpy as np
import pytest
import torch

from genodash.agreement import method_agreement, spearman, top_overlap
from genodash.errors import InputError


def test_spearman_matches_definition_and_ties():
    a = np.array([[1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 2.0, 3.0]])
    b = np.array([[10.0, 20.0, 30.0, 40.0], [3.0, 2.0, 1.0, 0.0]])
    rho = spearman(a, b)
    assert rho[0] == pytest.approx(1.0)
    ranks_a, ranks_b = np.array([1.5, 1.5, 3, 4]), np.array([4, 3, 2, 1.0])
    assert rho[1] == pytest.approx(np.corrcoef(ranks_a, ranks_b)[0, 1])


def test_top_overlap():
    a = np.array([[5.0, 4.0, 0.0, 0.0]])
    b = np.array([[5.0, 0.0, 4.0, 0.0]])
    assert top_overlap(a, b, 2)[0] == 0.5


def test_table_and_errors():
    x = torch.randn(3, 50)
    table = method_agreement({"a": x, "b": -x, "c": torch.randn(3, 50)})
    assert len(table) == 3
    row = table[(table["method A"] == "a") & (table["method B"] == "b")].iloc[0]
    assert row["rank correlation"] == pytest.approx(1.0)  # compared by magnitude
    assert row["top 5 overlap"] == 1.0
    with pytest.raises(InputError, match="at least two"):
        method_agreement({"a": x})


def test_disagreements_with_ism_name_the_sequences():
    from genodash.agreement import disagreements_with

    ism = torch.zeros(3, 100)
    ism[:, 10:20] = torch.arange(10, 0, -1)  # ISM's top 10 positions: 10..19
    same = ism * -2.0  # magnitudes are compared: the same top positions
    elsewhere = ism.clone()
    elsewhere[1] = 0
    elsewhere[1, 60:70] = 5.0  # sequence 1 puts its weight elsewhere
    partly = ism.clone()
    partly[2, 10:18] = 0
    partly[2, 80:88] = 9.0  # sequence 2 shares 2 of 10 top positions (< 0.3)
    found = disagreements_with({"ism": ism, "saliency": same, "ig": elsewhere, "dls": partly})
    assert found == {"ig": [1], "dls": [2]}
    assert disagreements_with({"saliency": same, "ig": elsewhere}) == {}  # no ISM, no verdict
