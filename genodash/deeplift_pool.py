"""DeepLIFT through a ReLU and the max pool after it, in compiled loops.

:class:`genodash.deeplift_engine.DeepLiftEngine` reproduces Captum's rules for a
``ReLU`` followed by a non-overlapping ``MaxPool1d``: the pool's plain gradient
(each input row's window maxima) reaches the ReLU, whose rescale rule multiplies it
by ``(relu(z_x) - relu(z_r)) / (z_x - z_r)`` at those maxima (see its notes). In
torch that takes a ReLU over every row, two pools, gathers, and an unpool into a
zero-filled tensor, each a pass over memory; here it is one pass forward and one
back, on the CPU in float32 (:func:`supported`), with the same values.

Rows follow the engine's layout: the ``n`` inputs first, then their references,
``B`` per input (row ``n + i B + b`` is input ``i``'s reference ``b``).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from genodash.compiled import AVAILABLE, jit, run_in_threads

#: Values per call from which the loops are split between threads.
THREADED_VALUES = 1_000_000


class Forward(NamedTuple):
    """What the backward rule needs of the forward pass, at the inputs' window maxima.

    Attributes
    ----------
    idx : torch.Tensor
        ``(n, C, Lp)`` int64: each input row's maximum per window (positions in ``L``,
        the first of tied maxima, as ``max_pool1d``).
    in_x : torch.Tensor
        ``(n, C, Lp)``: the ReLU's input there.
    in_r : torch.Tensor
        ``(n B, C, Lp)``: each reference's ReLU input at its own input's maxima.
    """

    idx: torch.Tensor
    in_x: torch.Tensor
    in_r: torch.Tensor


def supported(relu: nn.Module, pool: nn.Module, h: torch.Tensor) -> bool:
    """Whether ``relu``, ``pool`` on ``h`` ``(R, C, L)`` run here.

    ``nn.ReLU``, then a ``MaxPool1d`` whose stride is its size (no padding, dilation
    or ceil mode), on a CPU float32 tensor, with numba installed.
    """
    if not (AVAILABLE and type(relu) is nn.ReLU and type(pool) is nn.MaxPool1d):
        return False
    if h.device.type != "cpu" or h.dtype != torch.float32 or h.ndim != 3:
        return False
    return non_overlapping(pool)


def non_overlapping(pool: nn.MaxPool1d) -> bool:
    """Whether ``pool``'s windows tile its input: stride = size, unpadded, undilated, floor mode."""

    def one(v):
        return v if isinstance(v, int) else v[0]

    return (
        one(pool.kernel_size) == one(pool.stride)
        and one(pool.padding) == 0
        and one(pool.dilation) == 1
        and not pool.ceil_mode
    )


def _size(pool: nn.MaxPool1d) -> int:
    return pool.kernel_size if isinstance(pool.kernel_size, int) else pool.kernel_size[0]


@jit
def _pool_inputs(h, k, pooled, idx, in_x, r0, r1):
    """Input rows ``r0 .. r1``: ``pooled = max(relu(h))`` per window, its first argmax, ``h`` there."""
    C, Lp = pooled.shape[1], pooled.shape[2]
    zero = np.float32(0.0)
    for r in range(r0, r1):
        for c in range(C):
            for p in range(Lp):
                best = np.float32(-np.inf)
                at = p * k
                for j in range(p * k, p * k + k):
                    v = max(h[r, c, j], zero) if h[r, c, j] == h[r, c, j] else h[r, c, j]
                    if v > best or v != v:
                        best = v
                        at = j
                pooled[r, c, p] = best
                idx[r, c, p] = at
                in_x[r, c, p] = h[r, c, at]


@jit
def _pool_references(h, n, B, k, idx, pooled, in_r, r0, r1):
    """Reference rows ``r0 .. r1`` (of ``n B``): ``pooled`` as the inputs', ``h`` at its input's maxima."""
    C, Lp = in_r.shape[1], in_r.shape[2]
    zero = np.float32(0.0)
    for q in range(r0, r1):
        r, i = n + q, q // B
        for c in range(C):
            for p in range(Lp):
                best = np.float32(-np.inf)
                for j in range(p * k, p * k + k):
                    v = max(h[r, c, j], zero) if h[r, c, j] == h[r, c, j] else h[r, c, j]
                    if v > best or v != v:
                        best = v
                pooled[r, c, p] = best
                in_r[q, c, p] = h[r, c, idx[i, c, p]]


