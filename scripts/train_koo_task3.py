"""Train the shipped ``koo-task3`` model: a ground-truth model for judging attributions.

Data: :func:`genodash.simulate.simulate_task3` (Koo & Ploenzke 2021, "Task 3"):
20,000 synthetic 200 bp sequences, seeded; positives embed 3-7 instances of SP1,
GABPA, CEBPB, MAX and YY1 (JASPAR2024, either strand), negatives 3-7 motifs from
a pool of those plus 50 other JASPAR motifs; split 70/10/20.

Model: Koo's CNN-dist with an exponential first-layer activation
(``genodash.architectures.KooCNN``), trained on CPU as the authors did: Adam
(learning rate 1e-3), batches of 100, binary cross-entropy on the logit, L2 1e-6
on the kernels, learning rate x0.2 after 5 epochs without a better validation AUROC.

Which checkpoint ships: classification quality does not predict attribution
quality, and with an exponential first layer attributions can get worse as training
goes on (../shared/ATTRIBUTION_NOTES.md). So after every epoch the script
measures, on the VALIDATION split only, the per-sequence AUROC of
saliency x input (plain autograd, logit) and of ISM (L2 norm of the three
substitution effects per position, logit) against the embedded-motif positions,
and ships the epoch (and seed, if several are given) with the best mean of the
two among epochs whose validation classification AUROC is at least 0.95 (if
none gets there: within 0.02 of the best). The test split is used once, at the
end, for the figures in the card.

Seeds matter a great deal. Seed 1 (30 epochs) learned slowly and its gradients
point away from the motifs (best validation saliency x input AUROC 0.43, ISM
0.87). Seed 2 learned fast and well: its best epoch, 26 (validation saliency
0.934, ISM 0.959), is the shipped model; with the defaults the run stops at
epoch 32 (6 epochs without a better score). Seed 3 was stopped after 4 epochs
for lack of CPU time then; run to the end later (2026-12-06), it chose epoch 33
(validation saliency 0.913, ISM 0.942), which the rule still ranks below seed 2.
training_log.tsv has the per-epoch figures of the shipped run.

Run: ``python scripts/train_koo_task3.py`` (about 10 minutes on 2 idle CPU cores).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from genodash.architectures import build_architecture  # noqa: E402
from genodash.metrics import auroc  # noqa: E402
from genodash.predict import predict  # noqa: E402
from genodash.sequence import decode_one_hot  # noqa: E402
from genodash.simulate import CORE_MOTIF_IDS, Task3Data, simulate_task3  # noqa: E402

OUT = ROOT / "models" / "koo-task3"
HYPER = {
    "input_length": 200,
    "filters": [24, 32, 48, 64],
    "kernel_sizes": [19, 7, 7, 3],
    "hidden": 96,
    "dropout": [0.1, 0.2, 0.3, 0.4, 0.5],
    "first_activation": "exponential",
}
MIN_VALID_AUROC = 0.95


def saliency_x_input(model: torch.nn.Module, X: torch.Tensor) -> torch.Tensor:
    """Gradient of the logit times the input, summed over A, C, G, T: ``(N, 4, L)`` -> ``(N, L)``."""
    X = X.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(model(X)[:, 0].sum(), X)
    return (grad * X).sum(dim=1).detach()


@torch.inference_mode()
def ism_l2(model: torch.nn.Module, X: torch.Tensor, batch_size: int = 2048) -> torch.Tensor:
    """L2 norm over the substitution effects on the logit at each position: ``(N, 4, L)`` -> ``(N, L)``."""
    n, _, length = X.shape
    out = torch.zeros(n, length)
    reference = predict(model, X)[:, 0]
    for i in range(n):
        mutants = X[i].repeat(4 * length, 1, 1).view(length, 4, 4, length)
        pos = torch.arange(length)
        mutants[pos, :, :, pos] = torch.eye(4)  # mutant (p, b): base b at position p
        effects = predict(model, mutants.view(-1, 4, length), batch_size=batch_size)[:, 0].view(length, 4)
        out[i] = (effects - reference[i]).norm(dim=1)
    return out


def per_sequence_auroc(scores: torch.Tensor, mask: np.ndarray) -> np.ndarray:
    """AUROC of each row of ``scores`` ``(N, L)`` against the motif positions ``mask`` ``(N, L)``."""
    return np.array([auroc(m, s) for s, m in zip(scores.numpy(), mask)])


def attribution_quality(model: torch.nn.Module, data: Task3Data, n_saliency: int, n_ism: int) -> dict:
    """Mean per-sequence AUROC of saliency x input and of ISM on the first positives of ``data``."""
    positives = data.positives(n_saliency)
    saliency = per_sequence_auroc(saliency_x_input(model, positives.X), positives.motif_mask)
    few = positives.take(np.arange(min(n_ism, len(positives))))
    ism = per_sequence_auroc(ism_l2(model, few.X), few.motif_mask)
    return {"saliency": float(saliency.mean()), "ism": float(ism.mean())}


def classification_auroc(model: torch.nn.Module, data: Task3Data) -> float:
    return auroc(data.labels, predict(model, data.X, batch_size=1000)[:, 0].numpy())


def select(epochs: list[dict]) -> dict:
    """The epoch with the best mean validation attribution AUROC among those that classify well.

    Eligible: validation AUROC at least ``MIN_VALID_AUROC``; if no epoch gets there,
    the epochs within 0.02 of the best validation AUROC (and the card says so).
    """
    eligible = [e for e in epochs if e["valid_auroc"] >= MIN_VALID_AUROC]
    if not eligible:
        top = max(e["valid_auroc"] for e in epochs)
        eligible = [e for e in epochs if e["valid_auroc"] >= top - 0.02]
    return max(eligible, key=lambda e: e["score"])


def train_one_seed(seed: int, train: Task3Data, valid: Task3Data, args, log: list) -> list[dict]:
    """Train one model; return every epoch's validation figures and weights."""
    torch.manual_seed(seed)
    model = build_architecture("koo_cnn", {"n_tasks": 1, **HYPER})
    kernels = [p for name, p in model.named_parameters() if name.endswith("weight") and p.ndim > 1]
    others = [p for name, p in model.named_parameters() if not (name.endswith("weight") and p.ndim > 1)]
    # Keras' l2(1e-6) adds 1e-6 * sum(w^2) to the loss: a gradient of 2e-6 * w
    optimiser = torch.optim.Adam([{"params": kernels, "weight_decay": 2e-6}, {"params": others}], lr=1e-3)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimiser, mode="max", factor=0.2, patience=5)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    X, y = train.X, torch.from_numpy(train.labels)[:, None]
    generator = torch.Generator().manual_seed(seed)
    epochs: list[dict] = []
    for epoch in range(1, args.epochs + 1):
        started = time.time()
        model.train()
        order = torch.randperm(len(X), generator=generator)
        total = 0.0
        for start in range(0, len(order), 100):
            idx = order[start : start + 100]
            optimiser.zero_grad()
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            optimiser.step()
            total += loss.item() * len(idx)
        model.eval()
        valid_auroc = classification_auroc(model, valid)
        scheduler.step(valid_auroc)
        quality = attribution_quality(model, valid, args.valid_saliency, args.valid_ism)
        row = {
            "seed": seed,
            "epoch": epoch,
            "loss": total / len(X),
            "valid_auroc": valid_auroc,
            "valid_saliency_auroc": quality["saliency"],
            "valid_ism_auroc": quality["ism"],
            "seconds": time.time() - started,
        }
        log.append(row)
        print(
            f"seed {seed} epoch {epoch:2d} loss {row['loss']:.4f} valid AUROC {valid_auroc:.4f} "
            f"saliency {quality['saliency']:.4f} ISM {quality['ism']:.4f} ({row['seconds']:.0f} s)",
            flush=True,
        )
        state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        epochs.append({**row, "score": (quality["saliency"] + quality["ism"]) / 2, "state": state})
        eligible = [e for e in epochs if e["valid_auroc"] >= MIN_VALID_AUROC]
        if eligible and epoch - max(eligible, key=lambda e: e["score"])["epoch"] >= args.patience:
            break
        if time.time() > args.deadline:
            print(f"time budget used up after epoch {epoch}", flush=True)
            args.stopped_early.append(f"seed {seed} after epoch {epoch}")
            break
    return epochs


