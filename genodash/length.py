"""Fit sequences to a model's input length: centre-crop or pad with N."""

from __future__ import annotations

from dataclasses import dataclass

from genodash.errors import check


@dataclass(frozen=True)
class FittedSequence:
    """A sequence brought to a model's input length.

    Attributes
    ----------
    sequence : str
        Exactly the requested length.
    action : {"kept", "cropped", "padded"}
        What was done to the original.
    original_length : int
    offset : int
        0-based position of ``sequence[0]`` in the original: positive when
        cropped, negative (minus the left padding) when padded, 0 when kept.
    """

    sequence: str
    action: str
    original_length: int
    offset: int


def fit_length(seq: str, length: int) -> FittedSequence:
    """Centre-crop a longer sequence or pad a shorter one with ``N`` on both sides.

    Parameters
    ----------
    seq : str
        Any length, at least 1.
    length : int
        The model's input length.

    Returns
    -------
    FittedSequence
        When cropping or padding is uneven, the extra base goes to the right.
    """
    check(length > 0, f"length must be positive, got {length}")
    n = len(seq)
    if n == length:
        return FittedSequence(seq, "kept", n, 0)
    if n > length:
        start = (n - length) // 2
        return FittedSequence(seq[start : start + length], "cropped", n, start)
    left = (length - n) // 2
    return FittedSequence("N" * left + seq + "N" * (length - n - left), "padded", n, -left)