def forward(h: torch.Tensor, pool: nn.MaxPool1d, n: int, B: int) -> tuple[torch.Tensor, Forward]:
    """``pool(relu(h))`` for all rows, and what :func:`backward` needs.

    Parameters
    ----------
    h : torch.Tensor
        ``(n + n B, C, L)``: the ReLU's input, inputs first.
    pool : torch.nn.MaxPool1d
    n, B : int

    Returns
    -------
    pooled : torch.Tensor
        ``(n + n B, C, L // k)``.
    saved : Forward
    """
    h = h.contiguous()
    R, C, L = h.shape
    k = _size(pool)
    Lp = L // k
    pooled = torch.empty((R, C, Lp), dtype=h.dtype)
    idx = torch.empty((n, C, Lp), dtype=torch.int64)
    in_x = torch.empty((n, C, Lp), dtype=h.dtype)
    in_r = torch.empty((n * B, C, Lp), dtype=h.dtype)
    hv, pv, iv = h.numpy(), pooled.numpy(), idx.numpy()
    threaded = h.numel() >= THREADED_VALUES
    run_in_threads(_pool_inputs, n, hv, k, pv, iv, in_x.numpy(), threads=threaded)
    run_in_threads(_pool_references, n * B, hv, n, B, k, iv, pv, in_r.numpy(), threads=threaded)
    return pooled, Forward(idx, in_x, in_r)


@jit
def _rescale_unpool(g, idx, in_x, in_r, B, k, eps, g_in, pool_below, act_below, r0, r1):
    """Pair rows ``r0 .. r1``: the rescale rule at the maxima, unpooled into ``g_in`` (zeros elsewhere)."""
    C, Lp = g.shape[1], g.shape[2]
    L = g_in.shape[2]
    zero = np.float32(0.0)
    for q in range(r0, r1):
        i = q // B
        first = i * B
        pool_sum = 0.0
        act_sum = 0.0
        for c in range(C):
            for p in range(Lp):
                x_in = in_x[i, c, p]
                r_in = in_r[q, c, p]
                gv = g[q, c, p]
                d = x_in - r_in
                change = gv * (max(x_in, zero) - max(r_in, zero))
                pool_sum += change
                if abs(d) < eps:
                    new = g[first, c, p] if x_in > zero else zero
                else:
                    new = change / d
                act_sum += new * d
                for j in range(p * k, p * k + k):
                    g_in[q, c, j] = zero
                g_in[q, c, idx[i, c, p]] = new
            for j in range(Lp * k, L):
                g_in[q, c, j] = zero
        pool_below[q] = pool_sum
        act_below[q] = act_sum


def backward(
    g: torch.Tensor, saved: Forward, pool: nn.MaxPool1d, B: int, length: int, eps: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Multipliers at the ReLU's input, from those at the pool's output.

    Parameters
    ----------
    g : torch.Tensor
        ``(n B, C, Lp)``: multipliers at the pool's output, one row per pair.
    saved : Forward
    pool : torch.nn.MaxPool1d
    B : int
    length : int
        ``L``, the ReLU's input length.
    eps : float
        Where ``|z_x - z_r| < eps`` the ReLU's plain gradient is used instead, applied
        to the first reference's row of ``g`` (Captum's grouping; see the engine's notes).

    Returns
    -------
    g_in : torch.Tensor
        ``(n B, C, L)``.
    pool_below, act_below : torch.Tensor
        ``(n B,)``: ``sum m d`` at the pool's input and at the ReLU's input.
    """
    g = g.contiguous()
    R, C, _ = g.shape
    g_in = torch.empty((R, C, length), dtype=g.dtype)
    pool_below = np.empty(R, dtype=np.float64)
    act_below = np.empty(R, dtype=np.float64)
    run_in_threads(
        _rescale_unpool, R, g.numpy(), saved.idx.numpy(), saved.in_x.numpy(), saved.in_r.numpy(), B,
        _size(pool), np.float32(eps), g_in.numpy(), pool_below, act_below,
        threads=g_in.numel() >= THREADED_VALUES,
    )  # fmt: skip
    return g_in, torch.from_numpy(pool_below).to(g.dtype), torch.from_numpy(act_below).to(g.dtype)


__all__ = ["Forward", "backward", "forward", "non_overlapping", "supported"]
