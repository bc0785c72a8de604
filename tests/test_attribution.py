from concurrent.futures import ThreadPoolExecutor

import pytest
import torch
from torch import nn

from genodash.attribution import METHODS, attribute, explain, make_references
from genodash.errors import InputError
from genodash.sequence import one_hot_encode


class Linear(nn.Module):
    """f(x) = sum(W * x) + 1 for one task: every method has a closed form."""

    def __init__(self, length=12):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        self.weight = nn.Parameter(torch.randn(4, length, generator=g), requires_grad=False)

    def forward(self, x):
        return (x * self.weight).sum(dim=(1, 2))[:, None] + 1.0


class SmallCNN(nn.Module):
    def __init__(self, exp=False, pool=True):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv1d(4, 8, 5, padding=2)
        self.act = Exp() if exp else nn.ReLU()
        self.pool = nn.MaxPool1d(2) if pool else nn.AvgPool1d(2)
        self.fc = nn.Linear(8 * 15, 2)

    def forward(self, x):
        return self.fc(self.pool(self.act(self.conv(x))).flatten(1))


class Exp(nn.Module):
    def forward(self, x):
        return torch.exp(x)


SEQS = ["ACGTACGTTGCA", "GGGTTTAAACCC"]


def test_registry_lists_every_method_and_rejects_unknown():
    assert set(METHODS) == {
        "saliency", "input_x_gradient", "integrated_gradients", "deeplift",
        "deep_lift_shap", "gradient_shap", "occlusion", "ism",
    }  # fmt: skip
    with pytest.raises(InputError, match="method 'lime' is unknown; choose one of: saliency"):
        attribute(Linear(), one_hot_encode(SEQS), method="lime")


@pytest.mark.parametrize("method", ["saliency", "input_x_gradient"])
def test_gradient_golden_values(method):
    model, X = Linear(), one_hot_encode(SEQS)
    torch.testing.assert_close(
        attribute(model, X, method=method, hypothetical=True), model.weight.expand(2, 4, 12)
    )
    torch.testing.assert_close(attribute(model, X, method=method), model.weight * X)


def test_gradient_correction_centres_the_gradient():
    model, X = Linear(), one_hot_encode(SEQS)
    corrected = attribute(model, X, method="saliency", hypothetical=True, gradient_correction=True)
    expected = model.weight - model.weight.mean(dim=0, keepdim=True)
    torch.testing.assert_close(corrected, expected.expand(2, 4, 12))


