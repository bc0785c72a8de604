"""How well does each attribution method find the motifs that are really there?

Ground truth: the shipped ``koo-task3`` model and the Task 3 data it was trained
on, regenerated from its seed (:func:`genodash.simulate.simulate_task3`). Koo &
Ploenzke's protocol (Nat Mach Intell 2021; their ``interpretability_performance``):

- the first 500 positive sequences of the TEST split;
- for every method, the projected attribution (attribution x input) summed over
  A, C, G, T, *signed*, as the authors do (no absolute value), one score per position;
  for ISM the L2 norm of the substitution effects at each position (the effect of
  the observed base is 0, so this is the norm over the three substitutions);
- ground truth: positions inside an embedded positive-class motif whose
  generating column carries more than 0.01 bits;
- one AUROC per sequence (positions are the samples), then the mean and median.

Every method is computed by ``genodash.attribution.attribute`` on the logit
(target 0). Published figures for this task (Koo & Ploenzke, CNN-dist with an
exponential first layer, mean of 10 models) are the targets: ISM 0.908,
DeepLiftShap 0.835, saliency 0.804, integrated gradients 0.799. Gradient
correction (Majdandzic et al. 2023) should raise saliency and IG by 0.01 or more.

Run: ``python bench/attribution_quality.py`` (a few minutes on 2 cores);
``--write-card`` stores the measured means in ``models/koo-task3/card.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from genodash.agreement import disagreements_with  # noqa: E402
from genodash.attribution import METHODS, attribute, off_simplex_angle  # noqa: E402
from genodash.metrics import auroc  # noqa: E402
from genodash.models import load_model  # noqa: E402
from genodash.simulate import simulate_task3  # noqa: E402

MODEL = "koo-task3"
#: method -> published mean AUROC (Koo & Ploenzke 2021, CNN-dist, exponential, Task 3).
TARGETS = {"ism": 0.908, "deep_lift_shap": 0.835, "saliency": 0.804, "integrated_gradients": 0.799}
MIN_CORRECTION_GAIN = 0.01


def configurations(n_baselines: int, n_steps: int) -> list[dict]:
    """Every method once with its defaults (shuffled references), plus gradient-correction pairs."""
    shuffled = {"baseline": "dinuc_shuffle", "n_baselines": n_baselines}
    rows = [
        {"label": "saliency", "method": "saliency"},
        {"label": "saliency +gc", "method": "saliency", "gradient_correction": True},
        {"label": "input_x_gradient", "method": "input_x_gradient"},
        {"label": "integrated_gradients", "method": "integrated_gradients", "n_steps": n_steps, **shuffled},
        {
            "label": "integrated_gradients +gc",
            "method": "integrated_gradients",
            "n_steps": n_steps,
            "gradient_correction": True,
            **shuffled,
        },
        {"label": "integrated_gradients zeros", "method": "integrated_gradients", "n_steps": n_steps,
         "baseline": "zeros"},
        {"label": "integrated_gradients zeros +gc", "method": "integrated_gradients", "n_steps": n_steps,
         "baseline": "zeros", "gradient_correction": True},
        {"label": "deeplift", "method": "deeplift", **shuffled},
        {"label": "deep_lift_shap", "method": "deep_lift_shap", **shuffled},
        {"label": "gradient_shap", "method": "gradient_shap", **shuffled},
        {"label": "occlusion", "method": "occlusion"},
        {"label": "ism", "method": "ism"},
    ]  # fmt: skip
    missing = sorted(set(METHODS) - {row["method"] for row in rows})
    if missing:
        raise SystemExit(f"genodash.attribution has methods this benchmark does not cover: {missing}")
    return rows


def position_scores(model: torch.nn.Module, X: torch.Tensor, config: dict, batch_size: int) -> torch.Tensor:
    """One score per position, ``(N, L)``: signed attribution x input summed over bases, or ISM's L2 norm."""
    options = {k: v for k, v in config.items() if k != "label"}
    if config["method"] == "ism":
        effects = attribute(model, X, target=0, hypothetical=True, batch_size=batch_size, **options)
        return effects.norm(dim=1)
    return attribute(model, X, target=0, seed=0, batch_size=batch_size, **options).sum(dim=1)


def per_sequence_auroc(scores: torch.Tensor, mask: np.ndarray) -> np.ndarray:
    """AUROC of each row of ``scores`` ``(N, L)`` against the ground-truth positions ``(N, L)``."""
    return np.array([auroc(m, s) for s, m in zip(scores.numpy(), mask)])


