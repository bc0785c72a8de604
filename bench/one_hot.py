"""One-hot encoding speed: genodash against two common encoders, side by side.

Target (issue 2): >= 100 Mbp/s on one thread for a 10 Mbp input.
Baselines, run interleaved in this process after a warm-up, outputs checked equal first:
- ``lut_gather``: numpy fancy-index lookup table (byte -> row of a (256, 4) table), then transpose;
- ``torch_one_hot``: byte -> index lookup, ``torch.nn.functional.one_hot``, then permute.
Prints the median throughput and the ratio genodash / baseline last.
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from genodash.sequence import one_hot_encode  # noqa: E402

LENGTH = 10_000_000
REPEATS = 7

_TABLE = np.zeros((256, 4), dtype=np.float32)
_INDEX = np.full(256, 4, dtype=np.int64)
for i, letter in enumerate("ACGT"):
    _TABLE[ord(letter), i] = _TABLE[ord(letter.lower()), i] = 1.0
    _INDEX[ord(letter)] = _INDEX[ord(letter.lower())] = i


def lut_gather(seq: str) -> torch.Tensor:
    codes = np.frombuffer(seq.encode("ascii"), dtype=np.uint8)
    return torch.from_numpy(np.ascontiguousarray(_TABLE[codes].T))[None]


def torch_one_hot(seq: str) -> torch.Tensor:
    index = torch.from_numpy(_INDEX[np.frombuffer(seq.encode("ascii"), dtype=np.uint8)])
    return torch.nn.functional.one_hot(index, 5)[:, :4].T.float().contiguous()[None]


def main() -> None:
    torch.set_num_threads(1)
    seq = "".join(np.random.default_rng(0).choice(list("ACGTN"), LENGTH, p=[0.245] * 4 + [0.02]))
    contenders = {"genodash": one_hot_encode, "lut_gather": lut_gather, "torch_one_hot": torch_one_hot}
    reference = one_hot_encode(seq)
    for name, fn in contenders.items():
        assert torch.equal(fn(seq), reference), f"{name} disagrees with genodash"
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(REPEATS):  # interleaved: A B C A B C ...
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn(seq)
            times[name].append(time.perf_counter() - start)
    print(f"python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__}, threads 1")
    print(f"input: one sequence of {LENGTH:,} nt; median of {REPEATS} interleaved runs")
    med = {name: statistics.median(t) for name, t in times.items()}
    for name, t in med.items():
        print(f"{name:>14}: {t * 1000:8.1f} ms  {LENGTH / t / 1e6:8.1f} Mbp/s")
    for name in ("lut_gather", "torch_one_hot"):
        print(f"ratio genodash / {name}: {med[name] / med['genodash']:.2f}x faster")
    print(f"genodash throughput: {LENGTH / med['genodash'] / 1e6:.0f} Mbp/s (target >= 100)")


if __name__ == "__main__":
    main()
