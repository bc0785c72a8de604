"""Gradients through a ReLU and a global max pool, as the few entries they reach.

A head that starts with a global max pool (:class:`~genodash.architectures.GlobalMaxPool`)
passes each channel's gradient only to that channel's maxima (autograd's ``amax``
backward splits it evenly among tied maxima), and a ReLU before the pool passes
nothing where its input is not positive. So the gradient at the last convolution's
output has about one entry per row and channel out of ``L``, and that convolution's
input gradient is a sparse transposed convolution (:mod:`genodash.sparse_taps`)
instead of a dense one: on oct4-mafk (64 x 64 x 7 on 50 positions) about 28 thousand
multiply-adds per row instead of 1.4 million.

Same values as autograd up to float32 summation order.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from genodash.sparse_taps import tap_rows, tap_sum


@dataclass(frozen=True)
class MaxEntries:
    """The nonzero entries of a gradient at a convolution's output ``(R, F, L)``.

    Attributes
    ----------
    row, channel, position : torch.Tensor
        ``(E,)`` int64, sorted by row, then position, then channel.
    value : torch.Tensor
        ``(E,)``: the gradient there.
    shape : tuple of int
        ``(R, F, L)``.
    """

    row: torch.Tensor
    channel: torch.Tensor
    position: torch.Tensor
    value: torch.Tensor
    shape: tuple[int, int, int]

    def dense(self) -> torch.Tensor:
        """The gradient as a dense ``(R, F, L)`` tensor."""
        out = torch.zeros(self.shape, dtype=self.value.dtype, device=self.value.device)
        out[self.row, self.channel, self.position] = self.value
        return out


def max_pool_entries(z: torch.Tensor, relu: bool, grad: torch.Tensor) -> MaxEntries:
    """Gradient at ``z`` of ``amax(relu(z))`` (or ``amax(z)``), given the gradient at the maxima.

    Parameters
    ----------
    z : torch.Tensor
        ``(R, F, L)``: the input of the ReLU (or of the pool, without one).
    relu : bool
        Whether a ReLU sits between ``z`` and the pool.
    grad : torch.Tensor
        ``(R, F)``: gradient at the pool's output.

    Returns
    -------
    MaxEntries
        As autograd: ``grad / count`` at each of a channel's ``count`` tied maxima; with
        the ReLU, nothing for a channel whose maximum is not positive (the ReLU's
        gradient is zero wherever its input is not positive).
    """
    a = z.clamp_min(0) if relu else z
    maxima = a.amax(dim=-1, keepdim=True)
    tied = a == maxima
    if relu:
        tied &= maxima > 0
    share = grad / tied.sum(dim=-1).clamp_min(1)  # (R, F)
    row, position, channel = tied.transpose(1, 2).nonzero(as_tuple=True)
    return MaxEntries(row, channel, position, share[row, channel], tuple(z.shape))


def conv_input_grad(conv: nn.Conv1d, entries: MaxEntries, input_length: int) -> torch.Tensor:
    """Input gradient of a stride-1 ``conv`` from sparse output-gradient entries.

    Parameters
    ----------
    conv : torch.nn.Conv1d
        Stride 1, no groups, zero padding given as a number (see :func:`supported`).
    entries : MaxEntries
        The gradient at the convolution's output ``(R, F, L_out)``.
    input_length : int
        ``L_in``.

    Returns
    -------
    torch.Tensor
        ``(R, C, L_in)``: what ``torch.nn.grad.conv1d_input`` gives for the dense gradient.

    Notes
    -----
    An entry ``v`` at output ``(f, o)`` adds ``v W[f, :, t]`` at input position
    ``o + dilation t - padding`` for every tap ``t``: a weighted sum of rows of ``W``
    per input position (``embedding_bag``), positions outside ``[0, L_in)`` dropped.
    """
    W = conv.weight.detach()
    F, C, T = W.shape
    R, _, L_out = entries.shape
    dil, pad = conv.dilation[0], conv.padding[0]
    shifts = dil * torch.arange(T, device=W.device)
    layout = tap_rows(entries.row * L_out + entries.position, entries.channel, R, L_out, shifts, F)
    rows = W.permute(2, 0, 1).reshape(T * F, C)  # row t * F + f: W[f, :, t]
    full = tap_sum(entries.value[None], rows, layout).view(R, L_out + dil * (T - 1), C)
    return full[:, pad : pad + input_length].transpose(1, 2)


def supported(conv: nn.Module) -> bool:
    """Whether :func:`conv_input_grad` can run ``conv``."""
    return (
        type(conv) is nn.Conv1d
        and conv.stride == (1,)
        and conv.groups == 1
        and conv.padding_mode == "zeros"
        and isinstance(conv.padding, tuple)
    )


__all__ = ["MaxEntries", "conv_input_grad", "max_pool_entries", "supported"]