def examples_fasta(test: Task3Data, n: int = 3) -> str:
    """FASTA of the first ``n`` test positives and negatives, motifs (1-based) in the description."""
    lines = []
    for label, kind in ((1, "positive"), (0, "negative")):
        index = np.flatnonzero(test.labels == label)[:n]
        for k, (i, seq) in enumerate(zip(index, decode_one_hot(test.X[index])), start=1):
            motifs = " ".join(f"{p.name}({p.strand}):{p.start + 1}-{p.end}" for p in test.instances[i])
            lines += [f">test_{kind}_{k} label={label} embedded: {motifs}", seq]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[2])
    parser.add_argument("--data-seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--patience", type=int, default=6, help="epochs without a better selection score")
    parser.add_argument("--valid-saliency", type=int, default=500, help="validation positives for saliency")
    parser.add_argument("--valid-ism", type=int, default=48, help="validation positives for ISM")
    parser.add_argument("--test-positives", type=int, default=500)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--budget-minutes", type=float, default=60, help="no new epoch after this")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    started = time.time()
    args.deadline, args.stopped_early = started + 60 * args.budget_minutes, []

    data = simulate_task3(seed=args.data_seed)
    train, valid, test = (data.subset(s) for s in ("train", "valid", "test"))
    print(f"data: {len(train)} train, {len(valid)} valid, {len(test)} test ({time.time() - started:.0f} s)")

    log: list[dict] = []
    epochs = [e for seed in args.seeds for e in train_one_seed(seed, train, valid, args, log)]
    best = select(epochs)
    eligible = best["valid_auroc"] >= MIN_VALID_AUROC
    if not eligible:
        print(f"WARNING: no epoch reached validation AUROC {MIN_VALID_AUROC}; chose among the best")
    print(
        f"chosen: seed {best['seed']} epoch {best['epoch']} (validation saliency "
        f"{best['valid_saliency_auroc']:.4f}, ISM {best['valid_ism_auroc']:.4f}, "
        f"AUROC {best['valid_auroc']:.4f})"
    )
    model = build_architecture("koo_cnn", {"n_tasks": 1, **HYPER})
    model.load_state_dict(best["state"])
    model.eval()

    test_auroc = classification_auroc(model, test)
    positives = test.positives(args.test_positives)
    saliency = per_sequence_auroc(saliency_x_input(model, positives.X), positives.motif_mask)
    ism = per_sequence_auroc(ism_l2(model, positives.X), positives.motif_mask)
    print(
        f"test: classification AUROC {test_auroc:.4f}; on the first {len(positives)} test positives, "
        f"saliency x input AUROC {saliency.mean():.4f} (median {np.median(saliency):.4f}), "
        f"ISM AUROC {ism.mean():.4f} (median {np.median(ism):.4f})"
    )

    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / "weights.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(weights))
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    (args.out / "examples.fa").write_text(examples_fasta(test))
    columns = list(log[0])
    rows = ["\t".join(f"{r[c]:.4f}" if isinstance(r[c], float) else str(r[c]) for c in columns) for r in log]
    (args.out / "training_log.tsv").write_text("\n".join(["\t".join(columns), *rows]) + "\n")
    background = ", ".join(f"{m.matrix_id} {m.name}" for m in data.background)
    card = {
        "name": "koo-task3",
        "version": "1.0.0",
        "description": (
            "Ground-truth model for judging attributions: Koo & Ploenzke's CNN-dist with an exponential "
            "first layer, trained on synthetic 200 bp sequences where positives carry 3-7 SP1, GABPA, "
            "CEBPB, MAX or YY1 motifs and negatives carry motifs from a wider JASPAR pool. One sigmoid "
            "output: the probability that a sequence is a positive. The embedded motif positions are "
            "known (genodash.simulate), so attribution maps can be scored against them."
        ),
        "architecture": "koo_cnn",
        "hyperparameters": HYPER,
        "tasks": ["motif_positive"],
        "output_kind": "scalar",
        "output_activation": "sigmoid",
        "input_length": 200,
        "flank": 0,
        "length_policy": "centre",
        "alphabet": "ACGT",
        "training_data": (
            f"genodash.simulate.simulate_task3(seed={args.data_seed}): 20,000 sequences of 200 bp "
            f"(uniform background), half positives; {len(train)} train / {len(valid)} validation / "
            f"{len(test)} test. Positive-class motifs (JASPAR2024): {', '.join(CORE_MOTIF_IDS)} and "
            f"reverse complements; background pool: those plus {background} (and reverse complements). "
            f"Adam 1e-3, batch 100, BCE on the logit, L2 1e-6, learning rate x0.2 on a 5-epoch plateau. "
            f"Shipped checkpoint chosen by validation attribution quality (mean of saliency x input and "
            f"ISM per-sequence AUROC against motif positions, {args.valid_saliency} and {args.valid_ism} "
            f"validation positives), not by test data: seed {best['seed']}, epoch {best['epoch']} "
            f"of seeds {args.seeds}"
            + ("" if eligible else f" (no epoch reached validation AUROC {MIN_VALID_AUROC})")
            + "".join(f"; time budget stopped {what}" for what in args.stopped_early)
            + "; per-epoch figures in training_log.tsv."
        ),
        "provenance": (
            f"Trained by scripts/train_koo_task3.py (seeds {args.seeds}, torch {torch.__version__}, "
            f"{args.threads} threads, CPU) in {time.time() - started:.0f} s. Data recipe and architecture "
            "after Koo & Ploenzke 2021 (code: github.com/p-koo/exponential_activations), re-implemented in "
            "PyTorch; motifs from pyjaspar's bundled JASPAR2024."
        ),
        "metrics": {
            "test_auroc": round(test_auroc, 4),
            "test_saliency_x_input_auroc_mean": round(float(saliency.mean()), 4),
            "test_saliency_x_input_auroc_median": round(float(np.median(saliency)), 4),
            "test_ism_l2_auroc_mean": round(float(ism.mean()), 4),
            "test_ism_l2_auroc_median": round(float(np.median(ism)), 4),
            "test_attribution_positives": len(positives),
            "valid_auroc": round(best["valid_auroc"], 4),
            "valid_saliency_x_input_auroc": round(best["valid_saliency_auroc"], 4),
            "valid_ism_l2_auroc": round(best["valid_ism_auroc"], 4),
            "chosen_seed": best["seed"],
            "chosen_epoch": best["epoch"],
        },
        "license": "MIT (weights trained here on synthetic data); JASPAR matrices CC BY 4.0",
        "citation": (
            "Koo PK, Ploenzke M. Improving representations of genomic sequence motifs in convolutional "
            "networks with exponential activations. Nat Mach Intell 3, 258-266 (2021)."
        ),
        "weights_file": "weights.safetensors",
        "weights_sha256": digest,
    }
    (args.out / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    print(f"wrote {args.out} in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
