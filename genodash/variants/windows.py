"""REF and ALT input windows centred on a variant, and their explicit alignment.

The REF window holds ``length`` reference bases centred on the REF allele. The ALT
window keeps the same left flank, then the ALT allele, then reference bases to the
right until it is ``length`` long, so an indel shifts only the bases right of it.
Bases beyond a contig end are ``N`` (counted in ``padded``).

Alignment keys name what each column holds: ``(g, 0)`` is reference position ``g``
(0-based); ``(g, k)`` with ``k >= 1`` is the ``k``-th base inserted after ``g``. ALT
allele bases are paired with REF bases left to right (VCF keeps the anchor base first):
ALT bases beyond the REF length are insertions after the last REF base, and REF bases
beyond the ALT length are deleted. Columns present in only one window are gaps
(``-1``) in the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from genodash.genome import Genome
from genodash.variants.checking import CheckedVariant

Key = tuple[int, int]


@dataclass(frozen=True)
class AlleleWindows:
    """The two input sequences for one variant.

    Attributes
    ----------
    checked : CheckedVariant
    ref_seq, alt_seq : str
        Both ``length`` long.
    window_start : int
        0-based reference position of column 0.
    ref_columns, alt_columns : tuple of int
        ``(start, end)`` columns of the REF / ALT allele in each window.
    padded : int
        ``N`` columns added beyond contig ends (REF window).

    Notes
    -----
    ``ref_keys`` and ``alt_keys`` (one alignment key per column, see the module
    docstring) are computed when first asked for, so scoring many variants does not
    build them.
    """

    checked: CheckedVariant
    ref_seq: str
    alt_seq: str
    window_start: int
    ref_columns: tuple[int, int]
    alt_columns: tuple[int, int]
    padded: int

    @cached_property
    def ref_keys(self) -> tuple[Key, ...]:
        """Alignment key of each REF column."""
        return tuple((self.window_start + j, 0) for j in range(len(self.ref_seq)))

    @cached_property
    def alt_keys(self) -> tuple[Key, ...]:
        """Alignment key of each ALT column."""
        v = self.checked.variant
        length, left = len(self.ref_seq), self.ref_columns[0]
        right_len = max(length - left - len(v.alt), 0)
        keys = (
            [(self.window_start + j, 0) for j in range(left)]
            + allele_keys(v.start, v.ref, v.alt)
            + [(v.end + j, 0) for j in range(right_len)]
        )
        return tuple(keys[:length])


def fetch_padded(genome: Genome, contig: str, start: int, end: int) -> tuple[str, int]:
    """Bases ``[start, end)`` (0-based) with ``N`` beyond the contig ends.

    Returns
    -------
    tuple of (str, int)
        The sequence (upper case) and how many ``N`` were added.
    """
    length = genome.lengths[contig]
    lo, hi = max(start, 0), min(end, length)
    core = genome.fetch(contig, lo + 1, hi).upper() if hi > lo else ""
    left, right = lo - start, end - hi
    return "N" * left + core + "N" * right, left + right


def allele_keys(start: int, ref: str, alt: str) -> list[Key]:
    """Alignment keys of the ALT allele's bases (see the module docstring)."""
    keys: list[Key] = []
    for i in range(len(alt)):
        if i < len(ref):
            keys.append((start + i, 0))
        else:
            keys.append((start + len(ref) - 1, i - len(ref) + 1))
    return keys


def build_windows(checked: CheckedVariant, genome: Genome, length: int) -> AlleleWindows:
    """REF and ALT windows of ``length`` bases centred on a variant.

    Parameters
    ----------
    checked : CheckedVariant
    genome : Genome
    length : int
        The model's input length.

    Returns
    -------
    AlleleWindows
    """
    v = checked.variant
    window_start = v.start + len(v.ref) // 2 - length // 2
    ref_seq, padded = fetch_padded(genome, checked.contig, window_start, window_start + length)
    left = v.start - window_start
    right_len = max(length - left - len(v.alt), 0)
    right, _ = fetch_padded(genome, checked.contig, v.end, v.end + right_len)
    alt_seq = (ref_seq[:left] + v.alt + right)[:length]
    return AlleleWindows(
        checked,
        ref_seq,
        alt_seq,
        window_start,
        (left, left + len(v.ref)),
        (left, min(left + len(v.alt), length)),
        padded,
    )


@dataclass(frozen=True)
class Alignment:
    """REF and ALT columns on one shared axis.

    Attributes
    ----------
    keys : tuple of (int, int)
        Sorted union of both windows' keys.
    ref_index, alt_index : numpy.ndarray
        ``(C,)`` int: the window column of each aligned column, ``-1`` for a gap.
    """

    keys: tuple[Key, ...]
    ref_index: np.ndarray
    alt_index: np.ndarray

    @property
    def labels(self) -> list[str]:
        """1-based position per column; inserted bases as ``"62205+1"``."""
        return [f"{g + 1}" if k == 0 else f"{g + 1}+{k}" for g, k in self.keys]

    def take(self, matrix: np.ndarray, which: str) -> np.ndarray:
        """Place a window's ``(..., L)`` values on the aligned axis, zeros in gaps.

        Parameters
        ----------
        matrix : numpy.ndarray
            ``(..., L)`` values of the REF (``which="ref"``) or ALT window.

        Returns
        -------
        numpy.ndarray
            ``(..., C)``.
        """
        index = self.ref_index if which == "ref" else self.alt_index
        out = np.zeros(matrix.shape[:-1] + (len(index),), dtype=matrix.dtype)
        present = index >= 0
        out[..., present] = matrix[..., index[present]]
        return out


def align(windows: AlleleWindows, first: int = 0, last: int | None = None) -> Alignment:
    """Align the REF and ALT windows, optionally only columns ``[first, last)`` of the REF window.

    Parameters
    ----------
    windows : AlleleWindows
    first, last : int, optional
        REF-window column range to keep (ALT columns whose keys fall in the same
        reference span, insertions included, are kept).

    Returns
    -------
    Alignment
    """
    last = len(windows.ref_keys) if last is None else last
    lo, hi = windows.ref_keys[first][0], windows.ref_keys[last - 1][0]
    ref_pos = {key: j for j, key in enumerate(windows.ref_keys[first:last], start=first)}
    alt_pos = {key: j for j, key in enumerate(windows.alt_keys) if lo <= key[0] <= hi}
    keys = tuple(sorted(set(ref_pos) | set(alt_pos)))
    ref_index = np.array([ref_pos.get(k, -1) for k in keys], dtype=np.int64)
    alt_index = np.array([alt_pos.get(k, -1) for k in keys], dtype=np.int64)
    return Alignment(keys, ref_index, alt_index)
