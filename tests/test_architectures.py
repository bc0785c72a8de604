import pytest
import torch

from genodash.architectures import ARCHITECTURES, ConvPoolCNN, build_architecture
from genodash.errors import ModelError


def test_registry_builds_and_shapes():
    model = build_architecture("conv_pool_cnn", {"n_tasks": 3, "filters": 8, "filters2": 8, "hidden": 4})
    assert isinstance(model, ConvPoolCNN)
    assert model.eval()(torch.zeros(2, 4, 150)).shape == (2, 3)


def test_unknown_architecture_lists_valid_names():
    with pytest.raises(
        ModelError, match="not on the allow-list; choose one of: " + ", ".join(sorted(ARCHITECTURES))
    ):
        build_architecture("resnet_from_the_internet", {})


def test_bad_hyperparameters_are_named():
    with pytest.raises(ModelError, match="bad hyper-parameters for architecture 'conv_pool_cnn'"):
        build_architecture("conv_pool_cnn", {"n_tasks": 1, "wings": 2})


@pytest.mark.parametrize(
    ("name", "hyper", "length", "shape"),
    [
        ("deepstarr", {"input_length": 249, "filters": (16, 8, 8, 12), "hidden": 16}, 249, (2, 2)),
        ("deepsea", {"input_length": 300, "filters": (8, 8, 8), "hidden": 8}, 300, (2, 2)),
        ("bpnet", {"filters": 8, "n_dilated": 3, "flank": 10}, 200, (2, 2, 180)),
        ("koo_cnn", {"input_length": 200}, 200, (2, 2)),
        ("basset", {"input_length": 300, "filters": (8, 8, 8), "hidden": 8}, 300, (2, 2)),
    ],
)
def test_allow_listed_architectures_and_fast_ism(name, hyper, length, shape):
    from genodash.ism import saturation_mutagenesis
    from genodash.targets import TargetOutput

    torch.manual_seed(0)
    model = build_architecture(name, {"n_tasks": 2, **hyper}).eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    X = torch.nn.functional.one_hot(torch.randint(0, 4, (2, length)), 4).permute(0, 2, 1).float()
    assert model(X).shape == shape
    wrapper = TargetOutput(model, 1)
    fast = saturation_mutagenesis(wrapper, X[:1])
    full = saturation_mutagenesis(wrapper, X[:1], fast=False)
    torch.testing.assert_close(fast, full, rtol=1e-5, atol=1e-5)


def test_bpnet_output_is_log_expected_counts():
    torch.manual_seed(0)
    model = build_architecture("bpnet", {"n_tasks": 1, "filters": 4, "n_dilated": 2}).eval()
    X = torch.nn.functional.one_hot(torch.randint(0, 4, (1, 50)), 4).permute(0, 2, 1).float()
    with torch.no_grad():
        out = model(X)
        h = model.relu(model.first(X))
        for conv in model.dilated:
            h = h + model.relu(conv(h))
        total = model.counts(h.mean(dim=-1))
    torch.testing.assert_close(torch.logsumexp(out, dim=-1), total)
