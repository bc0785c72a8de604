"""genodash.fft_conv: wide convolutions by FFT, against torch's own."""

import pytest
import torch
from torch import nn

from genodash import fft_conv

# in channels, out channels, kernel, padding, length, bias
SHAPES = [
    (12, 10, 11, 5, 40, True),  # "same" padding, as Basset's
    (8, 6, 7, 0, 30, False),  # no padding: shorter output
    (5, 7, 8, 7, 9, True),  # padding K - 1: longer output than input, input shorter than kernel
    (6, 4, 9, 2, 50, True),  # uneven padding
    (4, 5, 8, 3, 3, True),  # input shorter than the gradient's shift (K - 1 - padding)
    (4, 5, 8, 2, 5, False),  # input exactly that shift
]


def _layer(c_in, c_out, k, pad, bias, seed=0):
    torch.manual_seed(seed)
    return nn.Conv1d(c_in, c_out, k, padding=pad, bias=bias).requires_grad_(False)


@pytest.mark.parametrize(("c_in", "c_out", "k", "pad", "length", "bias"), SHAPES)
def test_forward_and_input_gradient_equal_torch(c_in, c_out, k, pad, length, bias):
    layer = _layer(c_in, c_out, k, pad, bias)
    spectrum = fft_conv.Spectrum(layer, length)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(3, c_in, length, generator=g)
    expected = layer(x)
    ours = spectrum.conv1d(x)
    assert ours.shape == expected.shape and ours.is_contiguous()
    torch.testing.assert_close(ours, expected, rtol=0, atol=2e-6 * float(expected.abs().max()))

    grad = torch.randn(expected.shape, generator=g)
    expected_in = torch.nn.grad.conv1d_input(x.shape, layer.weight, grad, 1, pad)
    ours_in = spectrum.conv1d_input(grad)
    assert ours_in.shape == x.shape
    torch.testing.assert_close(ours_in, expected_in, rtol=0, atol=2e-6 * float(expected_in.abs().max()))


def test_fft_size_is_smooth_and_long_enough():
    assert [fft_conv.fast_length(n) for n in (1, 7, 11, 343, 361)] == [1, 8, 12, 360, 375]
    layer = _layer(300, 200, 11, 5, True)
    spectrum = fft_conv.Spectrum(layer, 333)
    assert spectrum.n >= 333 + 10 and spectrum.kernel.shape == (spectrum.n // 2 + 1, 300, 200)


def test_only_wide_plain_convolutions_take_the_fft_route():
    assert fft_conv.supports(nn.Conv1d(300, 200, 11, padding=5))  # Basset's second
    assert fft_conv.supports(nn.Conv1d(200, 200, 7, padding=3))  # its third
    assert not fft_conv.supports(nn.Conv1d(128, 128, 7, padding=3))  # too few weights to gain
    assert not fft_conv.supports(nn.Conv1d(300, 200, 5, padding=2))  # too few taps
    assert not fft_conv.supports(nn.Conv1d(300, 200, 11, padding=5, stride=2))
    assert not fft_conv.supports(nn.Conv1d(300, 200, 11, padding=10, dilation=2))
    assert not fft_conv.supports(nn.Conv1d(300, 200, 11, padding=5, groups=2 * 2 * 5))
    assert not fft_conv.supports(nn.Conv1d(300, 200, 11, padding="same"))
    assert not fft_conv.supports(nn.Conv1d(300, 200, 11, padding=5, padding_mode="reflect"))
    assert not fft_conv.supports(nn.Conv1d(300, 200, 11, padding=11))  # more than K - 1
    assert not fft_conv.supports(nn.Linear(3, 3))


def test_spectra_are_kept_per_layer_and_length_until_the_weights_change():
    owner = _layer(6, 4, 9, 4, True)
    copy = _layer(6, 4, 9, 4, True)  # the same values, as a folded private copy would be
    first = fft_conv.spectrum_for(copy, 30, owner)
    assert fft_conv.spectrum_for(copy, 30, owner) is first
    assert fft_conv.spectrum_for(copy, 31, owner) is not first  # another length
    assert fft_conv.spectrum_for(copy, 30, None) is not first  # no owner: nothing kept
    with torch.no_grad():
        copy.weight[0, 0, 0] += 1.0
    changed = fft_conv.spectrum_for(copy, 30, owner)
    assert changed is not first
    x = torch.randn(2, 6, 30)
    torch.testing.assert_close(changed.conv1d(x), copy(x), rtol=0, atol=1e-5)
    with torch.no_grad():
        copy.bias[0] += 1.0
    assert fft_conv.spectrum_for(copy, 30, owner) is not changed


def test_kept_spectra_are_capped_least_recently_used_first_and_freed_with_their_model(monkeypatch):
    import gc

    owner = _layer(6, 4, 9, 4, True)
    one = fft_conv.Spectrum(owner, 30).nbytes
    monkeypatch.setattr(fft_conv, "_KEPT", fft_conv.OrderedDict())  # this test's own cache
    monkeypatch.setattr(fft_conv, "MAX_KEPT_BYTES", 2 * one)
    first = fft_conv.spectrum_for(owner, 30, owner)
    second = fft_conv.spectrum_for(owner, 31, owner)
    assert fft_conv.spectrum_for(owner, 30, owner) is first  # used again: now the most recent
    third = fft_conv.spectrum_for(owner, 32, owner)  # over the cap: the least recently used (31) goes
    assert fft_conv.kept_bytes() <= 2 * one
    assert fft_conv.spectrum_for(owner, 30, owner) is first
    assert fft_conv.spectrum_for(owner, 32, owner) is third
    assert fft_conv.spectrum_for(owner, 31, owner) is not second  # computed again
    del owner
    gc.collect()
    assert fft_conv.kept_bytes() == 0  # the model is gone: so are its spectra
