import pytest
import torch

from genodash.errors import SequenceError
from genodash.sequence import (
    decode_one_hot,
    one_hot_encode,
    reverse_complement,
    reverse_complement_one_hot,
)


def test_one_hot_golden_values():
    X = one_hot_encode(["ACGTN"])
    expected = torch.tensor(
        [[[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0]]], dtype=torch.float32
    )
    assert X.dtype == torch.float32
    torch.testing.assert_close(X, expected)


def test_lowercase_rna_and_iupac():
    torch.testing.assert_close(one_hot_encode("acgu"), one_hot_encode("ACGT"))
    X = one_hot_encode("RYSWKMBDHVN")
    assert X.shape == (1, 4, 11)
    assert X.sum() == 0


def test_single_string_is_batch_of_one_and_batch_shape():
    assert one_hot_encode("ACGT").shape == (1, 4, 4)
    assert one_hot_encode(["ACGT", "TTTT", "GGGG"]).shape == (3, 4, 4)


def test_unequal_lengths_raise_unless_padded():
    with pytest.raises(SequenceError, match=r"differ in length: sequence 1 has 4 nt, sequence 2 has 2 nt"):
        one_hot_encode(["ACGT", "AC"])
    X = one_hot_encode(["ACGT", "AC"], pad=True)
    assert X.shape == (2, 4, 4)
    assert X[1, :, 2:].sum() == 0


@pytest.mark.parametrize(
    ("seqs", "where"),
    [
        (["ACGT", "AC1T"], "sequence 2, position 3: '1'"),
        (["AC-T"], "sequence 1, position 3: '-'"),
        (["ACGé"], "sequence 1, position 4: 'é'"),
    ],
)
def test_invalid_letters_named_with_position(seqs, where):
    with pytest.raises(SequenceError, match=where):
        one_hot_encode(seqs)


def test_empty_batch_and_non_strings():
    with pytest.raises(SequenceError, match="empty"):
        one_hot_encode([])
    with pytest.raises(SequenceError, match=r"seqs\[0\] must be a string"):
        one_hot_encode([b"ACGT"])


def test_reverse_complement_string_and_tensor_agree():
    seq = "AACGTTTGCAnRY"
    assert reverse_complement(seq) == "RYnTGCAAACGTT"
    assert reverse_complement(reverse_complement(seq)) == seq
    X = one_hot_encode(seq)
    torch.testing.assert_close(reverse_complement_one_hot(X), one_hot_encode(reverse_complement(seq)))


def test_decode_round_trip():
    assert decode_one_hot(one_hot_encode(["ACGTN", "ttRaa"])) == ["ACGTN", "TTNAA"]


def test_input_list_not_mutated():
    seqs = ["acgt", "ACGT"]
    one_hot_encode(seqs)
    assert seqs == ["acgt", "ACGT"]
