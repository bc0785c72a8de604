import pytest

from genodash.errors import InputError
from genodash.length import fit_length


def test_kept_cropped_padded():
    assert fit_length("ACGT", 4).action == "kept"
    cropped = fit_length("AACCGGTT", 4)
    assert (cropped.sequence, cropped.action, cropped.offset) == ("CCGG", "cropped", 2)
    padded = fit_length("ACG", 6)
    assert (padded.sequence, padded.action, padded.offset) == ("NACGNN", "padded", -1)
    assert fit_length("ACGTA", 2).sequence == "CG"  # uneven: extra base goes right


def test_length_must_be_positive():
    with pytest.raises(InputError, match="length must be positive"):
        fit_length("ACGT", 0)
