"""Wide 1-D convolutions by FFT: the same values, fewer multiplications.

A convolution of ``C_in`` to ``C_out`` channels with a kernel of ``K`` taps costs
``C_in C_out K`` multiply-adds per output position directly. In the frequency domain
it is one ``C_in x C_out`` complex matrix product (4 real multiply-adds per entry)
for each of the ``n / 2 + 1`` frequencies of an FFT of length ``n`` (a little over
the length), about ``2 C_in C_out`` per position, plus the transforms. For Basset's
second convolution (300 -> 200 channels, 11 taps, 333 positions) that is about 5x
fewer; measured 1.6-2.9x faster on 2 CPU cores for 11 to 88 rows (the per-frequency
matrix products are thin). The values agree with ``conv1d`` to float32 rounding
(about 4e-7 of the output's scale).

DeepLIFT (:mod:`genodash.deeplift_engine`) uses it for the forward pass and the
input gradient of such convolutions. The kernel's spectrum (:class:`Spectrum`, about
50 ms and 80 MB for that layer) is kept per model layer and input length while the
layer lives and its weights are unchanged (:func:`spectrum_for`).
"""

from __future__ import annotations

import math
import threading
import weakref

import torch
from torch import nn

#: Smallest kernel for which the FFT route is taken.
MIN_TAPS = 7
#: Fewest weights ``C_in C_out K`` for which it is taken. Measured on 2 cores, 11 to
#: 88 rows, forward and input gradient: 300 x 200 x 11 (Basset's second convolution,
#: 333 positions) 1.6-2.9x faster, 200 x 200 x 7 (its third, 83 positions) 1.1-1.7x,
#: 128 x 128 x 7 (200 positions) 0.9-1.1x.
MIN_WEIGHTS = 250_000
#: Fewest rows per call for which it is taken: with fewer, the per-frequency matrix
#: products are too thin (Basset's second convolution: about 1.0x at 4 rows, 2x at 11).
MIN_ROWS = 8


def fast_length(n: int) -> int:
    """The smallest ``m >= n`` whose only prime factors are 2, 3 and 5 (a fast FFT size)."""
    m = n
    while True:
        r = m
        for p in (2, 3, 5):
            while r % p == 0:
                r //= p
        if r == 1:
            return m
        m += 1


def supports(layer: nn.Module) -> bool:
    """Whether ``layer`` is a convolution the FFT route computes, and wide enough to gain.

    A plain ``nn.Conv1d``: stride 1, no dilation, no groups, zero padding of at most
    ``K - 1``, at least :data:`MIN_TAPS` taps and :data:`MIN_WEIGHTS` weights.
    """
    if type(layer) is not nn.Conv1d:
        return False
    (K,), (stride,), (dilation,) = layer.kernel_size, layer.stride, layer.dilation
    padding = layer.padding
    if isinstance(padding, str) or layer.padding_mode != "zeros":
        return False
    return (
        stride == 1
        and dilation == 1
        and layer.groups == 1
        and 0 <= padding[0] <= K - 1
        and K >= MIN_TAPS
        and layer.in_channels * layer.out_channels * K >= MIN_WEIGHTS
    )


