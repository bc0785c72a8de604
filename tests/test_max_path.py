"""genodash.max_path: integrated-gradient paths through a global max pool, compiled, against autograd."""

import copy
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch
from torch import nn

from genodash import max_path
from genodash.architectures import ConvPoolCNN
from genodash.attribution import attribute, make_references
from genodash.attribution_split import first_layer_split
from genodash.targets import TargetOutput

pytestmark = pytest.mark.skipif(not max_path.AVAILABLE, reason="numba is not installed")


def _model(seed=0, **kw):
    torch.manual_seed(seed)
    model = ConvPoolCNN(2, filters=8, filters2=6, hidden=8, **kw)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm1d):
            module.running_mean.normal_(0, 0.2)
            module.running_var.uniform_(0.5, 2.0)
            module.bias.data.normal_(0, 0.1)
    return model.eval().requires_grad_(False)


def _one_hot(n, length, seed=0):
    g = torch.Generator().manual_seed(seed)
    return nn.functional.one_hot(torch.randint(0, 4, (n, length), generator=g), 4).permute(0, 2, 1).float()


def _dense(split):
    """The same split with the plain torch path (autograd after the first pool)."""
    plain = copy.copy(split)  # shares the layers
    plain.max_path = False
    plain._max_head = lambda start: None
    return plain


def test_the_shipped_architecture_takes_the_compiled_path():
    split = first_layer_split(TargetOutput(_model(), 1))
    assert split.max_path
    # not for a head without a global max pool, nor an ISM-only (training-mode) model
    from genodash.architectures import Basset

    assert not first_layer_split(
        TargetOutput(Basset(2, input_length=60, filters=(4, 4, 4)).eval(), 0)
    ).max_path


@pytest.mark.parametrize(("baseline", "kernel2", "length"), [("zeros", 7, 120), ("dinuc_shuffle", 5, 101)])
def test_integrated_gradients_equal_the_dense_path(baseline, kernel2, length):
    split = first_layer_split(TargetOutput(_model(kernel_size2=kernel2), 1))
    X = _one_hot(4, length, seed=1)
    X[0, :, 9] = 0  # an N
    refs = make_references(X, baseline, 3, 0)
    ours = split.integrated_gradients(X, refs, n_steps=30)
    dense = _dense(split).integrated_gradients(X, refs, n_steps=30)
    for a, b in zip(ours, dense, strict=True):
        scale = b.abs().max()
        torch.testing.assert_close(a / scale, b / scale, rtol=0, atol=2e-6)


def test_ties_are_split_as_autograd_splits_them():
    """Path points on a half-integer grid and weights in quarters: exact ties in every pool."""
    split = first_layer_split(TargetOutput(_model(), 1))
    conv = next(m for m in split.grad_rest if type(m) is nn.Conv1d)
    conv.weight.copy_(torch.randint(-2, 3, conv.weight.shape).float() / 4)
    conv.bias.copy_(torch.randint(-2, 3, conv.bias.shape).float() / 4)
    C = split.weight.shape[0]
    g = torch.Generator().manual_seed(3)
    P, L1 = 3, 40
    base = torch.randint(-2, 3, (P, C, L1), generator=g).float()
    delta = torch.randint(-2, 3, (P, C, L1), generator=g).float()
    base[0, :, :8] = 1.0  # identical windows: tied global maxima of the second convolution
    delta[0, :, :8] = 1.0
    alphas = torch.tensor([0.0, 0.5, 1.0])
    weights = torch.rand(3, generator=g)
    total = torch.zeros(P, C, L1)
    split._accumulate(base, delta, alphas, weights, total)
    z = torch.addcmul(base[:, None], alphas[:, None, None], delta[:, None]).flatten(0, 1)
    expected = _dense(split)._grad(z, weights.repeat(P)).reshape(P, 3, C, L1).sum(dim=1)
    torch.testing.assert_close(total, expected, rtol=1e-6, atol=1e-6)
    path = max_path.MaxPath(
        *(t[..., :40].unflatten(-1, (10, 4)).movedim(-1, 1).contiguous() for t in (base, delta)), alphas, conv
    )
    assert (path.count > 1).any(), "the test should have tied global maxima"
    assert (total != 0).any()


def test_attribute_through_the_compiled_path_equals_the_plain_one(monkeypatch):
    model = _model()
    X = _one_hot(3, 90, seed=4)
    fast = attribute(model, X, method="integrated_gradients", target=1, n_baselines=2, n_steps=20)
    monkeypatch.setattr(max_path, "AVAILABLE", False)  # as without numba
    assert not first_layer_split(TargetOutput(model, 1)).max_path
    plain = attribute(model, X, method="integrated_gradients", target=1, n_baselines=2, n_steps=20)
    torch.testing.assert_close(fast, plain, rtol=1e-4, atol=1e-5 * float(plain.abs().max()))


def test_concurrent_calls_on_one_shared_model():
    model = _model()
    X = _one_hot(3, 80, seed=5)
    expected = attribute(model, X, method="integrated_gradients", n_baselines=3, n_steps=12)
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(
                lambda _: attribute(model, X, method="integrated_gradients", n_baselines=3, n_steps=12),
                range(8),
            )
        )
    for result in results:
        torch.testing.assert_close(result, expected, rtol=0, atol=0)
