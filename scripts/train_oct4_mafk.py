"""Train the shipped ``oct4-mafk`` model on real ChIP-seq peaks and write its card.

Data: the 200 bp peak sequences shipped in the PyPI package ``janggu==0.10.2``
(``janggu/resources/``), copied unchanged into ``data/janggu/`` (see its
PROVENANCE.md). Which file holds which factor is checked from the sequences
themselves with the JASPAR2024 motifs MA0142.1 (Pou5f1::Sox2) and MA0496.4 (MAFK)
via ``pyjaspar`` (offline).

Two sigmoid tasks, ``Oct4`` and ``MafK``: a peak of one factor is a positive for
its task and a negative for the other; a dinucleotide-shuffled copy of every
peak is a negative for both, so composition alone cannot solve the task.
Training peaks are split 90/10 into train/validation (early stopping); the
held-out ``*_test.fa`` files (100 + 100 peaks) give the reported test metrics.

Run: ``python scripts/train_oct4_mafk.py`` (a few minutes on 2 CPU cores).
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
from genodash.io import read_fasta  # noqa: E402
from genodash.metrics import auroc  # noqa: E402
from genodash.motifs import Motif, best_match_scores, relative_threshold  # noqa: E402
from genodash.predict import predict  # noqa: E402
from genodash.sequence import one_hot_encode, reverse_complement_one_hot  # noqa: E402
from genodash.shuffle import dinucleotide_shuffle  # noqa: E402

DATA = ROOT / "data" / "janggu"
OUT = ROOT / "models" / "oct4-mafk"
HYPER = {
    "filters": 64,
    "kernel_size": 19,
    "pool": 4,
    "filters2": 64,
    "kernel_size2": 7,
    "hidden": 64,
    "dropout": 0.2,
}


def jaspar_motif(matrix_id: str) -> Motif:
    from pyjaspar import jaspardb

    m = jaspardb(release="JASPAR2024").fetch_motif_by_id(matrix_id)
    counts = np.array([m.counts[b] for b in "ACGT"], dtype=np.float64)
    return Motif(matrix_id, m.name, counts)


def motif_check(files: dict[str, list[str]]) -> dict:
    """Fraction of sequences in each file with a hit of each motif (85% relative score)."""
    result = {}
    for matrix_id in ("MA0142.1", "MA0496.4"):
        motif = jaspar_motif(matrix_id)
        threshold = relative_threshold(motif, 0.85)
        for fname, seqs in files.items():
            hits = best_match_scores(motif, one_hot_encode(seqs)) >= threshold
            result[f"{fname} {matrix_id} {motif.name}"] = round(float(hits.float().mean()), 3)
    return result


def make_set(oct4: list[str], mafk: list[str], rng: np.random.Generator):
    seqs = oct4 + mafk
    labels = [[1.0, 0.0]] * len(oct4) + [[0.0, 1.0]] * len(mafk)
    shuffled = [dinucleotide_shuffle(s, rng) for s in seqs]
    X = one_hot_encode(seqs + shuffled)
    Y = torch.tensor(labels + [[0.0, 0.0]] * len(shuffled))
    return X, Y


def evaluate(model, X, Y) -> dict:
    logits = predict(model.eval(), X, batch_size=512)
    # average forward and reverse-complement strands
    logits = (logits + predict(model, reverse_complement_one_hot(X), batch_size=512)) / 2
    return {task: auroc(Y[:, t].numpy(), logits[:, t].numpy()) for t, task in enumerate(("Oct4", "MafK"))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    started = time.time()

    files = {f.name: [r.sequence for r in read_fasta(f)] for f in sorted(DATA.glob("*.fa"))}
    checks = motif_check(files)
    print("motif check (fraction of peaks with a hit):", json.dumps(checks, indent=1))
    oct4_file = (
        "sample.fa"
        if checks["sample.fa MA0142.1 Pou5f1::Sox2"] > checks["sample2.fa MA0142.1 Pou5f1::Sox2"]
        else "sample2.fa"
    )
    mafk_file = "sample2.fa" if oct4_file == "sample.fa" else "sample.fa"
    assert checks[f"{mafk_file} MA0496.4 MAFK"] > checks[f"{oct4_file} MA0496.4 MAFK"], (
        "motif check is inconsistent"
    )
    print(f"Oct4 peaks: {oct4_file}; MafK peaks: {mafk_file}")

    oct4, mafk = files[oct4_file], files[mafk_file]
    oct4_test, mafk_test = (
        files[oct4_file.replace(".fa", "_test.fa")],
        files[mafk_file.replace(".fa", "_test.fa")],
    )
    perm_o, perm_m = rng.permutation(len(oct4)), rng.permutation(len(mafk))
    n_vo, n_vm = len(oct4) // 10, len(mafk) // 10
    train = make_set([oct4[i] for i in perm_o[n_vo:]], [mafk[i] for i in perm_m[n_vm:]], rng)
    valid = make_set([oct4[i] for i in perm_o[:n_vo]], [mafk[i] for i in perm_m[:n_vm]], rng)
    test = make_set(oct4_test, mafk_test, rng)

    model = build_architecture("conv_pool_cnn", {"n_tasks": 2, **HYPER})
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-5)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    best, best_state, best_epoch, patience = -1.0, None, 0, 6
    X_train, Y_train = train
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = torch.randperm(len(X_train))
        total = 0.0
        for start in range(0, len(order), 128):
            idx = order[start : start + 128]
            xb, yb = X_train[idx], Y_train[idx]
            flip = torch.rand(len(idx)) < 0.5  # reverse-complement augmentation
            xb = torch.where(flip[:, None, None], reverse_complement_one_hot(xb), xb)
            optimiser.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimiser.step()
            total += loss.item() * len(idx)
        scores = evaluate(model, *valid)
        mean = float(np.mean(list(scores.values())))
        print(f"epoch {epoch:2d} loss {total / len(order):.4f} valid AUROC {scores} mean {mean:.4f}")
        if mean > best:
            best, best_epoch = mean, epoch
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        elif epoch - best_epoch >= patience:
            break
    model.load_state_dict(best_state)
    model.eval()

    test_scores = evaluate(model, *test)
    X_test, Y_test = test
    peaks = slice(0, len(oct4_test) + len(mafk_test))
    logits = predict(model, X_test[peaks])
    oct4_vs_mafk = auroc(Y_test[peaks, 0].numpy(), (logits[:, 0] - logits[:, 1]).numpy())
    gc = X_test[peaks, 1:3].sum(dim=(1, 2)).numpy()
    gc_auroc = auroc(Y_test[peaks, 0].numpy(), -gc)
    print(f"test AUROC per task (peaks + shuffles): {test_scores}")
    gc_auroc = max(gc_auroc, 1 - gc_auroc)
    print(f"test AUROC Oct4 vs MafK peaks: {oct4_vs_mafk:.4f}; GC content alone: {gc_auroc:.4f}")

    OUT.mkdir(parents=True, exist_ok=True)
    weights = OUT / "weights.safetensors"
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(weights))
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    card = {
        "name": "oct4-mafk",
        "version": "1.0.0",
        "description": (
            "Small CNN that tells Oct4 (Pou5f1) ChIP-seq peaks from MafK peaks and from "
            "shuffled DNA. Two sigmoid outputs: the probability that a 200 bp sequence is "
            "an Oct4 peak, and that it is a MafK peak."
        ),
        "architecture": "conv_pool_cnn",
        "hyperparameters": HYPER,
        "tasks": ["Oct4", "MafK"],
        "output_kind": "scalar",
        "output_activation": "sigmoid",
        "input_length": 200,
        "flank": 0,
        "length_policy": "centre",
        "alphabet": "ACGT",
        "training_data": (
            f"{len(oct4)} Oct4 peaks ({oct4_file}) and {len(mafk)} MafK peaks ({mafk_file}), "
            "200 bp each, plus one dinucleotide-shuffled copy of every peak as background; "
            "90/10 train/validation split (early stopping on validation AUROC, best epoch "
            f"{best_epoch}); test: {len(oct4_test)} + {len(mafk_test)} held-out peaks and their shuffles."
        ),
        "provenance": (
            "Peak sequences from the PyPI package janggu==0.10.2 (janggu/resources/sample.fa, "
            "sample2.fa, sample_test.fa, sample2_test.fa), copied into data/janggu/. Factor "
            "identity checked from the sequences with JASPAR2024 motifs via pyjaspar "
            f"(fraction of peaks with a hit at 85% relative score): {json.dumps(checks)}. "
            f"Trained by scripts/train_oct4_mafk.py (seed {args.seed}, torch {torch.__version__})."
        ),
        "metrics": {
            "test_auroc_Oct4": round(test_scores["Oct4"], 4),
            "test_auroc_MafK": round(test_scores["MafK"], 4),
            "test_auroc_Oct4_vs_MafK_peaks": round(oct4_vs_mafk, 4),
            "test_auroc_GC_content_baseline": round(gc_auroc, 4),
            "validation_mean_auroc": round(best, 4),
        },
        "license": "MIT (weights trained here); training sequences from janggu (GPL-3.0) resources",
        "citation": (
            "Kopp W, Monti R, Tamburrini A, Ohler U, Akalin A. Deep learning for genomics using "
            "Janggu. Nat Commun 11, 3488 (2020)."
        ),
        "weights_file": "weights.safetensors",
        "weights_sha256": digest,
    }
    (OUT / "card.json").write_text(json.dumps(card, indent=2) + "\n")
    print(f"wrote {weights} ({weights.stat().st_size} bytes) and card.json in {time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