def environment() -> dict:
    import captum

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "captum": captum.__version__,
        "numpy": np.__version__,
        "torch threads": torch.get_num_threads(),
        "cpu cores": os.cpu_count(),
        "genodash commit": commit,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", default=MODEL,
        help="a model of the same recipe, e.g. another seed of scripts/train_koo_task3.py, its folder in "
        "$GENODASH_MODELS_DIR and its card renamed",
    )  # fmt: skip
    parser.add_argument("--positives", type=int, default=500, help="first N positive test sequences")
    parser.add_argument("--data-seed", type=int, default=0, help="seed the model's data was simulated with")
    parser.add_argument("--n-baselines", type=int, default=10, help="shuffled references per sequence")
    parser.add_argument("--n-steps", type=int, default=20, help="integrated-gradients steps (Koo used 20)")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", nargs="*", help="labels of the rows to run (default: all)")
    parser.add_argument("--write-card", action="store_true", help="store the means in the model card")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    # Captum's notes on setting requires_grad and hooks, once per call: noise in a table
    warnings.filterwarnings("ignore", category=UserWarning, module="captum")

    loaded = load_model(args.model, "cpu")
    data = simulate_task3(seed=args.data_seed).subset("test").positives(args.positives)
    X, mask = data.X, data.motif_mask
    share = f"{mask.mean():.3f}"
    print(f"{args.model}: first {len(data)} positive test sequences, {share} of positions in motifs")
    for key, value in environment().items():
        print(f"  {key}: {value}")

    results, all_scores = {}, {}
    rows = [
        r for r in configurations(args.n_baselines, args.n_steps) if not args.only or r["label"] in args.only
    ]
    for config in rows:
        started = time.time()
        with loaded.lock:
            scores = position_scores(loaded.model, X, config, args.batch_size)
        all_scores[config["label"]] = scores
        values = per_sequence_auroc(scores, mask)
        results[config["label"]] = {
            "mean": float(values.mean()),
            "median": float(np.median(values)),
            "abs_mean": float(per_sequence_auroc(scores.abs(), mask).mean()),
            "seconds": time.time() - started,
        }
        print(f"  done {config['label']} in {time.time() - started:.0f} s", flush=True)

    print()
    header = f"{'method':32s} {'mean AUROC':>10s} {'median':>8s} {'|attr| mean':>11s} {'target':>7s}"
    print(header + "  verdict   time")
    for label, r in results.items():
        target = TARGETS.get(label)
        verdict = "" if target is None else ("met" if r["mean"] >= target else "MISSED")
        target_text = f"{target:.3f}" if target is not None else ""
        print(
            f"{label:32s} {r['mean']:10.4f} {r['median']:8.4f} {r['abs_mean']:11.4f} {target_text:>7s}"
            f"  {verdict:8s} {r['seconds']:5.0f} s"
        )
    print()
    for off, on in (
        ("saliency", "saliency +gc"),
        ("integrated_gradients", "integrated_gradients +gc"),
        ("integrated_gradients zeros", "integrated_gradients zeros +gc"),
    ):
        if off in results and on in results:
            gain = results[on]["mean"] - results[off]["mean"]
            verdict = "met" if gain >= MIN_CORRECTION_GAIN else "MISSED"
            print(f"gradient correction, {off}: {gain:+.4f} (target >= +{MIN_CORRECTION_GAIN}) {verdict}")

    # How often the Explain page's "disagrees with ISM" warning fires on this model
    flagged = disagreements_with({label: scores.abs() for label, scores in all_scores.items()})
    if "ism" in all_scores:
        shares = {label: len(flagged.get(label, [])) / len(data) for label in all_scores if label != "ism"}
        print("sequences flagged as disagreeing with ISM:", {k: f"{v:.1%}" for k, v in shares.items()})

    # Why correction helps little or much: how far the gradients point off the simplex
    # of one-hot columns (Majdandzic et al.): angle between each position's gradient
    # (4 values) and the plane sum = 0 that the correction projects onto.
    with loaded.lock:
        G = attribute(loaded.model, X, method="saliency", target=0, hypothetical=True)  # (N, 4, L)
    N, _, L = G.shape
    # the Explain page's angle, taken at each position alone: one "sequence" per position
    angle = off_simplex_angle(G.transpose(1, 2).reshape(N * L, 1, 4, 1)).reshape(N, L)
    inside = torch.as_tensor(mask)
    print(
        f"saliency gradient angle to the simplex: median {float(angle.median()):.1f} deg "
        f"(inside motifs {float(angle[inside].median()):.1f}, elsewhere {float(angle[~inside].median()):.1f})"
    )

    if args.write_card:
        if args.model != MODEL:
            raise SystemExit(f"--write-card writes the shipped {MODEL}'s card only")
        path = ROOT / "models" / MODEL / "card.json"
        card = json.loads(path.read_text())
        for label, r in results.items():
            key = "test_attribution_auroc_" + label.replace(" +gc", "_gradient_corrected").replace(" ", "_")
            card["metrics"][key] = round(r["mean"], 4)
        path.write_text(json.dumps(card, indent=2) + "\n")
        print(f"wrote the means into {path}")


if __name__ == "__main__":
    main()
