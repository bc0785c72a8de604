"""Synthetic DNA with known ground truth: Koo & Ploenzke's "Task 3" recipe.

Koo PK, Ploenzke M. Improving representations of genomic sequence motifs in
convolutional networks with exponential activations. Nat Mach Intell 3, 258-266 (2021).

Positives embed 3 to 7 motif instances drawn (with replacement) from five core
motifs, SP1, GABPA, CEBPB, MAX and YY1 (JASPAR2024), and their reverse
complements; negatives embed 3 to 7 instances drawn from a background pool that
holds the same ten core matrices plus ``n_background`` other JASPAR motifs and
their reverse complements. Everything else is uniform background (p = 1/4).
Each instance is sampled column by column from the motif's probabilities (the
counts normalised, no pseudocount); instances never overlap. The number of
motifs is 3, 4, 5, 6 or 7 with probabilities 0.50, 0.25, 0.17, 0.05, 0.03, and
the gaps between them (and to the ends) are proportional to Uniform(0, 2) draws,
as in the authors' generator. The data are shuffled and split 70/10/20.

Ground truth, following the authors' evaluation: a position is a motif position
when it lies inside an embedded *core* (positive-class) motif instance and the
generating column carries more than ``min_information`` bits (0.01) of
information; background columns carry 0 bits.

Everything is reproducible from ``seed`` (NumPy's PCG64 generator); the
background pool is drawn with its own fixed ``pool_seed``, so different data
seeds share one task definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import torch

from genodash.errors import check
from genodash.motifs import Motif

#: JASPAR2024 matrices of the five positive-class (core) motifs.
CORE_MOTIF_IDS = ("MA0079.5", "MA0062.4", "MA0466.4", "MA0058.4", "MA0095.4")
#: Number of embedded motifs -> probability (Koo & Ploenzke's generator).
MOTIF_COUNT_PROBABILITIES = {3: 0.50, 4: 0.25, 5: 0.17, 6: 0.05, 7: 0.03}
SPLITS = ("train", "valid", "test")
JASPAR_RELEASE = "JASPAR2024"


@lru_cache(maxsize=8)
def jaspar_motifs(matrix_ids: tuple[str, ...] | None = None) -> tuple[Motif, ...]:
    """Motifs from JASPAR2024 via ``pyjaspar`` (offline; the database ships with the package).

    Parameters
    ----------
    matrix_ids : tuple of str, optional
        Matrix IDs such as ``"MA0079.5"``. ``None``: the latest version of every
        CORE vertebrate matrix.

    Returns
    -------
    tuple of Motif
        Counts of shape ``(4, W)``, rows ``A, C, G, T``; in the order asked, or
        sorted by matrix ID when ``matrix_ids`` is ``None``.
    """
    from pyjaspar import jaspardb

    db = jaspardb(release=JASPAR_RELEASE)
    if matrix_ids is None:
        found = db.fetch_motifs(collection="CORE", tax_group=["vertebrates"], all_versions=False)
        found = sorted(found, key=lambda m: m.matrix_id)
    else:
        found = [db.fetch_motif_by_id(matrix_id) for matrix_id in matrix_ids]
    return tuple(
        Motif(m.matrix_id, m.name, np.array([m.counts[b] for b in "ACGT"], dtype=np.float64)) for m in found
    )


def probabilities(motif: Motif) -> np.ndarray:
    """Column probabilities ``(4, W)`` of a motif: counts over column sums, no pseudocount."""
    counts = np.asarray(motif.counts, dtype=np.float64)
    check(counts.ndim == 2 and counts.shape[0] == 4, f"counts must be (4, W), got {counts.shape}")
    return counts / counts.sum(axis=0, keepdims=True)


def information(P: np.ndarray) -> np.ndarray:
    """Information content in bits of each column of a probability matrix.

    Parameters
    ----------
    P : numpy.ndarray
        Shape ``(4, W)``, columns summing to 1.

    Returns
    -------
    numpy.ndarray
        Shape ``(W,)``: ``2 + sum_b p_b log2 p_b`` (0 for a uniform column).
    """
    P = np.asarray(P, dtype=np.float64)
    return 2.0 + np.sum(P * np.log2(P + 1e-10), axis=0)


def reverse_complement_matrix(P: np.ndarray) -> np.ndarray:
    """Reverse complement ``(4, W)`` of a matrix with rows ``A, C, G, T``."""
    return np.ascontiguousarray(np.asarray(P)[::-1, ::-1])


def motif_similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Best alignment similarity of two probability matrices, on either strand.

    The score of an alignment is the sum of Pearson correlations of aligned
    columns (columns without variance count 0), divided by the width of the
    narrower matrix; the best over all offsets and both strands of ``b`` is
    returned. 1 means the narrower motif is contained in the other.

    Parameters
    ----------
    a, b : numpy.ndarray
        Shapes ``(4, Wa)`` and ``(4, Wb)``.

    Returns
    -------
    float
        In ``[-1, 1]``.
    """

    def centred(P: np.ndarray) -> np.ndarray:
        D = P - P.mean(axis=0, keepdims=True)
        norm = np.linalg.norm(D, axis=0, keepdims=True)
        return np.divide(D, norm, out=np.zeros_like(D), where=norm > 1e-9)

    A = centred(np.asarray(a, dtype=np.float64))
    best = -1.0
    narrow = min(A.shape[1], np.shape(b)[1])
    for B in (centred(np.asarray(b, dtype=np.float64)), centred(reverse_complement_matrix(b))):
        corr = A.T @ B  # (Wa, Wb): correlation of every column pair
        for offset in range(-B.shape[1] + 1, A.shape[1]):
            best = max(best, float(np.trace(corr, offset=-offset)) / narrow)
    return best


