"""Batched attribution speed: genodash against Captum, side by side.

Issue 3 target: batched attribution at least 5x faster than calling Captum one
sequence at a time, and never slower than Captum batched with its best internal
batch size. Integrated gradients (50 steps, zero reference) and DeepLiftShap (10
dinucleotide-shuffled references per sequence) on a Basset-sized CNN (random
weights), 8 sequences of 1 kb. Outputs are checked equal before timing; runs are
interleaved after a warm-up. Prints ratios last. genodash takes its exact
first-layer shortcuts here (``genodash/attribution_split.py``); Captum runs the
plain model.

Run: ``.venv/bin/python bench/attribution_speed.py [--threads 2] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import copy
import platform
import statistics
import sys
import time
from pathlib import Path

import captum
import torch
from captum.attr import DeepLift, DeepLiftShap, IntegratedGradients

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from genodash.architectures import Basset  # noqa: E402
from genodash.attribution import attribute, make_references  # noqa: E402
from genodash.targets import TargetOutput  # noqa: E402

TARGET = 7


def model_and_data():
    torch.manual_seed(0)
    model = Basset(n_tasks=164, input_length=1000).eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    g = torch.Generator().manual_seed(1)
    X = torch.nn.functional.one_hot(torch.randint(0, 4, (8, 1000), generator=g), 4).permute(0, 2, 1).float()
    return model, X


def agree(ours, captum, name):
    """Same values up to float32 rounding, relative to the attributions' scale.

    Gradients are discontinuous (a max-pool argmax or a ReLU switching at a near-tie),
    so a rounding-level change in a hidden layer can move one unit's gradient: a few
    elements may then differ by more, locally. Both are printed.
    """
    scale = captum.abs().max()
    diff = (ours - captum).abs() / scale
    off, far = int((diff > 1e-5).sum()), int((diff > 1e-3).sum())
    print(
        f"  {name}: max |genodash - captum| / max |captum| = {float(diff.max()):.1e}; of "
        f"{diff.numel()} elements {off} differ by more than 1e-5 of it, {far} by more than 1e-3",
        flush=True,
    )
    assert far <= 1e-2 * diff.numel() and float(diff.max()) < 1e-2, f"{name}: outputs differ"


def timed(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def interleaved_medians(contenders: dict, repeats: int) -> dict[str, float]:
    """Median seconds of each contender, run in turn (A B C A B C ...) ``repeats`` times."""
    times = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            times[name].append(timed(fn, 1))
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model, X = model_and_data()
    wrapper = TargetOutput(model, TARGET).eval()
    print(
        f"python {platform.python_version()}, torch {torch.__version__}, captum {captum.__version__}, "
        f"threads {torch.get_num_threads()}; Basset-sized CNN, 8 x 1000 nt, target {TARGET}"
    )

    # --- integrated gradients, zero reference, 50 steps
    def ours_ig():
        return attribute(
            model, X, method="integrated_gradients", target=TARGET, baseline="zeros", batch_size=8
        )

    def captum_ig_one_by_one():
        ig = IntegratedGradients(wrapper)
        return torch.cat([ig.attribute(X[i : i + 1], target=0, n_steps=50) for i in range(len(X))])

    def captum_ig_batched(internal):
        return IntegratedGradients(wrapper).attribute(X, target=0, n_steps=50, internal_batch_size=internal)

    reference = captum_ig_batched(None)
    agree(ours_ig(), reference, "IG")
    torch.testing.assert_close(captum_ig_one_by_one(), reference, rtol=1e-4, atol=1e-6)
    internals = [25, 50, 100, 200, 400, None]
    best = {}
    for internal in internals:
        best[internal] = timed(lambda internal=internal: captum_ig_batched(internal), 1)
        print(f"  captum IG batched, internal_batch_size={internal}: {best[internal]:.2f} s", flush=True)
    best_internal = min(best, key=best.get)
    contenders = {
        "genodash": ours_ig,
        "captum_one_by_one": captum_ig_one_by_one,
        f"captum_batched_best({best_internal})": lambda: captum_ig_batched(best_internal),
    }
    ig_med = interleaved_medians(contenders, args.repeats)

    # --- DeepLiftShap with 10 shuffled references per sequence
    refs = make_references(X, "dinuc_shuffle", 10, 0)

    def ours_dls():
        return attribute(
            model, X, method="deep_lift_shap", target=TARGET, n_baselines=10, seed=0, batch_size=8
        )

    def captum_dls_one_by_one():
        dls = DeepLiftShap(wrapper)
        return torch.cat([dls.attribute(X[i : i + 1], baselines=refs[i], target=0) for i in range(len(X))])

    pairs_x = X.repeat_interleave(refs.shape[1], dim=0)
    pairs_r = refs.reshape(-1, *X.shape[1:])

    def captum_dls_batched(chunk):
        # DeepLift on (sequence, reference) pairs, `chunk` pairs per call, averaged per sequence
        dl = DeepLift(copy.deepcopy(wrapper))
        out = torch.cat(
            [
                dl.attribute(pairs_x[i : i + chunk], baselines=pairs_r[i : i + chunk], target=0)
                for i in range(0, len(pairs_x), chunk)
            ]
        )
        return out.reshape(len(X), -1, *X.shape[1:]).mean(dim=1)

    out_captum = captum_dls_one_by_one()
    agree(ours_dls(), out_captum.sum(dim=1, keepdim=True) * X, "DeepLiftShap")
    torch.testing.assert_close(captum_dls_batched(10), out_captum, rtol=1e-4, atol=1e-5)
    dls_best = {}
    for chunk in (10, 20, 40, 80):
        dls_best[chunk] = timed(lambda chunk=chunk: captum_dls_batched(chunk), 1)
        print(f"  captum DeepLift batched, {chunk} pairs per call: {dls_best[chunk]:.2f} s", flush=True)
    best_chunk = min(dls_best, key=dls_best.get)
    dls_contenders = {
        "genodash": ours_dls,
        "captum_one_by_one": captum_dls_one_by_one,
        f"captum_batched_best({best_chunk})": lambda: captum_dls_batched(best_chunk),
    }
    dls_med = interleaved_medians(dls_contenders, args.repeats)

    print("integrated gradients (median s):", {k: round(v, 2) for k, v in ig_med.items()})
    print("DeepLiftShap (median s):", {k: round(v, 2) for k, v in dls_med.items()})
    names = list(ig_med)
    one_by_one = ig_med[names[1]] / ig_med["genodash"]
    print(f"IG ratio captum_one_by_one / genodash: {one_by_one:.1f}x (target >= 5)")
    print(f"IG ratio {names[2]} / genodash: {ig_med[names[2]] / ig_med['genodash']:.2f}x (target >= 1)")
    dls_names = list(dls_med)
    print(
        "DeepLiftShap ratio captum_one_by_one / genodash: "
        f"{dls_med['captum_one_by_one'] / dls_med['genodash']:.1f}x (target >= 5)"
    )
    print(
        f"DeepLiftShap ratio {dls_names[2]} / genodash: "
        f"{dls_med[dls_names[2]] / dls_med['genodash']:.2f}x (target >= 1)"
    )


if __name__ == "__main__":
    main()
