"""First-layer convolutions of the 4 one-hot channels as matrix products, on the CPU.

:class:`genodash.attribution_split.FirstLayerSplit` runs its first convolution (and
that convolution's transposed one, for input gradients) through these where oneDNN is
slow for so few input channels. Same values as ``conv1d`` / ``conv_transpose1d`` up to
float32 summation order.
"""

from __future__ import annotations

import torch
from torch import nn

#: Input positions per matrix product of :func:`unfolded_conv1d` (4 x 19 floats each:
#: about 5 MB of unfolded windows).
POSITIONS_PER_PRODUCT = 16_384


def unfolded_conv1d(
    x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, padding: int, dilation: int
) -> torch.Tensor:
    """A stride-1, zero-padded ``conv1d`` of few input channels, as matrix products.

    On the CPU, oneDNN runs the convolution of the 4 one-hot channels about 3x slower
    than one matrix product over the unfolded input windows (64 x 4 x 19 filters on
    44 x 200 nt: 3.9 ms against 0.9 ms on 2 cores); the values are the same up to
    float32 summation order. Rows go in chunks of about :data:`POSITIONS_PER_PRODUCT`
    positions, so the unfolded windows stay in cache.

    Parameters
    ----------
    x : torch.Tensor
        ``(R, C_in, L)``.
    weight : torch.Tensor
        ``(C, C_in, K)``.
    bias : torch.Tensor or None
        ``(C,)``.
    padding, dilation : int

    Returns
    -------
    torch.Tensor
        ``(R, C, L1)``, contiguous, ``L1 = L + 2 padding - dilation (K - 1)``.
    """
    R, C_in, L = x.shape
    C, _, K = weight.shape
    span = dilation * (K - 1) + 1
    L1 = L + 2 * padding - span + 1
    matrix = weight.reshape(C, C_in * K)
    out = torch.empty((R, C, L1), dtype=x.dtype, device=x.device)
    rows = max(1, POSITIONS_PER_PRODUCT // max(L1, 1))
    for i in range(0, R, rows):
        windows = nn.functional.pad(x[i : i + rows], (padding, padding)).unfold(2, span, 1)
        windows = windows[..., ::dilation]  # (r, C_in, L1, K)
        columns = windows.permute(0, 1, 3, 2).reshape(-1, C_in * K, L1)
        torch.matmul(matrix, columns, out=out[i : i + rows])
    if bias is not None:
        out += bias[:, None]
    return out


def unfolded_conv_transpose1d(
    g: torch.Tensor, weight: torch.Tensor, padding: int, dilation: int
) -> torch.Tensor:
    """``conv_transpose1d`` to few channels as one matrix product and a sum of shifted taps.

    On the CPU, oneDNN's transposed convolution to the 4 input channels is slow for
    wide or long first layers: 300 channels x 1,000 nt, 80 rows: 111-177 ms against
    27-45 ms this way (2 threads; the same on 128 or 200 channels, or 64 channels of
    1,000 nt). It is not slower for oct4-mafk's 64 x 200, which keeps oneDNN.

    Parameters
    ----------
    g : torch.Tensor
        ``(R, C, L1)``.
    weight : torch.Tensor
        ``(C, C_in, K)``.
    padding, dilation : int

    Returns
    -------
    torch.Tensor
        ``(R, C_in, L)``, ``L = L1 - 2 padding + dilation (K - 1)``.
    """
    C, C_in, K = weight.shape
    R, _, L1 = g.shape
    span = dilation * (K - 1)
    taps = torch.matmul(weight.reshape(C, C_in * K).T, g).view(R, C_in, K, L1)
    out = torch.zeros((R, C_in, L1 + span), dtype=g.dtype, device=g.device)
    for t in range(K):
        out[:, :, dilation * t : dilation * t + L1] += taps[:, :, t]
    return out[:, :, padding : L1 + span - padding]


__all__ = ["POSITIONS_PER_PRODUCT", "unfolded_conv1d", "unfolded_conv_transpose1d"]