def select_background(
    candidates: tuple[Motif, ...],
    core: tuple[Motif, ...],
    n: int = 50,
    seed: int = 0,
    max_similarity: float = 0.6,
) -> tuple[Motif, ...]:
    """Draw ``n`` background motifs that do not resemble any core motif.

    Parameters
    ----------
    candidates : tuple of Motif
        The pool to draw from (e.g. all JASPAR CORE vertebrate matrices).
    core : tuple of Motif
        Positive-class motifs; candidates with the same name, or with a
        :func:`motif_similarity` above ``max_similarity`` to one of them, are skipped.
    n : int, optional
        How many to draw.
    seed : int, optional
        Seed of the draw (a random order of the candidates, first ``n`` kept).
    max_similarity : float, optional

    Returns
    -------
    tuple of Motif
        ``n`` motifs in the order drawn.
    """
    core_names = {m.name.upper() for m in core}
    core_P = [probabilities(m) for m in core]
    chosen: list[Motif] = []
    for index in np.random.default_rng(seed).permutation(len(candidates)):
        motif = candidates[index]
        if motif.name.upper() in core_names:
            continue
        P = probabilities(motif)
        if max(motif_similarity(c, P) for c in core_P) > max_similarity:
            continue
        chosen.append(motif)
        if len(chosen) == n:
            return tuple(chosen)
    raise ValueError(f"only {len(chosen)} candidates are unlike the core motifs; {n} were asked for")


class MotifInstance(NamedTuple):
    """One embedded motif: 0-based half-open ``[start, end)`` in its sequence."""

    start: int
    end: int
    matrix_id: str
    name: str
    strand: str
    positive_class: bool


@dataclass(frozen=True)
class Task3Data:
    """Synthetic sequences with their labels and ground truth.

    Attributes
    ----------
    X : torch.Tensor
        One-hot ``float32`` of shape ``(N, 4, L)``, channels ``A, C, G, T``.
    labels : numpy.ndarray
        ``float32`` of shape ``(N,)``: 1 for positives, 0 for negatives.
    motif_mask : numpy.ndarray
        ``bool`` of shape ``(N, L)``: positions inside an embedded positive-class
        motif whose column carries more than ``min_information`` bits.
    instances : tuple of tuple of MotifInstance
        ``N`` entries: the motifs embedded in each sequence, left to right.
    split : numpy.ndarray
        Shape ``(N,)``: ``"train"``, ``"valid"`` or ``"test"``.
    core, background : tuple of Motif
        The positive-class motifs and the other motifs of the background pool.
    seed : int
    """

    X: torch.Tensor
    labels: np.ndarray
    motif_mask: np.ndarray
    instances: tuple[tuple[MotifInstance, ...], ...]
    split: np.ndarray
    core: tuple[Motif, ...]
    background: tuple[Motif, ...]
    seed: int

    def __len__(self) -> int:
        return len(self.labels)

    def take(self, index: np.ndarray) -> Task3Data:
        """The sequences at ``index`` (integer or boolean array), in that order."""
        index = np.arange(len(self))[np.asarray(index)]
        return Task3Data(
            X=self.X[torch.from_numpy(index)],
            labels=self.labels[index],
            motif_mask=self.motif_mask[index],
            instances=tuple(self.instances[i] for i in index),
            split=self.split[index],
            core=self.core,
            background=self.background,
            seed=self.seed,
        )

    def subset(self, split: str) -> Task3Data:
        """One split: ``"train"``, ``"valid"`` or ``"test"``."""
        check(split in SPLITS, f"split is {split!r}; choose one of: {', '.join(SPLITS)}")
        return self.take(self.split == split)

    def positives(self, n: int | None = None) -> Task3Data:
        """The first ``n`` positive sequences (all when ``n`` is ``None``), in order."""
        return self.take(np.flatnonzero(self.labels == 1)[:n])


