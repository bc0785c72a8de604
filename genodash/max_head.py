"""Gradients through a ReLU and a global max pool, and the sparse convolution backward they allow.

A head that starts with a global max pool (:class:`~genodash.architectures.GlobalMaxPool`)
passes each channel's gradient only to that channel's maxima (autograd's ``amax``
backward splits it evenly among tied maxima), and a ReLU before the pool passes
nothing where its input is not positive. So the gradient at the last convolution's
output has about one nonzero per row and channel out of ``L`` (2% on oct4-mafk), and
so do DeepLIFT's multipliers there. The convolution's input gradient then only needs
those: :func:`conv_input_grad` scans for them in a compiled loop (:mod:`genodash.compiled`)
and adds each one's weights, instead of a dense transposed convolution.

Same values as autograd up to float32 summation order.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from genodash.compiled import AVAILABLE, jit, run_in_threads

#: Gradient values from which :func:`conv_input_grad` splits its scan between threads.
THREADED_VALUES = 2_000_000


def max_pool_grad(z: torch.Tensor, relu: bool, grad: torch.Tensor) -> torch.Tensor:
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
    torch.Tensor
        ``(R, F, L)``, as autograd: ``grad / count`` at each of a channel's ``count``
        tied maxima, 0 elsewhere; with the ReLU, 0 for a channel whose maximum is not
        positive (the ReLU's gradient is zero wherever its input is not positive).
    """
    a = z.clamp_min(0) if relu else z
    maxima = a.amax(dim=-1, keepdim=True)
    tied = a == maxima
    if relu:
        tied &= maxima > 0
    share = grad / tied.sum(dim=-1).clamp_min(1)  # (R, F)
    return tied * share[..., None]


@jit
def _sparse_transpose(g, Wftc, pad, dil, out, r0, r1):
    """Rows ``r0 .. r1``: ``out[r, i, :] += g[r, f, o] W[f, :, t]`` for ``i = o + dil t - pad``.

    ``g`` ``(R, F, L_out)`` mostly zeros, ``Wftc`` ``(F, T, C)``, ``out`` ``(R, L_in, C)``.
    """
    F, L_out = g.shape[1], g.shape[2]
    T, C = Wftc.shape[1], Wftc.shape[2]
    L_in = out.shape[1]
    for r in range(r0, r1):
        for f in range(F):
            for o in range(L_out):
                v = g[r, f, o]
                if v == 0:
                    continue
                for t in range(T):
                    i = o + dil * t - pad
                    if 0 <= i < L_in:
                        for c in range(C):
                            out[r, i, c] += v * Wftc[f, t, c]


def conv_input_grad(conv: nn.Conv1d, g: torch.Tensor, input_length: int) -> torch.Tensor:
    """Input gradient of ``conv`` for a mostly-zero output gradient.

    Parameters
    ----------
    conv : torch.nn.Conv1d
    g : torch.Tensor
        ``(R, F, L_out)``: gradient at the convolution's output.
    input_length : int
        ``L_in``.

    Returns
    -------
    torch.Tensor
        ``(R, C, L_in)``: what ``torch.nn.grad.conv1d_input`` gives. By the compiled
        scan for a CPU float32 ``g`` and a convolution :func:`supported` takes (each
        nonzero adds its weights at the input positions it reads); otherwise by
        ``conv1d_input`` itself.
    """
    R = g.shape[0]
    W = conv.weight.detach()
    if not (AVAILABLE and supported(conv) and g.device.type == "cpu" and g.dtype == W.dtype == torch.float32):
        return torch.nn.grad.conv1d_input(
            (R, W.shape[1], input_length), W, g, conv.stride, conv.padding, conv.dilation, conv.groups
        )
    out = np.zeros((R, input_length, W.shape[1]), dtype=np.float32)
    Wftc = np.ascontiguousarray(W.permute(0, 2, 1).numpy())
    values = g.detach().contiguous().numpy()
    pad, dil = conv.padding[0], conv.dilation[0]
    run_in_threads(_sparse_transpose, R, values, Wftc, pad, dil, out, threads=values.size >= THREADED_VALUES)
    return torch.from_numpy(out).transpose(1, 2).contiguous()


def supported(conv: nn.Module) -> bool:
    """Whether ``conv`` is a stride-1 ``Conv1d`` without groups and with numeric zero padding."""
    return (
        type(conv) is nn.Conv1d
        and conv.stride == (1,)
        and conv.groups == 1
        and conv.padding_mode == "zeros"
        and isinstance(conv.padding, tuple)
    )


__all__ = ["conv_input_grad", "max_pool_grad", "supported"]
