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


def tile_sequence(seq: str, input_length: int, flank: int) -> list[str]:
    """Cut a sequence into inputs of a profile model so that every base is predicted.

    The sequence gets ``flank`` N on both sides (more N on the right to fill the last
    tile) and is cut into windows of ``input_length`` that overlap by ``2 * flank``.
    Tile ``k`` predicts bases ``k * core .. (k + 1) * core - 1`` of ``seq``, where
    ``core = input_length - 2 * flank``.

    Parameters
    ----------
    seq : str
        Any length, at least 1.
    input_length : int
    flank : int
        Positions the model crops from each side of its input.

    Returns
    -------
    list of str
        ``ceil(len(seq) / core)`` strings of ``input_length``.
    """
    core = input_length - 2 * flank
    check(core > 0, f"input_length {input_length} must be above twice the flank ({flank})")
    check(len(seq) > 0, "the sequence is empty")
    n_tiles = -(-len(seq) // core)
    padded = "N" * flank + seq + "N" * (flank + n_tiles * core - len(seq))
    return [padded[k * core : k * core + input_length] for k in range(n_tiles)]
