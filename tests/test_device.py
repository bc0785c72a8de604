import pytest
import torch

from genodash.device import available_devices, choose_device
from genodash.errors import InputError


def test_auto_picks_best_available(monkeypatch):
    monkeypatch.delenv("GENODASH_DEVICE", raising=False)
    assert choose_device().type == available_devices()[0]
    assert choose_device("auto") == choose_device(None)
    assert available_devices()[-1] == "cpu"


def test_environment_override(monkeypatch):
    monkeypatch.setenv("GENODASH_DEVICE", "cpu")
    assert choose_device() == torch.device("cpu")


def test_explicit_and_unavailable_devices(monkeypatch):
    assert choose_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(InputError, match="'cuda' is not available on this machine; available: .*cpu"):
        choose_device("cuda")
    with pytest.raises(InputError, match="not a device name"):
        choose_device("gpu please")


def test_cuda_is_chosen_when_present(monkeypatch):
    monkeypatch.delenv("GENODASH_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert choose_device().type == "cuda"
