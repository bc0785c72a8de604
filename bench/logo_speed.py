"""Logo rendering speed: genodash's renderer against logomaker's Logo, side by side.

Issue 3 target: one logo of 200 positions (drawn and encoded as PNG) in under 0.5 s.
Both draw the same matrix; interleaved after a warm-up; prints the ratio last.
Run: ``.venv/bin/python bench/logo_speed.py``
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from pathlib import Path

import logomaker
import matplotlib
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from genodash.logos import figure_bytes, logo_figure  # noqa: E402

REPEATS = 5


def main() -> None:
    torch.manual_seed(0)
    matrix = torch.randn(4, 200) * (torch.rand(4, 200) > 0.5)
    contenders = {
        "genodash": lambda: figure_bytes(logo_figure(matrix, first_position=1001), "png"),
        "logomaker": lambda: figure_bytes(
            logo_figure(matrix, first_position=1001, engine="logomaker"), "png"
        ),
    }
    for fn in contenders.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(REPEATS):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    print(
        f"python {platform.python_version()}, matplotlib {matplotlib.__version__}, "
        f"logomaker {logomaker.__version__ if hasattr(logomaker, '__version__') else '0.8.7'}"
    )
    print(f"one logo of 200 positions, drawn and saved as PNG; median of {REPEATS} interleaved runs")
    med = {name: statistics.median(t) for name, t in times.items()}
    for name, t in med.items():
        print(f"{name:>10}: {t:.3f} s")
    print(f"genodash: {med['genodash']:.3f} s (target < 0.5 s)")
    print(f"ratio logomaker / genodash: {med['logomaker'] / med['genodash']:.1f}x faster")


if __name__ == "__main__":
    main()
