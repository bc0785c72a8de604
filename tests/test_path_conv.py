"""The sparse second convolution along integrated-gradients paths (genodash.path_conv)."""

import pytest
import torch
from captum.attr import IntegratedGradients
from captum.attr._utils.approximation_methods import approximation_parameters
from torch import nn

from genodash import path_conv
from genodash.architectures import Basset, ConvPoolCNN
from genodash.attribution import explain, make_references
from genodash.attribution_split import first_layer_split
from genodash.targets import TargetOutput
from tests.test_attribution import _frozen, _random_one_hot


def _dense(base, delta, alphas, conv, grad):
    """Plain autograd: the convolution at every path point and the summed first-layer gradient."""
    P, k, C, Lp = base.shape
    lines_b, lines_d = base.movedim(1, -1).flatten(-2), delta.movedim(1, -1).flatten(-2)  # (P, C, Lp k)
    z1 = (lines_b[:, None] + alphas[None, :, None, None] * lines_d[:, None]).flatten(0, 1)
    z1.requires_grad_(True)
    with torch.enable_grad():
        z = conv(torch.relu(nn.functional.max_pool1d(z1, k)))
        (g1,) = torch.autograd.grad(z, z1, grad)
    return z.detach(), g1.reshape(P, len(alphas), C, Lp * k).sum(dim=1)


def _lines(P, k, C, Lp, reference, seed):
    g = torch.Generator().manual_seed(seed)
    delta = torch.randn(P, k, C, Lp, generator=g, dtype=torch.float64)
    if reference == "zero":  # every line of a channel through the bias
        base = torch.randn(1, 1, C, 1, generator=g, dtype=torch.float64).expand(P, k, C, Lp)
    elif reference == "the input":  # flat lines: no state ever changes
        base, delta = torch.randn(P, k, C, Lp, generator=g, dtype=torch.float64), delta.zero_()
    else:
        base = torch.randn(P, k, C, Lp, generator=g, dtype=torch.float64)
    return base.contiguous(), delta


