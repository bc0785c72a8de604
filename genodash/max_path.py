"""Integrated-gradient paths of models that end in a global max pool, step by step.

For models shaped ``conv -> MaxPool1d(k) -> ReLU -> Conv1d -> ReLU -> global max ->
dense head`` (the shipped oct4-mafk's :class:`~genodash.architectures.ConvPoolCNN`),
integrated gradients with ``S`` steps would run the second convolution densely
``S`` times per (sequence, reference) pair. Here it does not:

- Along a path the first layer's output is linear in ``a``, so each pooled value is
  one of the window's lines ``base_j + a delta_j`` (its first maximum) or 0 (ReLU
  off), and that state changes rarely from one step to the next (about once per
  pooled value over 50 steps on oct4-mafk). The second convolution is kept as two
  running sums, ``U = W * ends`` and ``V = W * bases`` of the lines in force, updated
  only where a state changes, and ``z = V + a (U - V)`` at each step (as
  :mod:`genodash.path_conv`, without ever building a ``(steps, channels, length)``
  tensor).
- The global max pool passes each channel's gradient to its maxima only, so the
  backward is a sparse transposed convolution per step, routed through the first
  pool's state.

Both run in compiled loops (numba), one pair per iteration, the pairs split between
threads. Same values as the dense path up to float32 rounding; ties as autograd (the
first maximum of a pool window; a global maximum's gradient split evenly between tied
positions). The dense head between the two (``Linear``, ``ReLU``, ...) runs in torch.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from genodash import max_head
from genodash.architectures import GlobalMaxPool
from genodash.compiled import AVAILABLE, jit, run_in_threads


@jit
def _forward(
    base, delta, ends, alphas, Wct, bias, pad, dil, L_out, states, pooled, argpos, count, ties, p0, p1
):
    """Pairs ``p0 .. p1``: pool states, running convolution, ReLU and global max at every step.

    Parameters (numpy arrays)
    -------------------------
    base, delta, ends : (P, k, C, Lp) float32
        The lines of every pool window: values at ``a = 0``, slopes, values at ``a = 1``.
    alphas : (S,) float32
    Wct : (C, T, F) float32
        The second convolution's weights, input channel first.
    bias : (F,) float32
    pad, dil, L_out : int
    states : (P, S, C, Lp) uint8, out
        0: ReLU off; else 1 + the window offset of the first maximum.
    pooled : (P, S, F) float32, out
        The global maximum of ``relu(z)`` per channel.
    argpos, count : (P, S, F) int32, out
        Its first position and how many positions tie there (0 when the maximum is 0).
    ties : (P, S, F, L_out) uint8, out (zeros on entry)
        1 at every tied position, where ``count > 1``.
    """
    k, C, Lp = base.shape[1], base.shape[2], base.shape[3]
    S = alphas.shape[0]
    T, F = Wct.shape[1], Wct.shape[2]
    U = np.zeros((L_out, F), dtype=np.float32)
    V = np.zeros((L_out, F), dtype=np.float32)
    Z = np.empty((L_out, F), dtype=np.float32)
    best = np.empty(Lp, dtype=np.float32)
    first = np.empty(Lp, dtype=np.uint8)
    mx = np.empty(F, dtype=np.float32)
    at = np.empty(F, dtype=np.int32)
    n = np.empty(F, dtype=np.int32)
    # this step's state changes: channel, window, and the changes of the line's two ends
    moved_c = np.empty(C * Lp, dtype=np.int64)
    moved_w = np.empty(C * Lp, dtype=np.int64)
    moved_end = np.empty(C * Lp, dtype=np.float32)
    moved_base = np.empty(C * Lp, dtype=np.float32)
    zero = np.float32(0.0)  # (a float64 literal would turn the updates into float64 arithmetic)
    for p in range(p0, p1):
        U[:] = 0.0
        V[:] = 0.0
        for s in range(S):
            a = alphas[s]
            moved = 0
            for c in range(C):
                for w in range(Lp):
                    best[w] = base[p, 0, c, w] + a * delta[p, 0, c, w]
                    first[w] = 0
                for j in range(1, k):
                    for w in range(Lp):
                        v = base[p, j, c, w] + a * delta[p, j, c, w]
                        later = v > best[w]  # strictly: the first maximum wins a tie
                        first[w] = j if later else first[w]
                        best[w] = v if later else best[w]
                for w in range(Lp):
                    new = first[w] + 1 if best[w] > 0 else 0
                    old = states[p, s - 1, c, w] if s > 0 else 0
                    states[p, s, c, w] = new
                    if new != old:
                        moved_c[moved] = c
                        moved_w[moved] = w
                        moved_end[moved] = (ends[p, new - 1, c, w] if new > 0 else zero) - (
                            ends[p, old - 1, c, w] if old > 0 else zero
                        )
                        moved_base[moved] = (base[p, new - 1, c, w] if new > 0 else zero) - (
                            base[p, old - 1, c, w] if old > 0 else zero
                        )
                        moved += 1
            # tap by tap: consecutive changes then update different rows (no chain of
            # stores and loads through one row), about twice as fast as change by change
            for t in range(T):
                for m in range(moved):
                    o = moved_w[m] - dil * t + pad
                    if 0 <= o < L_out:
                        c = moved_c[m]
                        d_end, d_base = moved_end[m], moved_base[m]
                        for f in range(F):
                            weight = Wct[c, t, f]
                            U[o, f] += weight * d_end
                            V[o, f] += weight * d_base
            mx[:] = 0.0
            for o in range(L_out):
                for f in range(F):
                    z = bias[f] + (V[o, f] + a * (U[o, f] - V[o, f]))
                    r = z if z > 0 else zero
                    Z[o, f] = r
                    mx[f] = r if r > mx[f] else mx[f]
            n[:] = 0
            at[:] = L_out
            for o in range(L_out - 1, -1, -1):
                for f in range(F):
                    hit = Z[o, f] == mx[f]
                    n[f] += hit
                    at[f] = o if hit else at[f]
            for f in range(F):
                pooled[p, s, f] = mx[f]
                argpos[p, s, f] = at[f]
                count[p, s, f] = n[f] if mx[f] > 0 else 0
                if mx[f] > 0 and n[f] > 1:
                    for o in range(L_out):
                        ties[p, s, f, o] = Z[o, f] == mx[f]


@jit
def _backward(grad, argpos, count, ties, states, Wftc, pad, dil, k, total, p0, p1):
    """Pairs ``p0 .. p1``: add ``sum_s dF/dz1`` (weighted) at the first layer's output to ``total``.

    Parameters (numpy arrays)
    -------------------------
    grad : (P, S, F) float32
        Gradient at the global max pool's output, each step already weighted.
    argpos, count, ties, states
        From :func:`_forward`.
    Wftc : (F, T, C) float32
    pad, dil, k : int
    total : (P, C, L1) float32, added to
    """
    S, F = grad.shape[1], grad.shape[2]
    T, C = Wftc.shape[1], Wftc.shape[2]
    Lp, L_out = states.shape[3], ties.shape[3]
    gh = np.zeros((Lp, C), dtype=np.float32)
    for p in range(p0, p1):
        for s in range(S):
            gh[:] = 0.0
            for f in range(F):
                n = count[p, s, f]
                if n == 0:
                    continue
                share = grad[p, s, f] / np.float32(n)
                for o in range(argpos[p, s, f], L_out):
                    if n > 1 and ties[p, s, f, o] == 0:
                        continue
                    for t in range(T):
                        i = o + dil * t - pad
                        if 0 <= i < Lp:
                            for c in range(C):
                                gh[i, c] += share * Wftc[f, t, c]
                    if n == 1:
                        break
            for c in range(C):
                for w in range(Lp):
                    state = states[p, s, c, w]
                    if state > 0:
                        total[p, c, w * k + state - 1] += gh[w, c]


class MaxPath:
    """The forward of one group of paths; :meth:`backward` adds their gradient.

    Parameters
    ----------
    base, delta : torch.Tensor
        ``(P, k, C, Lp)`` CPU float32: first-layer outputs of ``P`` references and (no
        bias) of the inputs minus the references, window offset ``j`` at ``[:, j]``.
    alphas : torch.Tensor
        ``(S,)`` path points.
    conv : torch.nn.Conv1d
        The convolution after the pool's ReLU (see :func:`supports`).

    Attributes
    ----------
    pooled : torch.Tensor
        ``(P * S, F)``: the global max pool's output at every path point.
    """

    @torch.no_grad()
    def __init__(
        self, base: torch.Tensor, delta: torch.Tensor, alphas: torch.Tensor, conv: nn.Conv1d
    ) -> None:
        P, k, C, Lp = base.shape
        S = alphas.shape[0]
        W = conv.weight.detach().float()
        F, _, T = W.shape
        self.pad, self.dil, self.k = conv.padding[0], conv.dilation[0], k
        L_out = Lp + 2 * self.pad - self.dil * (T - 1)
        self.W_ftc = np.ascontiguousarray(W.permute(0, 2, 1).numpy())
        bias = conv.bias.detach().float() if conv.bias is not None else torch.zeros(F)
        self.states = np.empty((P, S, C, Lp), dtype=np.uint8)
        pooled = np.empty((P, S, F), dtype=np.float32)
        self.argpos = np.empty((P, S, F), dtype=np.int32)
        self.count = np.empty((P, S, F), dtype=np.int32)
        self.ties = np.zeros((P, S, F, max(L_out, 0)), dtype=np.uint8)
        base_np, delta_np = base.contiguous().numpy(), delta.contiguous().numpy()
        ends = (base + delta).contiguous().numpy()
        run_in_threads(
            _forward, P, base_np, delta_np, ends, alphas.float().contiguous().numpy(),
            np.ascontiguousarray(W.permute(1, 2, 0).numpy()), bias.contiguous().numpy(),
            self.pad, self.dil, L_out, self.states, pooled, self.argpos, self.count, self.ties,
        )  # fmt: skip
        self.pooled = torch.from_numpy(pooled).reshape(P * S, F)

    @torch.no_grad()
    def backward(self, grad: torch.Tensor, total: torch.Tensor) -> None:
        """Add the gradient at the first layer's output, summed over the steps, to ``total``.

        Parameters
        ----------
        grad : torch.Tensor
            ``(P * S, F)``: gradient at :attr:`pooled`, each step already weighted.
        total : torch.Tensor
            ``(P, C, L1)`` CPU float32, contiguous, added to in place.
        """
        P, S = self.states.shape[:2]
        g = grad.detach().float().reshape(P, S, -1).contiguous().numpy()
        run_in_threads(
            _backward, P, g, self.argpos, self.count, self.ties, self.states, self.W_ftc,
            self.pad, self.dil, self.k, total.numpy(),
        )  # fmt: skip


def supports(layers: list[nn.Module], head: object) -> bool:
    """Whether ``layers`` (after the first convolution, ReLU/pool swapped) and ``head`` fit :class:`MaxPath`.

    ``MaxPool1d`` (non-overlapping, at most 255 wide), ``ReLU``, a stride-1 ``Conv1d``
    without groups and with zero padding, ``ReLU`` (eval-mode ``Dropout`` and
    ``Identity`` anywhere), then a head that is an ``nn.Sequential`` starting with a
    :class:`~genodash.architectures.GlobalMaxPool`.
    """
    if not AVAILABLE or not isinstance(head, nn.Sequential) or not len(head):
        return False
    if type(head[0]) is not GlobalMaxPool:
        return False
    kept = [m for m in layers if type(m) not in (nn.Dropout, nn.Identity)]
    if [type(m) for m in kept] != [nn.MaxPool1d, nn.ReLU, nn.Conv1d, nn.ReLU]:
        return False
    pool, conv = kept[0], kept[2]

    def one(v):
        return v if isinstance(v, int) else v[0]

    simple_pool = (
        one(pool.kernel_size) == one(pool.stride) < 256
        and one(pool.padding) == 0
        and one(pool.dilation) == 1
        and not pool.ceil_mode
    )
    return simple_pool and max_head.supported(conv)


__all__ = ["AVAILABLE", "MaxPath", "supports"]
