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
layer lives and its weights are unchanged, up to :data:`MAX_KEPT_BYTES` in all (:func:`spectrum_for`).
"""

from __future__ import annotations

import math
import threading
import weakref
from collections import OrderedDict

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

    @property
    def nbytes(self) -> int:
        """Memory held by the spectrum (``F C_in C_out`` complex values)."""
        return self.kernel.numel() * self.kernel.element_size()

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


#: Most bytes of spectra kept at once, over every model in the process (a server holds one
#: copy of a user's model per browser session): the least recently used go first.
MAX_KEPT_BYTES = 512 * 2**20
#: (id of the owner, length) -> (weak reference to the owner, weight, bias, spectrum), oldest first
_KEPT: OrderedDict[tuple[int, int], tuple] = OrderedDict()
_KEPT_LOCK = threading.RLock()  # re-entrant: an owner's death may drop its entries while the lock is held


def spectrum_for(layer: nn.Conv1d, length: int, owner: nn.Module | None = None) -> Spectrum:
    """``Spectrum(layer, length)``, kept while ``owner`` lives and ``layer``'s values are unchanged.

    At most :data:`MAX_KEPT_BYTES` of spectra are kept in all (the least recently used
    are dropped, and computed again when needed: about 50 ms for Basset's second layer).

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
    key = (id(owner), length)
    with _KEPT_LOCK:
        kept = _KEPT.get(key)
        if kept is not None and kept[0]() is owner:
            _KEPT.move_to_end(key)
            _, kept_weight, kept_bias, spectrum = kept
            same_bias = (bias is None and kept_bias is None) or (
                bias is not None and kept_bias is not None and torch.equal(bias, kept_bias)
            )
            if same_bias and kept_weight.device == weight.device and torch.equal(weight, kept_weight):
                return spectrum
    spectrum = Spectrum(layer, length)
    kept_bias = None if bias is None else bias.clone()
    with _KEPT_LOCK:
        _KEPT[key] = (
            weakref.ref(owner, lambda _, key=key: _forget(key)),
            weight.clone(),
            kept_bias,
            spectrum,
        )
        _KEPT.move_to_end(key)
        total = sum(entry[3].nbytes for entry in _KEPT.values())
        while total > MAX_KEPT_BYTES and len(_KEPT) > 1:
            _, dropped = _KEPT.popitem(last=False)
            total -= dropped[3].nbytes
    return spectrum


def kept_bytes() -> int:
    """Bytes of the spectra kept now (at most :data:`MAX_KEPT_BYTES`, or one spectrum if larger)."""
    with _KEPT_LOCK:
        return sum(entry[3].nbytes for entry in _KEPT.values())


def _forget(key: tuple[int, int]) -> None:
    """Drop an entry whose owner died (called by its weak reference)."""
    with _KEPT_LOCK:
        _KEPT.pop(key, None)


__all__ = [
    "MAX_KEPT_BYTES",
    "MIN_ROWS",
    "MIN_TAPS",
    "MIN_WEIGHTS",
    "Spectrum",
    "fast_length",
    "kept_bytes",
    "spectrum_for",
    "supports",
]
