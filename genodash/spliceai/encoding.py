"""One-hot encoding exactly as ``spliceai`` 1.3.1 does it, for identical variant scores.

The original upper-cases the sequence, maps ``A, C, G, T, N`` to codes 1, 2, 3, 4, 0
and any other character to ``ord(c) % 5`` (as a signed byte), then takes rows of
``[0000, 1000, 0100, 0010, 0001]``. So IUPAC letters in a reference genome are not
all-zero as in :func:`genodash.sequence.one_hot_encode`: ``R, M, W, H`` read as C;
``Y`` as T; ``S, D`` as G; ``B, V`` as A; ``K`` as N. Variant scoring uses this
encoding so that its scores are those of the official command line.
"""

from __future__ import annotations

import numpy as np
import torch

_CODE_TO_CHANNEL = (4, 0, 1, 2, 3)  # code 0 -> all zero (4), 1..4 -> A, C, G, T


def _build_table() -> bytes:
    table = bytearray(256)
    for byte in range(256):
        char = chr(byte).upper() if byte < 128 else chr(byte)
        code = {"A": 1, "C": 2, "G": 3, "T": 4, "N": 0}.get(char)
        if code is None:
            signed = byte - 256 if byte >= 128 else ord(char)
            code = signed % 5
        table[byte] = _CODE_TO_CHANNEL[code]
    return bytes(table)


_TABLE = _build_table()


def spliceai_one_hot(seq: str) -> torch.Tensor:
    """Encode one sequence as the original SpliceAI does.

    Parameters
    ----------
    seq : str
        Any letters, any case (Latin-1 at most).

    Returns
    -------
    torch.Tensor
        ``float32`` of shape ``(4, L)``, channels ``A, C, G, T``.
    """
    codes = np.frombuffer(seq.encode("latin-1").translate(_TABLE), dtype=np.uint8)
    out = np.zeros((4, len(codes)), dtype=np.float32)
    for channel in range(4):
        out[channel, codes == channel] = 1.0
    return torch.from_numpy(out)
