"""DNA strings to one-hot tensors, and reverse complements.

Contract (``../shared/DESIGN.md``): a batch is a ``torch.float32`` tensor of shape
``(N, 4, L)``, channels in ``A, C, G, T`` order. ``N`` and the other IUPAC
ambiguity codes are all-zero columns; lower case is accepted and ``U`` reads as ``T``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from genodash.errors import SequenceError, check

ALPHABET = "ACGT"
#: IUPAC nucleotide codes (upper case) that are accepted; all but ACGTU encode as zeros.
IUPAC_CODES = frozenset("ACGTUNRYSWKMBDHV")

_COMPLEMENT = str.maketrans(
    "ACGTUNRYSWKMBDHVacgtunryswkmbdhv",
    "TGCAANYRSWMKVHDBtgcaanyrswmkvhdb",
)


_ZERO_COLUMN = 4
_INVALID = 5


def _build_channel_table() -> bytes:
    """A 256-byte ``bytes.translate`` table: ASCII letter -> channel code.

    Codes: 0-3 for A, C, G, T (U reads as T), 4 for the other IUPAC codes (an
    all-zero column), 5 for anything that is not a nucleotide letter.
    """
    table = bytearray([_INVALID] * 256)
    for letter in IUPAC_CODES:
        channel = "ACGT".find(letter.replace("U", "T"))
        code = channel if channel >= 0 else _ZERO_COLUMN
        table[ord(letter)] = table[ord(letter.lower())] = code
    return bytes(table)


_CHANNEL_TABLE = _build_channel_table()


def _as_list(seqs: str | Sequence[str]) -> list[str]:
    if isinstance(seqs, str):
        return [seqs]
    seqs = list(seqs)
    for i, seq in enumerate(seqs):
        check(
            isinstance(seq, str),
            f"seqs[{i}] must be a string, got {type(seq).__name__}",
            SequenceError,
        )
    return seqs


def _first_invalid(seq: str) -> tuple[int, str] | None:
    """0-based position and letter of the first character that is not IUPAC DNA/RNA."""
    for pos, letter in enumerate(seq):
        if letter.upper() not in IUPAC_CODES:
            return pos, letter
    return None


def one_hot_encode(seqs: str | Sequence[str], *, pad: bool = False) -> torch.Tensor:
    """Encode DNA strings as a one-hot batch.

    Parameters
    ----------
    seqs : str or sequence of str
        ``N`` DNA sequences (one string is a batch of one). Upper or lower case;
        ``U`` reads as ``T``; IUPAC ambiguity codes (``N``, ``R``, ...) become
        all-zero columns.
    pad : bool, optional
        Sequences of unequal length raise :class:`SequenceError` unless ``pad`` is
        true, in which case shorter ones are padded on the right with zero (``N``)
        columns up to the longest.

    Returns
    -------
    torch.Tensor
        ``float32`` of shape ``(N, 4, L)``, channels ``A, C, G, T``.

    Raises
    ------
    SequenceError
        A character that is not an IUPAC nucleotide code (named with its sequence
        index and 1-based position), or unequal lengths without ``pad``.
    """
    seqs = _as_list(seqs)
    check(len(seqs) > 0, "seqs is empty: give at least one sequence", SequenceError)
    lengths = [len(s) for s in seqs]
    length = max(lengths)
    if not pad and min(lengths) != length:
        short = lengths.index(min(lengths))
        raise SequenceError(
            f"sequences differ in length: sequence {lengths.index(length) + 1} has "
            f"{length} nt, sequence {short + 1} has {lengths[short]} nt; give sequences "
            "of one length, or pass pad=True to pad with N"
        )
    if pad and min(lengths) != length:
        seqs = [s + "N" * (length - len(s)) for s in seqs]
    try:
        raw = "".join(seqs).encode("ascii")
    except UnicodeEncodeError as exc:
        index = next(i for i, s in enumerate(seqs) if not s.isascii())
        pos, letter = _first_invalid(seqs[index])
        raise SequenceError(
            f"sequence {index + 1}, position {pos + 1}: {letter!r} is not a nucleotide letter"
        ) from exc
    # bytes.translate and memchr are C loops over the bytes: the fast path.
    channels = raw.translate(_CHANNEL_TABLE)
    if bytes([_INVALID]) in channels:
        flat = channels.index(bytes([_INVALID]))
        index, pos = divmod(flat, length)
        raise SequenceError(
            f"sequence {index + 1}, position {pos + 1}: {chr(raw[flat])!r} is not a "
            f"nucleotide letter (allowed: {''.join(sorted(IUPAC_CODES))}, any case)"
        )
    codes = np.frombuffer(channels, dtype=np.uint8).reshape(len(seqs), length)
    out = np.empty((len(seqs), 4, length), dtype=np.float32)
    for channel in range(4):
        np.equal(codes, channel, out=out[:, channel, :], casting="unsafe")
    return torch.from_numpy(out)


def reverse_complement(seq: str) -> str:
    """Reverse complement of a DNA string, keeping case and IUPAC codes.

    Parameters
    ----------
    seq : str
        DNA (``U`` complements to ``A``).

    Returns
    -------
    str
        The reverse complement, same length.
    """
    return seq.translate(_COMPLEMENT)[::-1]


def reverse_complement_one_hot(X: torch.Tensor) -> torch.Tensor:
    """Reverse complement of a one-hot batch.

    Parameters
    ----------
    X : torch.Tensor
        Shape ``(N, 4, L)`` in ``A, C, G, T`` order.

    Returns
    -------
    torch.Tensor
        Shape ``(N, 4, L)``: channels and positions reversed (A<->T, C<->G).
    """
    check(X.ndim == 3 and X.shape[1] == 4, f"X must have shape (N, 4, L), got {tuple(X.shape)}")
    return X.flip(1, 2)


def decode_one_hot(X: torch.Tensor) -> list[str]:
    """Turn a one-hot batch back into strings; all-zero columns read as ``N``.

    Parameters
    ----------
    X : torch.Tensor
        Shape ``(N, 4, L)``.

    Returns
    -------
    list of str
        ``N`` strings of length ``L``.
    """
    check(X.ndim == 3 and X.shape[1] == 4, f"X must have shape (N, 4, L), got {tuple(X.shape)}")
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    arr = X.detach().cpu().numpy()
    index = np.where(arr.max(axis=1) > 0, arr.argmax(axis=1), 4)
    return [letters[row].tobytes().decode("ascii") for row in index]