@pytest.mark.parametrize(
    ("k", "padding", "dilation", "reference", "method"),
    [
        (3, 5, 1, "zero", "gausslegendre"),
        (3, 5, 1, "random", "gausslegendre"),
        (4, 3, 1, "random", "riemann_trapezoid"),  # a path point at a = 0 and at a = 1
        (4, 0, 2, "zero", "riemann_left"),  # "valid" padding, dilated
        (2, 2, 1, "random", "riemann_middle"),
        (3, 5, 1, "the input", "gausslegendre"),
    ],
)
def test_sparse_path_convolution_equals_autograd(k, padding, dilation, reference, method):
    """Output at every path point and the summed gradient, exactly (float64) as autograd."""
    P, C, Lp, F, T, S = 2, 6, 20, 5, 11 if dilation == 1 else 5, 16
    base, delta = _lines(P, k, C, Lp, reference, seed=k + padding)
    alphas = torch.tensor(approximation_parameters(method)[1](S), dtype=torch.float64)
    torch.manual_seed(0)
    conv = nn.Conv1d(C, F, T, padding=padding, dilation=dilation).double()
    assert path_conv.supports(conv, k)
    path = path_conv.SparsePathConv(base, delta, alphas, conv)
    grad = torch.randn(path.z.shape, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    z, expected = _dense(base, delta, alphas, conv, grad)
    torch.testing.assert_close(path.z, z, rtol=1e-10, atol=1e-10)
    total = torch.zeros(P, C, Lp * k, dtype=torch.float64)
    path.backward(grad, total)
    torch.testing.assert_close(total, expected, rtol=1e-10, atol=1e-10)
    assert (path.changes[0].numel() > 0) == (reference != "the input")


def test_nearly_parallel_lines_through_one_point_keep_their_order():
    """Two lines through the bias with slopes 7e-6 apart: the steeper wins at every a > 0.

    In float32 ``bias + a * slope`` rounds both to the same value for small ``a``, and
    the first of them would win that tie for a few steps; the states here are exact
    (oct4-mafk, zero reference, has such a window).
    """
    base = torch.full((1, 4, 1, 1), 0.4975643)
    delta = torch.tensor([-1.0520154, -0.5006683, -0.2302319, -0.2302251]).reshape(1, 4, 1, 1)
    alphas = torch.tensor(approximation_parameters("gausslegendre")[1](50), dtype=torch.float32)
    start, end, (window, step, old, new) = path_conv._state_changes(base, delta, alphas)
    # offset 3 is the maximum from the first step; positive until a = 0.4976 / 0.2302 > 1
    assert int(start) == 4 and int(end) == 4 and window.numel() == 0


def test_state_changes_at_exact_ties_break_as_the_pool_and_relu_do():
    """Lines crossing exactly on path points: the first maximum wins, and off wins a tie with zero."""
    alphas = torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0])
    # line 0: 1 - 2a (zero at a = 0.5), line 1: 0.5 - a, line 2: -1 + 4a (meets line 0 at 1/3)
    base = torch.tensor([1.0, 0.5, -1.0]).reshape(1, 3, 1, 1)
    delta = torch.tensor([-2.0, -1.0, 4.0]).reshape(1, 3, 1, 1)
    values = base + alphas.reshape(-1, 1, 1, 1, 1) * delta  # (S, 1, 3, 1, 1)
    pooled = values.max(dim=2)
    expected = torch.where(pooled.values > 0, pooled.indices + 1, 0).flatten().tolist()
    start, end, (window, step, old, new) = path_conv._state_changes(base, delta, alphas)
    states = [int(start)]
    for s in range(1, len(alphas)):
        states.append(int(new[step == s][-1]) if (step == s).any() else states[-1])
    assert states == expected == [1, 1, 3, 3, 3]
    assert int(end) == 3
    # lines meeting exactly on a path point: at a = 0.5, 1 - a and 2a - 0 tie at 0.5 and ...
    base = torch.tensor([1.0, 0.0]).reshape(1, 2, 1, 1)
    delta = torch.tensor([-1.0, 1.0]).reshape(1, 2, 1, 1)
    start, end, (window, step, old, new) = path_conv._state_changes(base, delta, alphas)
    assert step.tolist() == [3] and old.tolist() == [1] and new.tolist() == [2]  # first maximum at 0.5
    base = torch.tensor([0.0, 1.0]).reshape(1, 2, 1, 1)
    delta = torch.tensor([1.0, -1.0]).reshape(1, 2, 1, 1)
    start, end, (window, step, old, new) = path_conv._state_changes(base, delta, alphas)
    assert step.tolist() == [2] and old.tolist() == [2] and new.tolist() == [1]  # ... line 0 is first
    # a tie with zero exactly on a path point: off (relu(0) has no gradient)
    base, delta = torch.tensor([0.5]).reshape(1, 1, 1, 1), torch.tensor([-1.0]).reshape(1, 1, 1, 1)
    start, end, (window, step, old, new) = path_conv._state_changes(base, delta, alphas)
    assert int(start) == 1 and step.tolist() == [2] and new.tolist() == [0] and int(end) == 0


def test_used_only_where_it_pays_off():
    basset = Basset(3, input_length=1000).eval()
    oct4_like = ConvPoolCNN(2)
    assert path_conv.pays_off(basset.convs[4], 333)  # 200 x 300 x 11 on 333 positions
    assert not path_conv.pays_off(oct4_like.conv2, 50)  # 64 x 64 x 7 on 50
    assert not path_conv.supports(nn.Conv1d(8, 8, 3, stride=2), 3)
    assert not path_conv.supports(nn.Conv1d(8, 8, 3, groups=2), 3)
    assert not path_conv.supports(nn.Conv1d(8, 8, 3, padding=3), 3)  # pads past its reach


def _force_sparse_path(monkeypatch):
    monkeypatch.setattr(path_conv, "DENSE_MULTIPLY_ADDS", 0)
    calls = []
    original = path_conv.SparsePathConv.__init__

    def counted(self, *args, **kwargs):
        calls.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(path_conv.SparsePathConv, "__init__", counted)
    return calls


@pytest.mark.parametrize("name", ["basset", "conv_pool"])
@pytest.mark.parametrize("reference", ["zeros", "dinuc_shuffle"])
def test_integrated_gradients_through_the_sparse_path_equals_captum_in_float64(name, reference, monkeypatch):
    calls = _force_sparse_path(monkeypatch)
    torch.manual_seed(0)
    model = {
        "basset": Basset(3, input_length=150, filters=(16, 12, 8), hidden=16),
        "conv_pool": ConvPoolCNN(2, filters=8, filters2=8, hidden=8),
    }[name]
    model = _frozen(model).double()
    X = _random_one_hot(3, 150, seed=4).double()
    refs = make_references(X.float(), reference, 2, 0).double()  # (N, B, 4, L)
    wrapper = TargetOutput(model, 1).eval()
    M = first_layer_split(wrapper).integrated_gradients(X, refs, n_steps=20)[0]
    assert calls
    ig = IntegratedGradients(wrapper, multiply_by_inputs=False)
    for b in range(refs.shape[1]):
        expected = ig.attribute(X, baselines=refs[:, b], target=0, n_steps=20)
        torch.testing.assert_close(M[:, b], expected, rtol=1e-9, atol=1e-9)


