import pytest
import torch

from genodash.architectures import Basset, ConvPoolCNN
from genodash.errors import InputError
from genodash.ism import saturation_mutagenesis
from genodash.sequence import one_hot_encode
from genodash.targets import TargetOutput


def random_one_hot(n, length, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (
        torch.nn.functional.one_hot(torch.randint(0, 4, (n, length), generator=g), 4).permute(0, 2, 1).float()
    )


def frozen(model):
    torch.manual_seed(0)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm1d):
            module.running_mean.normal_(0, 0.2)
            module.running_var.uniform_(0.5, 2.0)
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model.eval()


@pytest.mark.parametrize(
    ("model", "length"),
    [
        (lambda: ConvPoolCNN(n_tasks=2, filters=8, filters2=8, hidden=8), 120),
        (lambda: Basset(n_tasks=3, input_length=150, filters=(16, 12, 8), hidden=16), 150),
        # even kernels and uneven pools: windows hit every alignment and both edges
        (
            lambda: Basset(
                1, input_length=97, filters=(6, 5, 4), kernel_sizes=(5, 4, 3), pools=(2, 3, 2), hidden=8
            ),
            97,
        ),
    ],
)
def test_fast_equals_full_model_ism(model, length):
    # weights from a fixed seed, not from whatever state the random generator has when
    # pytest collects: a rare near-tie in a max pool can flip under BN folding's rounding
    torch.manual_seed(1)
    model = frozen(model())
    X = random_one_hot(2, length)
    X[0, :, 4] = 0  # an N: all four bases are tried there
    wrapper = TargetOutput(model, 0)
    fast = saturation_mutagenesis(wrapper, X, batch_size=37)
    full = saturation_mutagenesis(wrapper, X, fast=False, batch_size=37)
    # float32 rounding of outputs near 1: absolute agreement to 1e-6
    torch.testing.assert_close(fast, full, rtol=1e-5, atol=1e-6)
    # identity substitutions are zero, the N column is not
    assert torch.all(fast[X.bool()] == 0)
    assert torch.count_nonzero(fast[0, :, 4]) == 4


def test_matches_explicit_mutants():
    model = frozen(ConvPoolCNN(n_tasks=1, filters=4, filters2=4, hidden=4))
    seq = "ACGTTGCAACGTACGGTACCATGACGTAGCTAGCTAGCATCGATCGATGCA"
    effects = saturation_mutagenesis(TargetOutput(model, 0), one_hot_encode(seq))
    with torch.inference_mode():
        ref = model(one_hot_encode(seq))[0, 0]
        mutant = seq[:10] + "G" + seq[11:]
        expected = model(one_hot_encode(mutant))[0, 0] - ref
    assert effects[0, 2, 10] == pytest.approx(float(expected), abs=1e-5)


def test_model_and_input_unchanged_and_bad_shape():
    model = frozen(ConvPoolCNN(n_tasks=1, filters=4, filters2=4, hidden=4))
    X = random_one_hot(1, 60)
    before = X.clone()
    saturation_mutagenesis(TargetOutput(model, 0), X)
    assert torch.equal(X, before) and not model.training
    with pytest.raises(InputError, match=r"shape \(N, 4, L\)"):
        saturation_mutagenesis(model, torch.zeros(4, 60))


def test_full_model_passes_are_bounded_by_input_size(monkeypatch):
    """Without a windowed path a pass holds about FULL_PASS_ELEMENTS input values, whatever the batch size."""
    import genodash.ism as ism

    model = frozen(ConvPoolCNN(n_tasks=1, filters=4, filters2=4, hidden=4))
    wrapper = TargetOutput(model, 0)
    X = random_one_hot(1, 60)
    rows = []
    forward = wrapper.forward

    def counting(x):
        rows.append(x.shape[0])
        return forward(x)

    monkeypatch.setattr(wrapper, "forward", counting)
    monkeypatch.setattr(ism, "FULL_PASS_ELEMENTS", 4 * 60 * 7)
    bounded = ism.occlusion(wrapper, X, batch_size=1024, fast=False)
    assert max(rows) == 7
    monkeypatch.setattr(ism, "FULL_PASS_ELEMENTS", 10**9)
    torch.testing.assert_close(ism.occlusion(wrapper, X, batch_size=1024, fast=False), bounded)
