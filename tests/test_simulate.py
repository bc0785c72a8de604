"""The Task 3 generator: seeded, shaped as documented, and its ground truth matches what it embedded."""

import numpy as np
import pytest
import torch

from genodash.errors import InputError
from genodash.motifs import Motif
from genodash.simulate import (
    CORE_MOTIF_IDS,
    information,
    motif_similarity,
    probabilities,
    reverse_complement_matrix,
    select_background,
    simulate_task3,
)

N, L = 400, 200


@pytest.fixture(scope="module")
def data():
    return simulate_task3(seed=7, n_sequences=N, length=L)


def test_same_seed_same_data_other_seed_other_data(data):
    again = simulate_task3(seed=7, n_sequences=N, length=L)
    assert torch.equal(again.X, data.X)
    assert np.array_equal(again.labels, data.labels)
    assert np.array_equal(again.motif_mask, data.motif_mask)
    assert again.instances == data.instances
    other = simulate_task3(seed=8, n_sequences=N, length=L)
    assert not torch.equal(other.X, data.X)
    assert [m.matrix_id for m in other.background] == [m.matrix_id for m in data.background]


def test_shapes_labels_and_splits(data):
    assert data.X.shape == (N, 4, L) and data.X.dtype == torch.float32
    assert torch.all(data.X.sum(dim=1) == 1)  # one-hot, no N
    assert data.labels.shape == (N,) and data.labels.sum() == N // 2
    assert data.motif_mask.shape == (N, L) and data.motif_mask.dtype == bool
    assert [int((data.split == s).sum()) for s in ("train", "valid", "test")] == [280, 40, 80]
    test = data.subset("test")
    assert len(test) == 80 and set(test.split) == {"test"}
    assert torch.equal(test.X, data.X[torch.from_numpy(np.flatnonzero(data.split == "test"))])
    positives = test.positives(5)
    assert len(positives) == 5 and positives.labels.min() == 1
    with pytest.raises(InputError, match="choose one of: train, valid, test"):
        data.subset("validation")


def test_core_and_background_pools(data):
    assert tuple(m.matrix_id for m in data.core) == CORE_MOTIF_IDS
    assert len(data.background) == 50
    core_names = {m.name.upper() for m in data.core}
    assert not core_names & {m.name.upper() for m in data.background}
    for motif in data.background:
        assert max(motif_similarity(probabilities(c), probabilities(motif)) for c in data.core) <= 0.6


def test_instances_are_3_to_7_non_overlapping_from_the_right_pool(data):
    core_ids = set(CORE_MOTIF_IDS)
    background_ids = {m.matrix_id for m in data.background}
    for label, placed in zip(data.labels, data.instances):
        assert 3 <= len(placed) <= 7
        ends = [0] + [p.end for p in placed]
        for previous_end, p in zip(ends, placed):
            assert previous_end <= p.start < p.end <= L
            assert p.strand in "+-"
            assert p.positive_class == (p.matrix_id in core_ids)
        if label == 1:
            assert all(p.positive_class for p in placed)
        else:
            assert {p.matrix_id for p in placed} <= core_ids | background_ids
    negatives = [p for label, placed in zip(data.labels, data.instances) if label == 0 for p in placed]
    assert any(not p.positive_class for p in negatives)


def test_mask_is_exactly_the_informative_columns_of_core_instances(data):
    by_id = {m.matrix_id: probabilities(m) for m in data.core}
    expected = np.zeros((N, L), dtype=bool)
    for i, placed in enumerate(data.instances):
        for p in placed:
            if p.positive_class:
                P = by_id[p.matrix_id] if p.strand == "+" else reverse_complement_matrix(by_id[p.matrix_id])
                expected[i, p.start : p.end] = information(P) > 0.01
    assert np.array_equal(data.motif_mask, expected)
    assert data.motif_mask[data.labels == 1].any(axis=1).all()


def test_instances_are_sampled_from_the_pwm_and_background_is_uniform(data):
    sp1 = probabilities(next(m for m in data.core if m.name == "SP1"))
    X = data.X.numpy()
    sites = [
        X[i, :, p.start : p.end]
        for i, placed in enumerate(data.instances)
        for p in placed
        if p.matrix_id == "MA0079.5" and p.strand == "+"
    ]
    assert len(sites) >= 40
    frequencies = np.mean(sites, axis=0)  # (4, W)
    assert np.abs(frequencies - sp1).max() < 0.2
    assert np.abs(frequencies - sp1).mean() < 0.05
    outside = np.ones((N, L), dtype=bool)
    for i, placed in enumerate(data.instances):
        for p in placed:
            outside[i, p.start : p.end] = False
    background = X.transpose(0, 2, 1)[outside].mean(axis=0)
    np.testing.assert_allclose(background, 0.25, atol=0.01)


def test_information_and_similarity_basics():
    P = np.array([[1.0, 0.25], [0.0, 0.25], [0.0, 0.25], [0.0, 0.25]])
    np.testing.assert_allclose(information(P), [2.0, 0.0], atol=1e-8)
    rng = np.random.default_rng(0)
    Q = rng.dirichlet(np.ones(4) * 0.3, size=8).T
    assert motif_similarity(Q, Q) == pytest.approx(1.0)
    assert motif_similarity(Q, reverse_complement_matrix(Q)) == pytest.approx(1.0)
    wide = np.hstack([np.full((4, 3), 0.25), Q, np.full((4, 2), 0.25)])
    assert motif_similarity(wide, Q) == pytest.approx(1.0)


def test_select_background_skips_names_and_lookalikes():
    rng = np.random.default_rng(1)
    core = Motif("C.1", "CORE", rng.dirichlet(np.ones(4) * 0.2, size=8).T * 100)
    twin = Motif("T.1", "TWIN", reverse_complement_matrix(core.counts))
    namesake = Motif("N.1", "core", rng.dirichlet(np.ones(4) * 0.2, size=8).T * 100)
    others = tuple(
        Motif(f"O.{k}", f"O{k}", rng.dirichlet(np.ones(4) * 0.2, size=6).T * 100) for k in range(30)
    )
    candidates = (twin, namesake, *others)
    chosen = select_background(candidates, (core,), n=5, seed=3, max_similarity=0.9)
    assert len(chosen) == 5 and not {"T.1", "N.1"} & {m.matrix_id for m in chosen}
    assert chosen == select_background(candidates, (core,), n=5, seed=3, max_similarity=0.9)
    with pytest.raises(ValueError, match="unlike the core motifs"):
        select_background((twin, namesake), (core,), n=1)