def _layout(
    widths: np.ndarray, pool_size: int, length: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Choose motifs and non-overlapping starts for one sequence (the authors' scheme)."""
    counts = np.array(list(MOTIF_COUNT_PROBABILITIES))
    probs = np.array(list(MOTIF_COUNT_PROBABILITIES.values()))
    while True:
        n = int(rng.choice(counts, p=probs))
        chosen = rng.integers(pool_size, size=n)
        total = int(widths[chosen].sum())
        if total < length:
            break
    remainder = length - total
    while True:
        gaps = rng.uniform(0, 2, size=n + 1)
        gaps = np.round(gaps / gaps.sum() * remainder).astype(int)
        if gaps.sum() == remainder:
            break
    starts = np.cumsum(gaps[:-1]) + np.concatenate([[0], np.cumsum(widths[chosen])[:-1]])
    return chosen, starts


def simulate_task3(
    seed: int = 0,
    n_sequences: int = 20_000,
    length: int = 200,
    n_background: int = 50,
    fractions: tuple[float, float, float] = (0.7, 0.1, 0.2),
    min_information: float = 0.01,
    pool_seed: int = 0,
) -> Task3Data:
    """Generate the Task 3 data set.

    Parameters
    ----------
    seed : int, optional
        Seed of everything but the background pool.
    n_sequences : int, optional
        ``N``; half positives, half negatives (positives get the odd one).
    length : int, optional
        ``L``, at least 80 so seven motifs fit.
    n_background : int, optional
        Motifs of the background pool besides the core ones (each with its reverse complement).
    fractions : tuple of float, optional
        Train, validation and test fractions, summing to 1.
    min_information : float, optional
        Bits a motif column needs to count as ground truth.
    pool_seed : int, optional
        Seed of the draw of background motifs from JASPAR2024 CORE vertebrates.

    Returns
    -------
    Task3Data
        Shuffled; ``split`` marks the first ``round(0.7 N)`` as train, the next
        ``round(0.1 N)`` as validation, the rest as test.
    """
    check(n_sequences >= 2, f"n_sequences is {n_sequences}; give at least 2")
    check(length >= 80, f"length is {length}; give at least 80 so that seven motifs fit")
    check(
        len(fractions) == 3 and min(fractions) >= 0 and abs(sum(fractions) - 1) < 1e-9,
        f"fractions {fractions} must be three non-negative numbers summing to 1",
    )
    core = jaspar_motifs(CORE_MOTIF_IDS)
    background = select_background(jaspar_motifs(None), core, n=n_background, seed=pool_seed)

    # pools of (probabilities, information, matrix_id, name, strand, positive_class)
    def with_reverse(motifs: tuple[Motif, ...], positive: bool) -> list[tuple]:
        pool = []
        for m in motifs:
            P = probabilities(m)
            for strand, Q in (("+", P), ("-", reverse_complement_matrix(P))):
                pool.append((Q, information(Q), m.matrix_id, m.name, strand, positive))
        return pool

    core_pool = with_reverse(core, True)
    background_pool = core_pool + with_reverse(background, False)

    rng = np.random.default_rng(seed)
    n_pos = (n_sequences + 1) // 2
    probs = np.full((n_sequences, length, 4), 0.25)
    mask = np.zeros((n_sequences, length), dtype=bool)
    instances: list[tuple[MotifInstance, ...]] = []
    for i in range(n_sequences):
        pool = core_pool if i < n_pos else background_pool
        widths = np.array([entry[0].shape[1] for entry in pool])
        chosen, starts = _layout(widths, len(pool), length, rng)
        placed = []
        for k, start in zip(chosen, starts):
            Q, info, matrix_id, name, strand, positive = pool[k]
            end = int(start) + Q.shape[1]
            probs[i, start:end] = Q.T
            if positive:
                mask[i, start:end] = info > min_information
            placed.append(MotifInstance(int(start), end, matrix_id, name, strand, positive))
        instances.append(tuple(placed))

    # sample every position from its column probabilities
    u = rng.random((n_sequences, length, 1))
    codes = np.minimum((u > np.cumsum(probs, axis=-1)).sum(axis=-1), 3)
    X = np.zeros((n_sequences, 4, length), dtype=np.float32)
    np.put_along_axis(X, codes[:, None, :], 1.0, axis=1)
    labels = (np.arange(n_sequences) < n_pos).astype(np.float32)

    order = rng.permutation(n_sequences)
    n_train = round(fractions[0] * n_sequences)
    n_valid = round(fractions[1] * n_sequences)
    split = np.array(["train"] * n_train + ["valid"] * n_valid + ["test"] * (n_sequences - n_train - n_valid))
    return Task3Data(
        X=torch.from_numpy(X[order]),
        labels=labels[order],
        motif_mask=mask[order],
        instances=tuple(instances[i] for i in order),
        split=split,
        core=core,
        background=background,
        seed=seed,
    )