@pytest.mark.parametrize("method", ["integrated_gradients", "deeplift", "deep_lift_shap"])
@pytest.mark.parametrize("baseline", ["zeros", "uniform", "dinuc_shuffle"])
def test_reference_methods_on_a_linear_model(method, baseline):
    """For a linear model, hypothetical contributions are W_b - sum_c ref_c W_c (mean over refs)."""
    model, X = Linear(), one_hot_encode(SEQS)
    result = explain(model, X, method=method, baseline=baseline, n_baselines=4, seed=3)
    refs = make_references(X, baseline, 1 if method == "deeplift" else 4, 3)
    expected = (model.weight - (refs * model.weight).sum(dim=2, keepdim=True)).mean(dim=1)
    torch.testing.assert_close(result.hypothetical, expected, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(result.projected, expected * X, rtol=1e-5, atol=1e-5)
    assert result.completeness_gap.max() < 1e-4 and not result.warnings


def test_ism_golden_values():
    model, X = Linear(), one_hot_encode(SEQS)
    H = attribute(model, X, method="ism", hypothetical=True)
    observed = (model.weight * X).sum(dim=1, keepdim=True)
    torch.testing.assert_close(H, model.weight - observed)
    projected = attribute(model, X, method="ism")
    torch.testing.assert_close(projected, (H - H.mean(dim=1, keepdim=True)) * X)


def test_occlusion_is_the_drop_when_a_base_is_removed():
    model, X = Linear(), one_hot_encode(SEQS)
    values = attribute(model, X, method="occlusion")
    torch.testing.assert_close(values, model.weight * X)


def test_deeplift_completeness_is_checked_and_failures_named():
    X = one_hot_encode(["ACGTACGTTGCAACGTACGTTGCAACGTAC"])
    good = explain(SmallCNN(pool=False).eval(), X, method="deep_lift_shap", target=1, n_baselines=3)
    assert not good.warnings and good.completeness_gap.max() < 1e-4
    # Captum's max-pool rule does not give completeness here (ATTRIBUTION_NOTES.md): say so
    pooled = explain(SmallCNN().eval(), X, method="deep_lift_shap", target=1, n_baselines=3)
    assert pooled.completeness_gap.max() > 1e-3
    assert any("Completeness check failed" in w and "max-pool" in w for w in pooled.warnings)
    # the gap is the largest over the references, the output change their mean: said so
    assert any("on average over its 3 references" in w for w in pooled.warnings)
    bad = explain(SmallCNN(exp=True).eval(), X, method="deeplift", target=1)
    assert any("no rule for these layers" in w and "act (Exp)" in w for w in bad.warnings)


def test_shapes_cpu_inputs_and_model_unchanged():
    model = SmallCNN().eval()
    X = one_hot_encode(["ACGTACGTTGCAACGTACGTTGCAACGTAC", "TTTTACGTTGCAACGTACGTTGCAACGGGG"])
    before_X = X.clone()
    before_state = {k: v.clone() for k, v in model.state_dict().items()}
    for method in METHODS:
        out = attribute(model, X, method=method, target=0, n_baselines=2, n_steps=8, n_samples=4)
        assert out.shape == X.shape and out.device.type == "cpu", method
    assert torch.equal(X, before_X)
    for key, value in model.state_dict().items():
        assert torch.equal(value, before_state[key])
    assert all(not m._forward_hooks and not m._backward_hooks for m in model.modules())


def test_batch_of_one_equals_batch_of_n():
    model = SmallCNN().eval()
    X = one_hot_encode(["ACGTACGTTGCAACGTACGTTGCAACGTAC", "TTTTACGTTGCAACGTACGTTGCAACGGGG"])
    for method in ("saliency", "integrated_gradients", "ism"):
        together = attribute(model, X, method=method, baseline="zeros", n_steps=16)
        single = attribute(model, X[1:], method=method, baseline="zeros", n_steps=16)
        torch.testing.assert_close(together[1:], single, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("method", ["integrated_gradients", "deep_lift_shap", "gradient_shap"])
def test_random_references_depend_only_on_the_sequence_and_seed(method):
    """A sequence's shuffles and samples are the same alone, in a set, in any order or batch size."""
    model = SmallCNN().eval()
    X = one_hot_encode(
        ["ACGTACGTTGCAACGTACGTTGCAACGTAC", "TTTTACGTTGCAACGTACGTTGCAACGGGG", "GGGTACCATGCAACGTTTCTTGCAACGTAA"]
    )
    kw = dict(method=method, target=1, n_baselines=4, n_steps=8, n_samples=6, seed=3)
    together = attribute(model, X, batch_size=3, **kw)
    torch.testing.assert_close(attribute(model, X[2:], **kw)[0], together[2], rtol=1e-4, atol=1e-6)
    reordered = attribute(model, X.flip(0), batch_size=1, **kw)
    torch.testing.assert_close(reordered.flip(0), together, rtol=1e-4, atol=1e-6)
    other_seed = attribute(model, X, **{**kw, "seed": 4})
    assert not torch.allclose(other_seed, together)
    refs = make_references(X, "dinuc_shuffle", 4, 3)
    torch.testing.assert_close(make_references(X[1:2], "dinuc_shuffle", 4, 3)[0], refs[1])


def test_targets_by_name_and_profile_window():
    model, X = SmallCNN().eval(), one_hot_encode(["ACGTACGTTGCAACGTACGTTGCAACGTAC"])
    by_name = attribute(model, X, method="saliency", target="b", tasks=["a", "b"])
    torch.testing.assert_close(by_name, attribute(model, X, method="saliency", target=1))
    with pytest.raises(InputError, match="target 'c' is not a task; tasks: a, b"):
        attribute(model, X, method="saliency", target="c", tasks=["a", "b"])

    class Profile(nn.Module):
        def forward(self, x):
            return torch.stack([x[:, 0], x[:, 3]], dim=1) * 2.0  # (N, 2, L)

    window = attribute(Profile(), X, method="saliency", target=1, window=(3, 5), hypothetical=True)
    expected = torch.zeros_like(X)
    expected[:, 3, 3:5] = 2.0
    torch.testing.assert_close(window, expected)


def test_concurrent_deeplift_on_one_shared_model():
    model = SmallCNN().eval()
    X = one_hot_encode(["ACGTACGTTGCAACGTACGTTGCAACGTAC"] * 3)
    expected = attribute(model, X, method="deep_lift_shap", n_baselines=3)
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(lambda _: attribute(model, X, method="deep_lift_shap", n_baselines=3), range(12))
        )
    for result in results:
        torch.testing.assert_close(result, expected)


def test_references():
    X = one_hot_encode(SEQS)
    shuffled = make_references(X, "dinuc_shuffle", 3, 0)
    assert shuffled.shape == (2, 3, 4, 12)
    assert torch.equal(shuffled.sum(dim=(2, 3)), torch.full((2, 3), 12.0))
    with pytest.raises(InputError, match="baseline 'noise' is unknown"):
        make_references(X, "noise", 1, 0)


# --- the exact first-layer shortcuts (attribution_split.py) against Captum ---


def _random_one_hot(n, length, seed=0):
    g = torch.Generator().manual_seed(seed)
    return nn.functional.one_hot(torch.randint(0, 4, (n, length), generator=g), 4).permute(0, 2, 1).float()


def _frozen(model):
    torch.manual_seed(0)
    for module in model.modules():
        if isinstance(module, nn.BatchNorm1d):
            module.running_mean.normal_(0, 0.2)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.normal_(0, 0.1)
    return model.eval()


def _split_models():
    from genodash.architectures import Basset, ConvPoolCNN, DeepSEA, DeepSTARR, KooCNN

    return {
        "basset": (Basset(3, input_length=150, filters=(16, 12, 8), hidden=16), 150),
        "deepstarr": (DeepSTARR(2, input_length=120, filters=(16, 8, 8, 8), hidden=16), 120),
        "deepsea": (DeepSEA(2, input_length=120, filters=(8, 8, 8), kernel_size=5, hidden=8), 120),
        "koo_exp": (KooCNN(2, input_length=200), 200),  # Exp: DeepLIFT stays on Captum
        "conv_pool": (ConvPoolCNN(2, filters=8, filters2=8, hidden=8), 120),  # global max-pool head
        "no_split": (SmallCNN(), 30),  # no ism_split: Captum throughout
    }


# names only: building the models at collection would move the global RNG under other test modules
@pytest.mark.parametrize("name", ["basset", "deepstarr", "deepsea", "koo_exp", "conv_pool", "no_split"])
@pytest.mark.parametrize(
    "method", ["saliency", "integrated_gradients", "deeplift", "deep_lift_shap", "gradient_shap"]
)
def test_fast_path_equals_captum(name, method):
    model, length = _split_models()[name]
    model = _frozen(model)
    X = _random_one_hot(3, length, seed=1)
    X[0, :, 5] = 0  # an N
    before_X, before_state = X.clone(), {k: v.clone() for k, v in model.state_dict().items()}
    for baseline in ("zeros", "dinuc_shuffle"):
        for correction in (False, True):
            kw = dict(
                method=method, target=1, baseline=baseline, n_baselines=3, n_steps=10, n_samples=4,
                gradient_correction=correction,
            )  # fmt: skip
            fast, slow = explain(model, X, **kw), explain(model, X, fast=False, **kw)
            for kind in ("hypothetical", "projected"):
                a, b = getattr(fast, kind), getattr(slow, kind)
                assert a.device.type == "cpu" and a.shape == X.shape
                scale = b.abs().max()
                torch.testing.assert_close(a / scale, b / scale, rtol=0, atol=1e-5)
            if slow.completeness_gap is not None:
                torch.testing.assert_close(fast.output_change, slow.output_change, rtol=1e-5, atol=1e-5)
                torch.testing.assert_close(fast.completeness_gap, slow.completeness_gap, rtol=1e-3, atol=1e-4)
    assert torch.equal(X, before_X)
    for key, value in model.state_dict().items():
        assert torch.equal(value, before_state[key])
    assert all(not m._forward_hooks and not m._backward_hooks for m in model.modules())


@pytest.mark.parametrize("name", ["basset", "deepstarr", "deepsea", "conv_pool"])
def test_fast_deeplift_with_every_convolution_by_fft_equals_captum(name, monkeypatch):
    """The FFT route (genodash.fft_conv) on for any convolution after the first: Captum's values."""
    from genodash import fft_conv

    monkeypatch.setattr(fft_conv, "MIN_TAPS", 1)
    monkeypatch.setattr(fft_conv, "MIN_WEIGHTS", 0)
    monkeypatch.setattr(fft_conv, "MIN_ROWS", 1)
    used = []
    forward = fft_conv.Spectrum.conv1d
    monkeypatch.setattr(fft_conv.Spectrum, "conv1d", lambda self, x: used.append(x.shape) or forward(self, x))
    model, length = _split_models()[name]
    model = _frozen(model)
    X = _random_one_hot(3, length, seed=1)
    for method in ("deeplift", "deep_lift_shap"):
        kw = dict(method=method, target=1, baseline="dinuc_shuffle", n_baselines=3)
        fast, slow = explain(model, X, **kw), explain(model, X, fast=False, **kw)
        scale = slow.hypothetical.abs().max()
        torch.testing.assert_close(fast.hypothetical / scale, slow.hypothetical / scale, rtol=0, atol=1e-5)
        torch.testing.assert_close(fast.completeness_gap, slow.completeness_gap, rtol=1e-3, atol=1e-4)
    assert used


def test_split_is_found_only_where_it_applies():
    from genodash.architectures import Basset, KooCNN
    from genodash.attribution_split import first_layer_split
    from genodash.deeplift_engine import deeplift_supported
    from genodash.targets import TargetOutput

    basset = first_layer_split(TargetOutput(_frozen(Basset(2, input_length=60, filters=(4, 4, 4))), 0))
    assert basset is not None and deeplift_supported(basset)
    koo = first_layer_split(TargetOutput(_frozen(KooCNN(2, input_length=200)), 0))
    assert koo is not None and not deeplift_supported(koo)
    assert first_layer_split(TargetOutput(SmallCNN().eval(), 0)) is None
    assert first_layer_split(TargetOutput(Basset(2, input_length=60, filters=(4, 4, 4)).train(), 0)) is None


def test_concurrent_fast_path_on_one_shared_model():
    from genodash.architectures import Basset

    model = _frozen(Basset(2, input_length=80, filters=(8, 6, 4), hidden=8))
    X = _random_one_hot(2, 80)
    for method in ("integrated_gradients", "deep_lift_shap"):
        expected = attribute(model, X, method=method, n_baselines=3, n_steps=8)
        with ThreadPoolExecutor(4) as pool:
            results = list(
                pool.map(
                    lambda _, m=method: attribute(model, X, method=m, n_baselines=3, n_steps=8), range(8)
                )
            )
        for result in results:
            torch.testing.assert_close(result, expected)


def test_concurrent_deeplift_with_fft_convolutions_on_one_shared_model(monkeypatch):
    """Threads sharing one model, and so its kept kernel spectra (genodash.fft_conv): the same values."""
    from genodash import fft_conv
    from genodash.architectures import Basset

    monkeypatch.setattr(fft_conv, "MIN_TAPS", 1)
    monkeypatch.setattr(fft_conv, "MIN_WEIGHTS", 0)
    monkeypatch.setattr(fft_conv, "MIN_ROWS", 1)
    model = _frozen(Basset(2, input_length=80, filters=(8, 6, 4), hidden=8))
    X = _random_one_hot(2, 80)
    expected = attribute(model, X, method="deep_lift_shap", n_baselines=3, fast=False)
    with ThreadPoolExecutor(4) as pool:
        run = lambda _: attribute(model, X, method="deep_lift_shap", n_baselines=3)  # noqa: E731
        results = list(pool.map(run, range(8)))
    for result in results:
        torch.testing.assert_close(result, expected, rtol=0, atol=1e-5 * float(expected.abs().max()))


def test_fast_deeplift_is_the_same_however_the_pairs_are_grouped():
    """One sequence with its references per call, or several: the same multipliers and checks."""
    from genodash.architectures import Basset

    model = _frozen(Basset(3, input_length=150, filters=(16, 12, 8), hidden=16))
    X = _random_one_hot(4, 150, seed=3)
    kw = dict(method="deep_lift_shap", target=2, n_baselines=3)
    one = explain(model, X, pairs_per_call=1, **kw)
    for pairs in (6, 9, 1000):
        grouped = explain(model, X, pairs_per_call=pairs, **kw)
        torch.testing.assert_close(grouped.hypothetical, one.hypothetical, rtol=1e-5, atol=1e-7)
        torch.testing.assert_close(grouped.completeness_gap, one.completeness_gap, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("rows_per_call", [3, 10, 25, 40, None])
def test_fast_integrated_gradients_is_the_same_however_the_path_points_are_grouped(rows_per_call):
    """Parts of one path per call, whole paths of several pairs per call: same values."""
    from genodash.architectures import Basset
    from genodash.attribution_split import first_layer_split
    from genodash.targets import TargetOutput

    model = _frozen(Basset(3, input_length=150, filters=(16, 12, 8), hidden=16))
    split = first_layer_split(TargetOutput(model, 1).eval())
    X = _random_one_hot(3, 150, seed=2)
    refs = make_references(X, "dinuc_shuffle", 2, 0)
    grouped = split.integrated_gradients(X, refs, n_steps=10, rows_per_call=rows_per_call)
    one_step = split.integrated_gradients(X, refs, n_steps=10, rows_per_call=1)
    for a, b in zip(grouped, one_step, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["basset", "deepstarr", "deepsea", "koo_exp", "conv_pool", "no_split"])
def test_occlusion_equals_captum(name):
    """One-position occlusion through windowed recomputation, wider windows batched: Captum's values."""
    from captum.attr import Occlusion

    from genodash.targets import TargetOutput

    torch.manual_seed(1)  # fixed weights: a max-pool near-tie can round either way once BN is folded
    model, length = _split_models()[name]
    model = _frozen(model)
    X = _random_one_hot(2, length, seed=3)
    X[1, :, 7] = 0  # an N: occluding it changes nothing
    before = X.clone()
    with torch.no_grad():
        output_scale = float(TargetOutput(model, 1)(X).abs().max())
    for width in (1, 3):
        captum = (
            Occlusion(TargetOutput(model, 1)).attribute(
                X,
                sliding_window_shapes=(4, width),
                strides=(4, 1),
                baselines=0.0,
                target=0,
                perturbations_per_eval=64,
            )[:, :1]
            * X
        )
        # differences of outputs: float32 rounding is relative to the outputs themselves
        tolerance = 1e-5 * (float(captum.abs().max()) + output_scale)
        for fast in (True, False):
            ours = attribute(model, X, method="occlusion", target=1, occlusion_width=width, fast=fast)
            torch.testing.assert_close(ours, captum, rtol=0, atol=tolerance)
    assert torch.equal(X, before)
    assert ours[1, :, 7].abs().sum() == 0


def test_integrated_gradients_pool_routing_keeps_the_first_maximum_on_ties():
    """The scatter-add past the first max pool routes each window's gradient as autograd does."""
    from genodash.architectures import Basset
    from genodash.attribution_split import first_layer_split
    from genodash.targets import TargetOutput

    model = _frozen(Basset(3, input_length=150, filters=(16, 12, 8), hidden=16))
    split = first_layer_split(TargetOutput(model, 1).eval())
    pool = split.grad_rest[0]
    assert type(pool) is nn.MaxPool1d
    C, L1 = split.conv(torch.zeros(1, 4, 150)).shape[1:]
    k = pool.kernel_size if isinstance(pool.kernel_size, int) else pool.kernel_size[0]
    L1 += k - 1  # positions past the last whole window get no gradient
    g = torch.Generator().manual_seed(3)
    P, S = 2, 3
    # path points base + a * delta on a half-integer grid: many tied maxima, positive too
    base = torch.randint(-2, 3, (P, C, L1), generator=g).float()
    delta = torch.randint(-2, 3, (P, C, L1), generator=g).float()
    alphas = torch.tensor([0.0, 0.5, 1.0])
    z = torch.addcmul(base[:, None], alphas[:, None, None], delta[:, None]).flatten(0, 1)
    assert ((z[..., : k * (L1 // k)].unflatten(-1, (-1, k)) == 2).sum(-1) > 1).any()
    weights = torch.rand(S, generator=g)
    total = torch.zeros(P, C, L1)
    split._accumulate(base, delta, alphas, weights, total)
    expected = split._grad(z, weights.repeat(P)).reshape(P, S, C, L1).sum(dim=1)
    torch.testing.assert_close(total, expected, rtol=1e-6, atol=1e-7)
    assert (total != 0).any()
    # without a path: the gradient at the points themselves (saliency), ties included
    one = torch.ones(1)
    total = torch.zeros(P, C, L1)
    split._accumulate(base, None, one, one, total)
    torch.testing.assert_close(total, split._grad(base), rtol=1e-6, atol=1e-7)
    assert (total != 0).any()


@pytest.mark.parametrize(
    ("length", "kernel", "padding", "dilation"), [(200, 19, 9, 1), (57, 7, 3, 2), (30, 5, 0, 1)]
)
def test_unfolded_first_layer_convolution_equals_conv1d(length, kernel, padding, dilation, monkeypatch):
    """Matrix products over unfolded windows give conv1d's values, in chunks of any size."""
    from genodash import unfolded_conv
    from genodash.unfolded_conv import unfolded_conv1d

    g = torch.Generator().manual_seed(0)
    x = torch.randn(7, 4, length, generator=g)
    weight, bias = torch.randn(16, 4, kernel, generator=g), torch.randn(16, generator=g)
    expected = nn.functional.conv1d(x, weight, bias, padding=padding, dilation=dilation)
    for positions in (unfolded_conv.POSITIONS_PER_PRODUCT, 2 * length, 1):  # 1: one row per product
        monkeypatch.setattr(unfolded_conv, "POSITIONS_PER_PRODUCT", positions)
        out = unfolded_conv1d(x, weight, bias, padding, dilation)
        torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)
        assert out.is_contiguous()
    torch.testing.assert_close(unfolded_conv1d(x, weight, None, padding, dilation), expected - bias[:, None])


@pytest.mark.parametrize(
    ("length", "kernel", "padding", "dilation"),
    [(200, 19, 9, 1), (57, 7, 3, 2), (30, 5, 0, 1), (40, 4, 1, 1)],
)
def test_unfolded_first_layer_transpose_equals_conv_transpose1d(length, kernel, padding, dilation):
    """A matrix product and shifted tap sums give conv_transpose1d's values (first layer's input gradient)."""
    from genodash.unfolded_conv import unfolded_conv_transpose1d

    g = torch.Generator().manual_seed(0)
    weight = torch.randn(16, 4, kernel, generator=g)
    out_length = length + 2 * padding - dilation * (kernel - 1)
    grad = torch.randn(7, 16, out_length, generator=g)
    expected = nn.functional.conv_transpose1d(grad, weight, padding=padding, dilation=dilation)
    out = unfolded_conv_transpose1d(grad, weight, padding, dilation)
    assert out.shape == (7, 4, length)
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)


def test_off_simplex_angle_of_known_multipliers():
    """0 deg on the simplex, 90 deg along (1, 1, 1, 1), 30 deg for one base's unit gradient."""
    from genodash.attribution import off_simplex_angle

    on = torch.tensor([1.0, -1.0, 2.0, -2.0])[None, None, :, None].expand(1, 2, 4, 5)
    along = torch.ones(1, 1, 4, 3)
    one_base = torch.tensor([1.0, 0.0, 0.0, 0.0])[None, None, :, None].expand(1, 1, 4, 7)
    angles = [off_simplex_angle(m) for m in (on, along, one_base, torch.zeros(1, 1, 4, 2))]
    torch.testing.assert_close(torch.cat(angles), torch.tensor([0.0, 90.0, 30.0, 0.0]), atol=1e-4, rtol=0)


@pytest.mark.parametrize("rows", [1, 7, 64])
def test_integrated_gradients_by_points_equals_captum_and_reports_progress(rows):
    """The path without a fast path: Captum's own IG, in calls of ``rows`` points with progress."""
    from captum.attr import IntegratedGradients

    from genodash.attribution import integrated_gradients_by_points
    from genodash.targets import TargetOutput

    model, length = _split_models()["no_split"]
    wrapper = TargetOutput(_frozen(model), 1).eval()
    X = _random_one_hot(3, length, seed=2)
    refs = make_references(X, "dinuc_shuffle", 2, 0).reshape(6, 4, length)
    inputs = X.repeat_interleave(2, dim=0)
    fractions = []
    ours = integrated_gradients_by_points(wrapper, inputs, refs, 12, rows=rows, progress=fractions.append)
    captum = IntegratedGradients(wrapper, multiply_by_inputs=False).attribute(
        inputs, baselines=refs, target=0, n_steps=12
    )
    scale = captum.abs().max()
    torch.testing.assert_close(ours / scale, captum / scale, rtol=0, atol=1e-6)
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) == -(-72 // rows)


def test_explain_reports_part_of_a_sequence_without_a_fast_path():
    model, length = _split_models()["no_split"]
    reports = []
    explain(
        _frozen(model), _random_one_hot(2, length, seed=3), method="integrated_gradients", target=0,
        baseline="zeros", n_steps=40, internal_batch_size=8, progress=lambda d, t: reports.append((d, t)),
    )  # fmt: skip
    done = [d for d, _ in reports]
    assert done == sorted(done) and done[-1] == 2 and any(0 < d < 1 for d in done)
