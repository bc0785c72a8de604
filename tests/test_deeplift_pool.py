"""genodash.deeplift_pool: the compiled ReLU + max pool rule, against the engine's torch rule."""

import pytest
import torch
from torch import nn

from genodash import compiled, deeplift_pool
from genodash.deeplift_engine import DEEPLIFT_EPS, DeepLiftEngine

pytestmark = pytest.mark.skipif(not compiled.AVAILABLE, reason="numba is not installed")


def _activations(n, B, C, L, seed=0):
    """ReLU inputs for n inputs and their B references: ties, all-negative windows, equal pairs."""
    g = torch.Generator().manual_seed(seed)
    h = torch.randn(n + n * B, C, L, generator=g)
    h[0, 0, :6] = -1.0  # all negative: relu ties at 0, the first position is the argmax
    h[0, 1, 3:6] = 2.0  # a positive tie
    h[n, 2] = h[0, 2]  # a reference equal to its input on a channel: |d| < eps everywhere there
    h[n + 1, 3, :] = 0.0
    return h


@pytest.mark.parametrize(("n", "B", "C", "L", "k"), [(2, 3, 5, 20, 3), (1, 4, 6, 17, 4), (3, 1, 4, 9, 2)])
def test_same_values_as_the_torch_rule(n, B, C, L, k):
    h = _activations(n, B, C, L)
    relu, pool = nn.ReLU(), nn.MaxPool1d(k)
    assert deeplift_pool.supported(relu, pool, h)

    pooled, saved = deeplift_pool.forward(h, pool, n, B)
    act = relu(h)
    torch.testing.assert_close(pooled, pool(act), rtol=0, atol=0)
    _, idx = nn.functional.max_pool1d(act[:n], k, k, return_indices=True)
    assert torch.equal(saved.idx, idx)

    g = torch.randn(n * B, C, L // k, generator=torch.Generator().manual_seed(1))
    g[0, 4 % C] = 0.0
    ours, pool_below, act_below = deeplift_pool.backward(g, saved, pool, B, L, DEEPLIFT_EPS)
    theirs, pool_ref, act_ref = DeepLiftEngine._rescale_pool(relu, h, act, pool, idx, g, n, B)
    torch.testing.assert_close(ours, theirs, rtol=0, atol=0)
    torch.testing.assert_close(pool_below, pool_ref, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(act_below, act_ref, rtol=1e-5, atol=1e-5)


def test_other_layers_keep_the_torch_rule():
    h = torch.randn(4, 3, 12)
    assert not deeplift_pool.supported(nn.ELU(), nn.MaxPool1d(3), h)
    assert not deeplift_pool.supported(nn.ReLU(), nn.MaxPool1d(3, stride=2), h)  # overlapping windows
    assert not deeplift_pool.supported(nn.ReLU(), nn.MaxPool1d(3, padding=1), h)
    assert not deeplift_pool.supported(nn.ReLU(), nn.MaxPool1d(3, ceil_mode=True), h)
    assert not deeplift_pool.supported(nn.ReLU(), nn.AvgPool1d(3), h)
    assert not deeplift_pool.supported(nn.ReLU(), None, h)
    assert not deeplift_pool.supported(nn.ReLU(), nn.MaxPool1d(3), h.double())