def test_explain_through_the_sparse_path_equals_captum(monkeypatch):
    """float32, as the dashboard runs it: the same tolerance as every fast path."""
    calls = _force_sparse_path(monkeypatch)
    torch.manual_seed(0)
    model = _frozen(Basset(3, input_length=150, filters=(16, 12, 8), hidden=16))
    X = _random_one_hot(3, 150, seed=1)
    X[0, :, 5] = 0  # an N
    for baseline in ("zeros", "dinuc_shuffle"):
        kw = dict(method="integrated_gradients", target=1, baseline=baseline, n_baselines=3, n_steps=10)
        fast, slow = explain(model, X, **kw), explain(model, X, fast=False, **kw)
        scale = slow.projected.abs().max()
        torch.testing.assert_close(fast.projected / scale, slow.projected / scale, rtol=0, atol=1e-5)
        # f(x) - f(reference): with one reference for all (zeros), it is computed once
        torch.testing.assert_close(fast.output_change, slow.output_change, rtol=1e-5, atol=1e-6)
    assert calls


@pytest.mark.parametrize(("T", "dilation"), [(11, 1), (5, 2), (1, 1)])
def test_tap_sum_is_the_full_convolution_of_a_sparse_input(T, dilation):
    from genodash.sparse_taps import tap_rows, tap_sum

    g = torch.Generator().manual_seed(T)
    R, C, L, F = 3, 7, 30, 5
    x = torch.randn(R, C, L, generator=g, dtype=torch.float64)
    x *= torch.rand(R, C, L, generator=g) < 0.05
    x[1] = 0  # a row without nonzeros
    W = torch.randn(F, C, T, generator=g, dtype=torch.float64)
    r, m, c = x.transpose(1, 2).nonzero(as_tuple=True)  # by row, position, channel
    shifts = dilation * (T - 1 - torch.arange(T))
    layout = tap_rows(r * L + m, c, R, L, shifts, C)
    rows = W.permute(2, 1, 0).reshape(T * C, F)  # row t * C + c: W[:, c, t]
    values = torch.stack([x[r, c, m], 2 * x[r, c, m]])
    out = tap_sum(values, rows, layout).view(2, R, -1, F).transpose(2, 3)
    full = nn.functional.conv1d(x, W, padding=dilation * (T - 1), dilation=dilation)
    torch.testing.assert_close(out[0], full, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(out[1], 2 * full, rtol=1e-12, atol=1e-12)
    crow, cols, entry = layout
    for i in range(len(crow) - 1):  # columns increase within each row (as CSR products need)
        assert (cols[crow[i] : crow[i + 1]].diff() > 0).all()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize(("k", "reference"), [(3, "zero"), (4, "random"), (2, "random"), (3, "the input")])
def test_compiled_walk_gives_the_torch_walks_states_and_changes(k, reference, dtype):
    from genodash import compiled

    if not compiled.AVAILABLE:
        pytest.skip("numba is not installed")
    base, delta = (t.to(dtype) for t in _lines(3, k, 7, 40, reference, seed=k))
    base[0, :, 0, :5] = 0.25  # equal lines: exact ties
    delta[0, :, 0, :5] = 0.5
    alphas = torch.tensor(approximation_parameters("gausslegendre")[1](50), dtype=dtype)
    ours = path_conv._state_changes(base, delta, alphas)
    theirs = path_conv._state_changes_torch(base, delta, alphas)
    assert torch.equal(ours[0], theirs[0]) and torch.equal(ours[1], theirs[1])
    # the same changes; window by window instead of turn by turn
    order = torch.argsort(theirs[2][0], stable=True)
    for a, b in zip(ours[2], theirs[2], strict=True):
        assert torch.equal(a, b[order])
    assert ours[2][0].numel() > 0 or reference == "the input"
