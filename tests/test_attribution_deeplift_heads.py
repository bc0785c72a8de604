"""The hook-free DeepLIFT (deeplift_engine.py) through ConvPoolCNN's global-max-pool head.

ConvPoolCNN (the shipped oct4-mafk model) ends in a global max pool and dense layers.
Its ``ism_split()`` head is an ``nn.Sequential`` starting with a
:class:`~genodash.architectures.GlobalMaxPool`, so DeepLIFT and DeepLiftShap take the
fast path; these tests hold it to Captum (``fast=False``).
"""

import pytest
import torch
from torch import nn

from genodash.architectures import ConvPoolCNN, GlobalMaxPool
from genodash.attribution import explain
from genodash.attribution_split import FirstLayerSplit, first_layer_split
from genodash.deeplift_engine import DeepLiftEngine, deeplift_supported, tied_maxima
from genodash.targets import TargetOutput


def _random_one_hot(n: int, length: int, seed: int) -> torch.Tensor:
    """``(n, 4, length)`` random one-hot sequences."""
    g = torch.Generator().manual_seed(seed)
    return nn.functional.one_hot(torch.randint(0, 4, (n, length), generator=g), 4).permute(0, 2, 1).float()


def _random_conv_pool_cnn() -> ConvPoolCNN:
    """A small ConvPoolCNN in eval mode with random weights and batch-norm statistics."""
    torch.manual_seed(0)
    model = ConvPoolCNN(2, filters=8, filters2=8, hidden=8)
    for norm in (model.bn1, model.bn2):
        norm.running_mean.normal_(0, 0.2)
        norm.running_var.uniform_(0.5, 2.0)
        norm.weight.data.uniform_(0.5, 1.5)
        norm.bias.data.normal_(0, 0.1)
    return model.eval()


def _explicit_forward(model: ConvPoolCNN, X: torch.Tensor) -> torch.Tensor:
    """ConvPoolCNN's computation written out: ``(N, 4, L)`` -> ``(N, T)``."""
    h = model.drop1(model.pool1(model.act1(model.bn1(model.conv1(X)))))
    h = model.act2(model.bn2(model.conv2(h)))
    return model.fc2(model.drop2(model.act3(model.fc1(h.amax(dim=-1)))))


def _last_local_activation(model: ConvPoolCNN, X: torch.Tensor) -> torch.Tensor:
    """``(N, C, L')``: the input of the global max pool."""
    h = X
    for layer in model.ism_split()[0]:
        h = layer(h)
    return h


