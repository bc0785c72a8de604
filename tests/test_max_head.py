"""genodash.max_head: gradients through a ReLU and a global max pool, against autograd."""

import pytest
import torch
from torch import nn

from genodash import compiled
from genodash.max_head import conv_input_grad, max_pool_grad, supported


def _autograd(h, conv, relu_in, relu, grad):
    h = h.clone().requires_grad_(True)
    x = h.relu() if relu_in else h
    z = conv(x) if conv is not None else x
    pooled = (z.relu() if relu else z).amax(dim=-1)
    (g,) = torch.autograd.grad(pooled, h, grad)
    return g


def _tied(R=5, F=6, L=11):
    """Values with exact ties at the maximum, channels that are never positive, and zeros."""
    g = torch.Generator().manual_seed(0)
    z = torch.randn(R, F, L, generator=g)
    z[0, 0, [2, 7]] = 5.0  # two tied maxima
    z[1, 1] = -torch.rand(L, generator=g)  # never positive: the ReLU passes nothing
    z[2, 2] = 0.0  # all zero: every position ties at 0
    z[3, 3, :] = 1.5  # all tied at a positive value
    return z


@pytest.mark.parametrize("relu", [True, False])
def test_max_pool_gradient_is_autograds_with_ties(relu):
    z = _tied()
    grad = torch.randn(z.shape[:2], generator=torch.Generator().manual_seed(1))
    ours = max_pool_grad(z, relu, grad)
    torch.testing.assert_close(ours, _autograd(z, None, False, relu, grad), rtol=0, atol=0)
    assert (ours[1, 1] == 0).all() if relu else (ours[1, 1] != 0).any()


CONVS = [(7, 3, 1), (5, 0, 1), (3, 2, 2), (4, 1, 1), (1, 0, 1)]  # kernel, padding, dilation


@pytest.mark.parametrize(("kernel", "padding", "dilation"), CONVS)
@pytest.mark.parametrize("relu_in", [True, False])
@pytest.mark.parametrize("compiled_scan", [True, False])
def test_conv_input_gradient_equals_autograd(kernel, padding, dilation, relu_in, compiled_scan, monkeypatch):
    if compiled_scan and not compiled.AVAILABLE:
        pytest.skip("numba is not installed")
    monkeypatch.setattr("genodash.max_head.AVAILABLE", compiled_scan and compiled.AVAILABLE)
    torch.manual_seed(0)
    conv = nn.Conv1d(8, 6, kernel, padding=padding, dilation=dilation).eval().requires_grad_(False)
    h = torch.randn(5, 8, 30)
    grad = torch.randn(5, 6)
    with torch.no_grad():
        z = conv(h.relu() if relu_in else h)
    ours = conv_input_grad(conv, max_pool_grad(z, True, grad), h.shape[-1])
    if relu_in:
        ours = ours * (h > 0)
    torch.testing.assert_close(ours, _autograd(h, conv, relu_in, True, grad), rtol=1e-5, atol=1e-6)


def test_a_dense_gradient_gives_the_same_as_conv1d_input():
    conv = nn.Conv1d(8, 6, 5, padding=2).eval().requires_grad_(False)
    g = torch.randn(3, 6, 20)
    expected = torch.nn.grad.conv1d_input((3, 8, 20), conv.weight, g, (1,), (2,), (1,), 1)
    torch.testing.assert_close(conv_input_grad(conv, g, 20), expected, rtol=1e-5, atol=1e-5)


def test_only_plain_convolutions_are_supported():
    assert supported(nn.Conv1d(4, 4, 3, padding=1))
    assert not supported(nn.Conv1d(4, 4, 3, stride=2))
    assert not supported(nn.Conv1d(4, 4, 3, groups=2))
    assert not supported(nn.Conv1d(4, 4, 3, padding="same"))
    assert not supported(nn.Conv1d(4, 4, 3, padding=1, padding_mode="circular"))
    assert not supported(nn.Linear(4, 4))


def test_deeplift_behind_a_global_max_pool_goes_back_sparsely(monkeypatch):
    """oct4-mafk's architecture: DeepLIFT's multipliers reach the second convolution 2% dense."""
    from genodash import max_head
    from genodash.architectures import ConvPoolCNN
    from genodash.attribution import attribute

    torch.manual_seed(0)
    model = ConvPoolCNN(2, filters=16, filters2=16, hidden=8).eval().requires_grad_(False)
    g = torch.Generator().manual_seed(1)
    X = nn.functional.one_hot(torch.randint(0, 4, (3, 200), generator=g), 4).permute(0, 2, 1).float()
    calls = []
    sparse = max_head.conv_input_grad
    monkeypatch.setattr(max_head, "conv_input_grad", lambda *a: calls.append(1) or sparse(*a))
    kw = dict(method="deep_lift_shap", target=0, n_baselines=4)
    fast, captum = attribute(model, X, **kw), attribute(model, X, fast=False, **kw)
    assert calls, "the sparse transposed convolution should have run"
    torch.testing.assert_close(fast / captum.abs().max(), captum / captum.abs().max(), rtol=0, atol=1e-5)