class Spectrum:
    """The kernel of one convolution in the frequency domain, for inputs of one length.

    Parameters
    ----------
    layer : torch.nn.Conv1d
        A layer for which :func:`supports` holds.
    length : int
        ``L``, the length of the inputs it will convolve.
    """

    def __init__(self, layer: nn.Conv1d, length: int) -> None:
        weight = layer.weight.detach()
        self.C_out, self.C_in, self.K = weight.shape
        self.padding = layer.padding[0]
        self.bias = None if layer.bias is None else layer.bias.detach()
        self.length = length
        self.out_length = length + 2 * self.padding - self.K + 1
        # no wrap-around for the forward pass (L + K - 1) or the input gradient (L_out + K - 1)
        self.n = fast_length(max(length, self.out_length) + self.K - 1)
        F = self.n // 2 + 1
        # DFT of the flipped kernel, as real matrix products over the K taps:
        # kernel[f, i, o] = sum_k weight[o, i, K - 1 - k] exp(-2 pi i f k / n)
        taps = torch.arange(self.K - 1, -1, -1, dtype=torch.float64)
        angle = (-2 * math.pi / self.n) * torch.outer(torch.arange(F, dtype=torch.float64), taps)  # (F, K)
        flat = weight.permute(2, 1, 0).reshape(self.K, -1)  # (K, C_in C_out)
        real = torch.cos(angle).to(weight.dtype) @ flat
        imag = torch.sin(angle).to(weight.dtype) @ flat
        #: ``(F, C_in, C_out)`` complex
        self.kernel = torch.complex(real, imag).reshape(F, self.C_in, self.C_out)

    def conv1d(self, x: torch.Tensor) -> torch.Tensor:
        """``nn.functional.conv1d`` of ``x`` ``(R, C_in, L)`` -> ``(R, C_out, L_out)``, bias added."""
        start = self.K - 1 - self.padding
        # one transposing copy (bmm would copy each frequency's matrix on its own)
        X = torch.fft.rfft(x, n=self.n).permute(2, 0, 1).contiguous()  # (F, R, C_in)
        Y = torch.bmm(X, self.kernel)  # (F, R, C_out)
        y = torch.fft.irfft(Y.permute(1, 2, 0), n=self.n)[..., start : start + self.out_length]
        if self.bias is not None:
            y = y + self.bias[:, None]
        return y.contiguous()

    def conv1d_input(self, g: torch.Tensor) -> torch.Tensor:
        """Input gradient (``torch.nn.grad.conv1d_input``) of ``g`` ``(R, C_out, L_out)`` -> ``(R, C_in, L)``.

        The adjoint of :meth:`conv1d`: a circular cross-correlation with the kernel,
        ``conj(kernel)`` per frequency, the output shifted back by the forward's offset.
        """
        shift = self.K - 1 - self.padding
        G = torch.fft.rfft(g, n=self.n).permute(2, 0, 1).contiguous()  # (F, R, C_out)
        # G conj(K)^T as conj(conj(G) K^T): the transposed kernel stays a view
        X = torch.bmm(G.conj(), self.kernel.transpose(1, 2)).conj()  # (F, R, C_in)
        c = torch.fft.irfft(X.permute(1, 2, 0), n=self.n)
        # input position j is c[(j - shift) mod n]
        if shift == 0:
            return c[..., : self.length].contiguous()
        if shift >= self.length:  # a short input with wide padding: all of it wraps
            return c[..., self.n - shift : self.n - shift + self.length].contiguous()
        return torch.cat([c[..., self.n - shift :], c[..., : self.length - shift]], dim=-1)


_SPECTRA: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_SPECTRA_LOCK = threading.Lock()


def spectrum_for(layer: nn.Conv1d, length: int, owner: nn.Module | None = None) -> Spectrum:
    """``Spectrum(layer, length)``, kept while ``owner`` lives and ``layer``'s values are unchanged.

    Parameters
    ----------
    layer : torch.nn.Conv1d
        The convolution as computed (e.g. a private copy with a batch norm folded in).
    length : int
    owner : torch.nn.Module, optional
        The model's own module that ``layer`` stands for (its key in the cache). Without
        one, nothing is kept.

    Returns
    -------
    Spectrum
    """
    if owner is None:
        return Spectrum(layer, length)
    weight = layer.weight.detach()
    bias = None if layer.bias is None else layer.bias.detach()
    with _SPECTRA_LOCK:
        kept = _SPECTRA.get(owner, {}).get(length)
    if kept is not None:
        kept_weight, kept_bias, spectrum = kept
        same_bias = (bias is None and kept_bias is None) or (
            bias is not None and kept_bias is not None and torch.equal(bias, kept_bias)
        )
        if same_bias and kept_weight.device == weight.device and torch.equal(weight, kept_weight):
            return spectrum
    spectrum = Spectrum(layer, length)
    with _SPECTRA_LOCK:
        kept_bias = None if bias is None else bias.clone()
        _SPECTRA.setdefault(owner, {})[length] = (weight.clone(), kept_bias, spectrum)
    return spectrum


__all__ = ["MIN_ROWS", "MIN_TAPS", "MIN_WEIGHTS", "Spectrum", "fast_length", "spectrum_for", "supports"]
