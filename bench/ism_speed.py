"""ISM speed: genodash's windowed ISM against tangermeme 1.6, side by side.

Issue 3 target: a Basset-sized CNN (conv 300x19, pool 3, 200x11, pool 4, 200x7, pool 4,
FC 1000, FC 1000), 8 sequences of 1 kb, all 3L substitutions, same values to 1e-5
relative; at least 10x faster than full-model ISM (tangermeme ``fast=False``) and not
slower than tangermeme's default fastISM path (``fast=True``, which re-captures the
model on every call). genodash prepares its plan once per model and length (the first,
warm-up call), as an interactive dashboard does.

Run: ``.venv/bin/python bench/ism_speed.py [--repeats 1] [--threads 2]``
(needs ``pip install -r requirements-bench.txt``). Prints ratios last.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from genodash.architectures import Basset  # noqa: E402
from genodash.ism import saturation_mutagenesis  # noqa: E402
from genodash.targets import TargetOutput  # noqa: E402


def basset() -> torch.nn.Module:
    torch.manual_seed(0)
    model = Basset(n_tasks=164, input_length=1000).eval()
    for module in model.modules():  # non-trivial batch-norm statistics
        if isinstance(module, torch.nn.BatchNorm1d):
            module.running_mean.normal_(0, 0.2)
            module.running_var.uniform_(0.5, 2.0)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--target", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    import tangermeme
    from tangermeme.saturation_mutagenesis import saturation_mutagenesis as tm_ism

    model = basset()
    g = torch.Generator().manual_seed(1)
    X = torch.nn.functional.one_hot(torch.randint(0, 4, (8, 1000), generator=g), 4).permute(0, 2, 1).float()
    wrapper = TargetOutput(model, args.target)

    def ours(x):
        H = saturation_mutagenesis(wrapper, x, batch_size=1024)
        return H - H.mean(dim=1, keepdim=True)  # tangermeme's hypothetical = centred effects

    def tm_fast(x):
        return tm_ism(model, x, target=args.target, hypothetical=True, batch_size=64, fast=True)

    def tm_full(x):
        return tm_ism(model, x, target=args.target, hypothetical=True, batch_size=64, fast=False)

    contenders = {"genodash": ours, "tangermeme_fast": tm_fast, "tangermeme_full": tm_full}
    print(
        f"python {platform.python_version()}, torch {torch.__version__}, tangermeme "
        f"{tangermeme.__version__}, threads {torch.get_num_threads()}",
        flush=True,
    )
    print("model: Basset-sized CNN (random weights), 8 x 1000 nt, 3L substitutions, target", args.target)
    for name, fn in contenders.items():  # warm-up on one sequence (genodash prepares its plan here)
        start = time.perf_counter()
        fn(X[:1])
        print(f"warm-up {name} (1 sequence): {time.perf_counter() - start:.1f} s", flush=True)
    times: dict[str, list[float]] = {name: [] for name in contenders}
    outputs = {}
    for _ in range(args.repeats):  # interleaved A B C A B C, all 8 sequences
        for name, fn in contenders.items():
            start = time.perf_counter()
            outputs[name] = fn(X).float()
            times[name].append(time.perf_counter() - start)
            print(f"  {name}: {times[name][-1]:.2f} s", flush=True)
    # "same values to 1e-5 relative": relative to the model's output, whose float32
    # rounding bounds how exactly any method can compute a difference of two outputs
    with torch.inference_mode():
        scale = float(model(X)[:, args.target].abs().max())
    for name, out in outputs.items():
        err = float((out - outputs["tangermeme_full"]).abs().max()) / scale
        print(f"{name}: max |diff| vs full ISM = {err:.2e} of max |output| {scale:.3g}", flush=True)
        assert err <= 1e-5, f"{name} disagrees with full-model ISM"
    med = {name: statistics.median(t) for name, t in times.items()}
    for name, t in med.items():
        print(f"{name:>16}: median {t:7.2f} s over {args.repeats} runs")
    print(f"ratio tangermeme_full / genodash: {med['tangermeme_full'] / med['genodash']:.1f}x (target >= 10)")
    print(f"ratio tangermeme_fast / genodash: {med['tangermeme_fast'] / med['genodash']:.2f}x (target >= 1)")


if __name__ == "__main__":
    main()
