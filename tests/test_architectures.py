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