@pytest.fixture
def deeplift_calls(monkeypatch):
    """Counts calls of :meth:`FirstLayerSplit.deeplift` (the fast path), which still runs."""
    calls = []
    original = FirstLayerSplit.deeplift

    def spy(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(FirstLayerSplit, "deeplift", spy)
    return calls


def _assert_fast_equals_captum(model: nn.Module, X: torch.Tensor, calls: list) -> None:
    """DeepLIFT and DeepLiftShap, zero and shuffled references: fast == Captum to 1e-5 of scale."""
    state = {key: value.clone() for key, value in model.state_dict().items()}
    for method in ("deeplift", "deep_lift_shap"):
        for baseline in ("zeros", "dinuc_shuffle"):
            for target in (0, 1):
                kw = dict(
                    method=method, target=target, baseline=baseline, n_baselines=4, seed=2,
                )  # fmt: skip
                before = len(calls)
                fast = explain(model, X, **kw)
                assert len(calls) == before + 1, "the fast DeepLIFT path was not taken"
                slow = explain(model, X, fast=False, **kw)
                assert len(calls) == before + 1, "fast=False must go through Captum"
                for kind in ("hypothetical", "projected"):
                    a, b = getattr(fast, kind), getattr(slow, kind)
                    scale = b.abs().max()
                    assert scale > 0
                    torch.testing.assert_close(a / scale, b / scale, rtol=0, atol=1e-5)
                torch.testing.assert_close(fast.output_change, slow.output_change, rtol=1e-5, atol=1e-5)
                torch.testing.assert_close(fast.completeness_gap, slow.completeness_gap, rtol=1e-3, atol=1e-4)
                # the same checks fail; the fast path also names the layers that lost the change
                assert [w.split(").")[0] for w in fast.warnings] == [w.split(").")[0] for w in slow.warnings]
    assert not model.training
    for key, value in model.state_dict().items():
        assert torch.equal(value, state[key]), key
    for module in model.modules():
        assert not module._forward_hooks and not module._forward_pre_hooks and not module._backward_hooks


def test_forward_is_unchanged_and_equals_the_split():
    model = _random_conv_pool_cnn()
    X = _random_one_hot(5, 120, seed=0)
    with torch.no_grad():
        expected = _explicit_forward(model, X)
        assert torch.equal(model(X), expected)
        local, head = model.ism_split()
        h = X
        for layer in local:
            h = layer(h)
        assert torch.equal(head(h), expected)
    assert isinstance(head, nn.Sequential) and isinstance(head[0], GlobalMaxPool)
    assert [name for name, _ in model.named_modules()] == [
        "", "conv1", "bn1", "act1", "pool1", "drop1", "conv2", "bn2", "act2", "fc1", "act3", "drop2", "fc2",
    ]  # fmt: skip


def test_shipped_model_forward_and_state_dict_are_unchanged(oct4_mafk):
    model = oct4_mafk.model
    X = _random_one_hot(4, oct4_mafk.card.input_length, seed=1)
    with torch.no_grad():
        assert torch.equal(model(X), _explicit_forward(model, X))
    norm = ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")
    expected_keys = [
        *("conv1.weight", "conv1.bias"), *(f"bn1.{key}" for key in norm),
        *("conv2.weight", "conv2.bias"), *(f"bn2.{key}" for key in norm),
        "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias",
    ]  # fmt: skip
    assert list(model.state_dict()) == expected_keys


def test_the_split_head_follows_the_models_mode():
    model = ConvPoolCNN(1, filters=4, filters2=4, hidden=4)
    assert model.ism_split()[1][0].training
    assert not model.eval().ism_split()[1][0].training
    assert first_layer_split(TargetOutput(model, 0)) is not None
    assert first_layer_split(TargetOutput(model.train(), 0)) is None


def test_conv_pool_cnn_takes_the_fast_deeplift_path():
    split = first_layer_split(TargetOutput(_random_conv_pool_cnn(), 0))
    assert split is not None and deeplift_supported(split)


def test_random_conv_pool_cnn_fast_deeplift_equals_captum(deeplift_calls):
    model = _random_conv_pool_cnn()
    X = _random_one_hot(4, 120, seed=1)
    X[0, :, 7] = 0  # an N
    with torch.no_grad():
        h = _last_local_activation(model, X)
    # channels where a ReLU zeroed every position: autograd splits amax's gradient among ties
    assert ((h == h.amax(dim=-1, keepdim=True)).sum(dim=-1) > 1).any()
    _assert_fast_equals_captum(model, X, deeplift_calls)


def test_shipped_model_fast_deeplift_equals_captum(oct4_mafk, deeplift_calls):
    X = _random_one_hot(3, oct4_mafk.card.input_length, seed=1)
    _assert_fast_equals_captum(oct4_mafk.model, X, deeplift_calls)


def test_global_max_rule_is_autograds_amax_gradient_with_ties():
    h = torch.tensor(
        [[[1.0, 3.0, 3.0, 0.0], [0.0, 0.0, 0.0, 0.0]], [[2.0, -1.0, 2.0, 2.0], [5.0, 4.0, 0.0, 1.0]]]
    )
    n, B = h.shape[0], 3
    g = torch.randn(n * B, h.shape[1], generator=torch.Generator().manual_seed(0))
    leaf = h.repeat_interleave(B, dim=0).requires_grad_(True)
    (expected,) = torch.autograd.grad(GlobalMaxPool()(leaf), leaf, g)
    is_max, count = tied_maxima(h, h.amax(dim=-1))
    torch.testing.assert_close(DeepLiftEngine._global_max(g, is_max, count, B), expected, rtol=0, atol=0)


def test_each_layer_is_checked_and_the_losing_layers_are_named():
    """Per-layer conservation: the ReLUs and linear layers keep f(x) - f(r); the pools lose it.

    The signed losses add up to the completeness gap, so the layers named are the whole story.
    """
    model = _random_conv_pool_cnn()
    split = first_layer_split(TargetOutput(model, 1).eval())
    X = _random_one_hot(3, 120, seed=4)
    refs = torch.stack([_random_one_hot(2, 120, seed=10 + i) for i in range(3)])  # (3, 2, 4, 120)
    M, f_x, f_refs, losses = split.deeplift(X, refs)
    assert list(losses) == [
        "act1 (ReLU)", "pool1 (MaxPool1d)", "conv2 (Conv1d)", "act2 (ReLU)",
        "GlobalMaxPool in the head", "fc1 (Linear)", "act3 (ReLU)", "drop2 (Dropout)", "fc2 (Linear)",
    ]  # fmt: skip
    gap = ((X[:, None] - refs) * M).sum(dim=(2, 3)) - (f_x[:, None] - f_refs)  # (3, 2)
    scale = float((f_x[:, None] - f_refs).abs().max())
    for name, lost in losses.items():
        assert lost.shape == (3,)
        if "Pool" not in name:
            assert float(lost.max()) < 1e-4 * scale, name
    pools = losses["pool1 (MaxPool1d)"] + losses["GlobalMaxPool in the head"]
    assert torch.all(gap.abs().amax(dim=1) <= pools + 1e-4 * scale)
    assert float(pools.max()) > 0.01 * scale  # this model does lose the change at its pools


def test_the_completeness_warning_names_the_layers_of_the_shipped_model():
    from genodash.models import load_model

    model = load_model("oct4-mafk", "cpu").model
    X = _random_one_hot(4, 200, seed=5)
    (warning,) = explain(model, X, method="deep_lift_shap", target=0, n_baselines=3).warnings
    assert warning.startswith("Completeness check failed for")
    assert "The output change is lost at: " in warning
    named = warning.split("lost at: ")[1].split(" (these layers")[0]
    assert {part.split(" up to ")[0] for part in named.split("; ")} <= {
        "pool1 (MaxPool1d)",
        "GlobalMaxPool in the head",
    }
    assert "pool1 (MaxPool1d)" in named
