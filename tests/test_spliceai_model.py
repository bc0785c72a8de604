"""SpliceAI-10k in PyTorch against the original Keras models, and the fast paths against the plain one."""

from pathlib import Path

import numpy as np
import pytest
import torch

from genodash.architectures import build_architecture
from genodash.errors import ModelError
from genodash.sequence import one_hot_encode
from genodash.spliceai import weights
from genodash.spliceai.incremental import Allele, predict_alleles
from genodash.spliceai.model import CONTEXT, SpliceAI10k, SpliceAIEnsemble
from genodash.spliceai.stacked import StackedSpliceAI

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "spliceai"
needs_weights = pytest.mark.skipif(
    weights.unavailable_reason() is not None,
    reason=f"SpliceAI weights not installed ({weights.INSTALL_COMMAND})",
)


@pytest.fixture(scope="module")
def ensemble():
    return weights.load_ensemble("cpu")


@pytest.fixture(scope="module")
def parity():
    path = REFERENCE / "parity_subset.npz"
    if not path.is_file():
        pytest.skip(f"reference outputs {path} are not here")
    return np.load(path)


@needs_weights
def test_every_replica_and_the_ensemble_match_keras(ensemble, parity):
    X = one_hot_encode([str(s) for s in parity["sequences"]])  # lower case and N runs included
    per_replica = {}
    hooks = [
        replica.register_forward_hook(lambda module, args, out, i=i: per_replica.__setitem__(i, out.clone()))
        for i, replica in enumerate(ensemble.replicas)
    ]
    try:
        with torch.inference_mode():
            got = ensemble(X).permute(0, 2, 1).numpy()  # one pass gives the replicas and their mean
    finally:
        for hook in hooks:
            hook.remove()
    for i in range(5):
        replica = per_replica[i].permute(0, 2, 1).numpy()
        assert replica.shape == parity["per_model"][:, i].shape == (2, 5000, 3)
        diff = np.abs(replica - parity["per_model"][:, i]).max()
        print(f"replica {i + 1}: max |diff| {diff:.2e}")
        assert diff < 1e-5
    diff = np.abs(got - parity["ensemble"]).max()
    print(f"ensemble: max |diff| {diff:.2e}")
    assert diff < 1e-5


@needs_weights
def test_stacked_and_incremental_equal_the_plain_forward(ensemble):
    g = torch.Generator().manual_seed(3)
    frame = torch.nn.functional.one_hot(torch.randint(0, 4, (CONTEXT + 300,), generator=g), 4).T.float()
    window = CONTEXT + 100
    alleles = [
        Allele(0, 5050, 1, one_hot_encode("G")[0]),  # SNV
        Allele(120, 5170, 3, one_hot_encode("C")[0]),  # deletion of 2
        Allele(200, 5240, 1, one_hot_encode("CTTA")[0]),  # insertion of 3, off centre
    ]
    two = SpliceAIEnsemble(replicas=2).eval()  # two replicas are enough to check the stacking
    two.replicas = torch.nn.ModuleList(ensemble.replicas[:2])
    ref, alts = predict_alleles(StackedSpliceAI(two), frame, alleles, window, batch_size=2)
    with torch.inference_mode():
        plain = two(frame[None])[0]
        torch.testing.assert_close(ref, plain, atol=1e-6, rtol=0)
        # grouped convolutions (the CUDA path) compute the same
        torch.testing.assert_close(StackedSpliceAI(two, fold=True)(frame[None])[0], plain, atol=1e-6, rtol=0)
        for allele, got in zip(alleles, alts, strict=True):
            x = frame[:, allele.window_start : allele.window_start + window]
            edit = allele.edit_start - allele.window_start
            x = torch.cat([x[:, :edit], allele.alt, x[:, edit + allele.ref_length :]], dim=1)
            expected = two(x[None])[0]
            assert got.shape == expected.shape == (3, x.shape[1] - 10000)
            torch.testing.assert_close(got, expected, atol=1e-6, rtol=0)


def test_shapes_registry_and_short_input():
    model = build_architecture("spliceai_10k", {"n_tasks": 3, "replicas": 2}).eval()
    assert isinstance(model, SpliceAIEnsemble) and len(model.replicas) == 2
    assert (
        sum(p.numel() for p in model.replicas[0].parameters()) == 698_787 - 2_048
    )  # Keras count minus BN moving stats
    with torch.inference_mode():
        assert model(torch.zeros(1, 4, CONTEXT + 7)).shape == (1, 3, 8)
    with pytest.raises(ValueError, match="at least 10001 nt"):
        SpliceAI10k()(torch.zeros(1, 4, 500))


def test_keras_layer_names_follow_the_map():
    assert weights.keras_layer_names(0) == (
        "batch_normalization_1",
        "conv1d_3",
        "batch_normalization_2",
        "conv1d_4",
    )
    assert weights.keras_layer_names(15) == (
        "batch_normalization_31",
        "conv1d_36",
        "batch_normalization_32",
        "conv1d_37",
    )


def test_missing_package_names_the_install_command(monkeypatch):
    monkeypatch.setattr(weights, "package_dir", lambda: None)
    reason = weights.unavailable_reason()
    assert "pip install --no-deps spliceai==1.3.1" in reason and "CC BY-NC 4.0" in reason
    with pytest.raises(ModelError, match="SpliceAI is unavailable: .*pip install --no-deps spliceai==1.3.1"):
        weights.load_ensemble()
