"""The second convolution along an integrated-gradients path, by sparse updates.

Along a path ``x_a = r + a (x - r)`` the first layer's output is linear in ``a``: each
value of a max-pool window is a line ``base_j + a delta_j``. After the pool and a ReLU,
a pooled value is one of those lines (the window's first maximum) or 0 (ReLU off), and
that state changes rarely along the path: on the Basset-sized model with a zero
reference, for about 0.9% of the pooled values between two of 50 steps. So the next
convolution,

``z_a = W * ((1 - a) R_a + a X_a) + b`` (``R``, ``X``: the lines' values at ``a = 0, 1``),

is computed densely at the first step and then updated only where a state changes (a
sparse product, as an ``embedding_bag``), and its gradient goes back the same way: a
pooled value's gradient summed over the steps where it keeps one state is a
difference of running sums of ``W^T g``, needed only at the steps where the state
changes (a sampled matrix product) and once at the end (one transposed convolution).

The states are found without evaluating every step: the maximum of a window's lines
passes to ever steeper lines as ``a`` grows, at most ``k`` times, so each window's
upper envelope is walked from the first path point (:func:`_state_changes`).

Exact up to float32 rounding (checked against Captum and float64 in the tests). Used
only where it pays off (:func:`pays_off`).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from torch import nn

from genodash.compiled import AVAILABLE, jit, run_in_threads
from genodash.sparse_taps import tap_rows, tap_sum

#: A crossing that never comes (any path point is at most 1).
_NEVER = 3.0e38
#: Multiply-adds of the dense convolution per path point from which the sparse
#: updates are used (see :func:`pays_off`).
DENSE_MULTIPLY_ADDS = 16_000_000


def supports(conv: nn.Module, pool_size: int) -> bool:
    """Whether :class:`SparsePathConv` can run ``conv`` after a max pool of ``pool_size``.

    A stride-1 ``Conv1d`` without groups, zero padding of at most its reach
    ``dilation * (kernel - 1)`` (so "valid" and "same" both qualify), and a pool of
    fewer than 255 (line indices are kept as ``uint8`` while the maximum is found).
    """
    if type(conv) is not nn.Conv1d or not isinstance(conv.padding, tuple):
        return False
    reach = conv.dilation[0] * (conv.kernel_size[0] - 1)
    return (
        conv.stride == (1,)
        and conv.groups == 1
        and conv.padding_mode == "zeros"
        and 0 <= conv.padding[0] <= reach
        and pool_size < 255
    )


def _state_changes(
    base: torch.Tensor, delta: torch.Tensor, alphas: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, ...]]:
    """Every pooled value's state along the path, as its first state and its changes.

    The walk of :func:`_state_changes_torch`, in compiled loops (:mod:`genodash.compiled`)
    on the CPU, one window at a time: the same arithmetic, so the same states and
    changes (55 against 99 ms for the Basset-sized model's 800,000 windows, zero
    reference, 2 threads). The changes come window by window instead of turn by turn:
    the same set, and a window's turns in the same order.
    """
    if not (AVAILABLE and base.device.type == "cpu" and base.dtype in (torch.float32, torch.float64)):
        return _state_changes_torch(base, delta, alphas)
    P, k, C, Lp = base.shape
    E = P * C * Lp
    dtype = base.dtype
    # (k + 1, E): the zero line first, as in the torch walk
    zero = torch.zeros_like(base[:, :1])
    b = torch.cat([zero, base], dim=1).movedim(1, 0).reshape(k + 1, E).contiguous().numpy()
    d = torch.cat([zero, delta], dim=1).movedim(1, 0).reshape(k + 1, E).contiguous().numpy()
    a = alphas.to(dtype).contiguous().numpy()
    info = torch.finfo(dtype)
    consts = torch.tensor([_NEVER, info.min, 0.0], dtype=dtype).numpy()
    start = np.empty(E, dtype=np.int64)
    end = np.empty(E, dtype=np.int64)
    turns = np.zeros(E, dtype=np.int64)
    offsets = np.zeros(E, dtype=np.int64)
    out = [np.empty(0, dtype=np.int64) for _ in range(4)]
    run_in_threads(_walk_envelopes, E, b, d, a, consts, start, end, turns, offsets, *out, False)
    offsets[1:] = np.cumsum(turns)[:-1]
    out = [np.empty(int(turns.sum()), dtype=np.int64) for _ in range(4)]
    run_in_threads(_walk_envelopes, E, b, d, a, consts, start, end, turns, offsets, *out, True)
    shape = (P, C, Lp)
    changes = tuple(torch.from_numpy(t) for t in out)
    return torch.from_numpy(start).view(shape), torch.from_numpy(end).view(shape), changes


@jit
def _walk_envelopes(b, d, alphas, consts, start, end, turns, offsets, window, step, old, new, fill, e0, e1):
    """Windows ``e0 .. e1`` of :func:`_state_changes_torch`'s walk; ``fill``: write the changes.

    ``b, d`` ``(k + 1, E)`` lines (zero line first), ``alphas`` ``(S,)`` and ``consts``
    (never, the dtype's lowest value, 0) in the lines' dtype. Without
    ``fill`` it sets ``start``, ``end`` and ``turns`` (changes per window); with it,
    it writes window ``e``'s changes from ``offsets[e]`` on.
    """
    n_lines, S = b.shape[0], alphas.shape[0]
    never, lowest, zero = consts[0], consts[1], consts[2]
    a0 = np.float64(alphas[0])
    for e in range(e0, e1):
        if fill and turns[e] == 0:
            continue
        # the first state in float64: the first maximum of the lines at the first point
        state = 0
        best = np.float64(b[0, e]) + a0 * np.float64(d[0, e])
        for j in range(1, n_lines):
            v = np.float64(b[j, e]) + a0 * np.float64(d[j, e])
            if v > best:
                best = v
                state = j
        start[e] = state
        at = alphas[0]
        n = 0
        for _ in range(n_lines - 1):
            b_now, d_now = b[state, e], d[state, e]
            line = 0
            first = never
            for j in range(n_lines):
                rise = d[j, e] - d_now
                crossing = (b_now - b[j, e]) / rise
                if np.isnan(crossing) or crossing == np.inf:
                    crossing = never
                elif crossing == -np.inf:
                    crossing = lowest
                floor = never if rise <= 0 else zero  # only steeper lines overtake, from 0 on
                crossing = crossing if crossing > floor else floor
                if j == 0 or crossing < first:
                    first = crossing
                    line = j
            crossing = first if first > at else at
            if crossing > alphas[S - 1]:  # (most windows: no turn; no search needed)
                break
            right = np.searchsorted(alphas, crossing, side="right")
            on_it = alphas[max(right - 1, 0)] == crossing
            at_step = right - 1 if on_it and line < state else right
            at_step = max(at_step, 1)
            if at_step >= S:
                break
            if fill:
                i = offsets[e] + n
                window[i], step[i], old[i], new[i] = e, at_step, state, line
            n += 1
            state = line
            at = crossing
        end[e] = state
        turns[e] = n


def _state_changes_torch(
    base: torch.Tensor, delta: torch.Tensor, alphas: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, tuple[torch.Tensor, ...]]:
    """Every pooled value's state along the path, as its first state and its changes.

    The state of a pool window is ``0`` where ``max_j (base_j + a delta_j) <= 0`` (the
    ReLU is off), else ``1 +`` the first offset ``j`` that reaches the maximum: the
    first maximum of the lines ``0, base_j + a delta_j`` (the zero line first). As
    ``a`` grows, the maximum passes to ever steeper lines, at most ``k`` times, so
    the upper envelope is walked from the first path point: at each turn, the line
    that overtakes first (smallest crossing) takes over at the first step past the
    crossing (at a step exactly on it, if it comes first in the order above: as
    ``max_pool1d`` and ``relu`` break that tie).

    The first state is found in float64, so that two nearly parallel lines through
    one point (as where the reference is zero) are told apart there; their crossing
    is then exactly 0, also in float32, in which the walk runs.

    Parameters
    ----------
    base, delta : torch.Tensor
        ``(P, k, C, Lp)``: the lines of each pool window.
    alphas : torch.Tensor
        ``(S,)``, non-decreasing.

    Returns
    -------
    start, end : torch.Tensor
        ``(P, C, Lp)`` int64: the states at the first and the last path point.
    changes : tuple of torch.Tensor
        ``(window, step, old, new)``, each ``(B,)`` int64: the flat index of the
        window in ``(P, C, Lp)``, the first step in the new state, both states.
    """
    zero = torch.zeros_like(base[:, :1])
    b = torch.cat([zero, base], dim=1).movedim(1, 0).flatten(1)  # (k + 1, E), the zero line first
    d = torch.cat([zero, delta], dim=1).movedim(1, 0).flatten(1)
    n_lines, E = b.shape
    S = alphas.shape[0]
    state, _ = _first(torch.addcmul(b.double(), alphas[0].double(), d.double()), torch.gt)
    start = state.clone()
    at = alphas[:1].to(b.dtype).expand(E)  # the path point of the last turn
    last = float(alphas[-1])
    windows = torch.arange(E, device=state.device)
    turns = []
    # (element-wise arithmetic instead of torch.where, which is many times slower here)
    for _ in range(n_lines - 1):
        now = state * E + windows  # each window's current line in b.view(-1)
        rise = d - d.view(-1)[now]
        crossing = ((b.view(-1)[now] - b) / rise).nan_to_num_(nan=_NEVER, posinf=_NEVER)
        # only steeper lines overtake; a crossing before 0 (rounding) counts as at 0
        crossing = torch.maximum(crossing, (rise <= 0) * _NEVER)
        line, crossing = _first(crossing, torch.lt)  # the first to overtake
        crossing = torch.maximum(crossing, at).clamp_(max=last + 1)  # never back along the path
        right = torch.searchsorted(alphas, crossing, right=True)  # first step past the crossing
        on_it = alphas[(right - 1).clamp_(min=0)] == crossing  # a step exactly on it: a tie there
        step = (right - (on_it & (line < state)).long()).clamp_(min=1)
        turn = step < S
        turns.append((windows[turn], step[turn], state[turn], line[turn]))
        state = state + turn * (line - state)
        at = at + turn * (crossing - at)
    changes = tuple(torch.cat(parts) for parts in zip(*turns, strict=True))
    shape = (base.shape[0], *base.shape[2:])
    return start.view(shape), state.view(shape), changes


def _first(values: torch.Tensor, better) -> tuple[torch.Tensor, torch.Tensor]:
    """The first best of ``values`` ``(n, E)`` per column: index ``(E,)`` int64 and value.

    ``better`` is ``torch.gt`` for the maximum, ``torch.lt`` for the minimum. Row by
    row, in uint8 arithmetic: several times faster than ``argmax(dim=0)``.
    """
    best = values[0]
    index = torch.zeros(values.shape[1], dtype=torch.uint8, device=values.device)
    keep = torch.maximum if better is torch.gt else torch.minimum
    for j in range(1, values.shape[0]):
        later = better(values[j], best)  # strictly: an earlier row wins a tie
        index += later * (j - index)
        best = keep(best, values[j])
    return index.to(torch.int64), best


def _running_sum(x: torch.Tensor) -> torch.Tensor:
    """Cumulative sum over dimension 1, in place: ``(P, S, ...)``.

    Step by step: several times faster than ``cumsum(dim=1)``, which walks each
    column with a stride.
    """
    for s in range(1, x.shape[1]):
        x[:, s] += x[:, s - 1]
    return x


def pays_off(conv: nn.Conv1d, length: int) -> bool:
    """Whether the sparse updates beat running ``conv`` densely on inputs of ``length``.

    Measured (integrated gradients, zero reference, 2 threads, interleaved medians):
    on oct4-mafk (64 x 64 x 7 on 50 positions: 1.4 million multiply-adds per path
    point) the sparse path took 0.60 s against 0.53 s for the dense one on 100
    peaks; on the Basset-sized model (200 x 300 x 11 on 333 positions: 220 million)
    1.40 s against 4.26 s for 8 sequences of 1 kb. :data:`DENSE_MULTIPLY_ADDS` is a
    boundary between the two, not a measured break-even point.
    """
    F, C, T = conv.weight.shape
    out = length + 2 * conv.padding[0] - conv.dilation[0] * (T - 1)
    return F * C * T * out >= DENSE_MULTIPLY_ADDS


class SparsePathConv:
    """``conv(relu(max_pool(base + a delta)))`` at every path point ``a``, and its backward.

    Parameters
    ----------
    base, delta : torch.Tensor
        ``(P, k, C, Lp)``: first-layer outputs of ``P`` references and (no bias) of
        the inputs minus the references, window offset ``j`` of every pool window at
        ``[:, j]``.
    alphas : torch.Tensor
        ``(S,)`` path points, non-decreasing.
    conv : torch.nn.Conv1d
        The convolution after the ReLU (see :func:`supports`).

    Attributes
    ----------
    z : torch.Tensor
        ``(P * S, F, L_out)``: the convolution's output (``F`` channels) at every path point.

    Notes
    -----
    No ``(S, C, Lp)`` tensor is made: the pooled values' states come from their
    changes (:func:`_state_changes`), the convolution from its first step and sparse
    updates.
    """

    @torch.no_grad()
    def __init__(
        self, base: torch.Tensor, delta: torch.Tensor, alphas: torch.Tensor, conv: nn.Conv1d
    ) -> None:
        P, k, C, Lp = base.shape
        S = alphas.shape[0]
        W = conv.weight.detach()
        F, _, T = W.shape
        self.pad, self.dil = conv.padding[0], conv.dilation[0]
        self.W, self.shape, self.k = W, (P, S, C, Lp), k
        reach = self.dil * (T - 1)
        self.L_full, self.L_out = Lp + reach, Lp + 2 * self.pad - reach
        self.skip = reach - self.pad  # full-convolution positions before the output's first
        # row t * C + c: the weights that input channel c gives every output through tap t
        self.W_taps = W.permute(2, 1, 0).reshape(T * C, F).contiguous()

        start, self.end_state, (window, step, old, new) = _state_changes(base, delta, alphas)
        p, m = window // (C * Lp), window % Lp
        c = window // Lp % C
        # sorted by pair, step, position and channel (the sparse pattern's row order);
        # stable, so that a window's turns at one step keep their order
        order = torch.argsort(((p * S + step) * Lp + m) * C + c, stable=True)
        p, step, m, c, old, new = (t[order] for t in (p, step, m, c, old, new))
        self.changes, self.old, self.new = (p, step, m, c), old, new

        def line(values: torch.Tensor, state: torch.Tensor) -> torch.Tensor:
            """``values`` (P, k, C, Lp) of each change's line in ``state``; 0 for off."""
            offset = (state - 1).clamp_min(0)
            return values.view(-1)[((p * k + offset) * C + c) * Lp + m] * (state > 0)

        # each line by its values at both ends of the path: the input's (a = 1) and the
        # reference's (a = 0), so that z is a convex combination of two convolutions of
        # activation-sized values (with delta and base, large opposite terms could cancel)
        ends = base + delta
        # change b reaches full-convolution position m + dil (T - 1 - t) through tap t
        shifts = self.dil * (T - 1 - torch.arange(T, device=m.device))
        self.layout = tap_rows((p * S + step) * Lp + m, c, P * S, Lp, shifts, C)
        changes = torch.stack([line(v, self.new) - line(v, self.old) for v in (ends, base)])

        # the first step, densely
        offset = (start - 1).clamp_min(0)[:, None]
        on = (start > 0).to(base.dtype)
        first = torch.cat([ends.gather(1, offset)[:, 0] * on, base.gather(1, offset)[:, 0] * on])
        dense = nn.functional.conv1d(first, W, conv.bias, padding=self.pad, dilation=self.dil)
        U, V = self._spread(changes, P, S, dense.transpose(1, 2))  # (P, S, L_out, F) each
        # z = (1 - a) V + a U, (P, S, L_out, F) -> (P * S, F, L_out)
        z = torch.lerp(V, U, alphas[None, :, None, None].to(V.dtype))
        self.z = z.transpose(2, 3).reshape(P * S, F, self.L_out)

    def _spread(self, values: torch.Tensor, P: int, S: int, start: torch.Tensor) -> torch.Tensor:
        """Running sums over the steps of the convolution of the changes, from ``start``.

        Parameters
        ----------
        values : torch.Tensor
            ``(V, B)``: ``V`` sets of values of the ``B`` changes.
        start : torch.Tensor
            ``(V * P, L_out, F)``: the convolution before the first step's changes
            (added to the first step, so that the running sum carries it to every
            step instead of a broadcast add over all of them).

        Returns
        -------
        torch.Tensor
            ``(V, P, S, L_out, F)``.
        """
        n, F = values.shape[0], self.W.shape[0]
        full = tap_sum(values, self.W_taps, self.layout).view(n * P, S, self.L_full, F)
        inside = full[:, :, self.skip : self.skip + self.L_out]
        inside[:, 0] += start
        return _running_sum(inside).view(n, P, S, self.L_out, F)

    @torch.no_grad()
    def backward(self, grad: torch.Tensor, total: torch.Tensor) -> None:
        """Add the summed gradient at the first layer's output to ``total``.

        Parameters
        ----------
        grad : torch.Tensor
            ``(P * S, F, L_out)``: gradient at :attr:`z`, each step already weighted.
        total : torch.Tensor
            ``(P, C, L1)``, added to in place at each window's maximum.
        """
        P, S, C, Lp = self.shape
        k, F = self.k, self.W.shape[0]
        g = grad.reshape(P, S, F, self.L_out).transpose(2, 3)  # (P, S, L_out, F)
        # before[:, s]: sum of the gradients of the steps before s, on the full positions
        before = torch.empty((P * S * self.L_full, F), dtype=g.dtype, device=g.device)
        steps = before.view(P, S, self.L_full, F)
        steps[:, :, : self.skip] = 0  # zero padding around the output positions
        steps[:, :, self.skip + self.L_out :] = 0
        steps[:, 0] = 0
        inside = steps[:, :, self.skip : self.skip + self.L_out]
        inside[:, 1:] = g[:, :-1]
        _running_sum(inside)
        everything = inside[:, -1] + g[:, -1]  # (P, L_out, F)
        crow, cols, entry = self.layout
        with warnings.catch_warnings():
            # torch's notes that CSR tensors are in beta and unchecked: not for users
            warnings.filterwarnings("ignore", message=".*[Ss]parse", category=UserWarning)
            zeros = torch.zeros(cols.shape[0], dtype=g.dtype, device=g.device)
            pattern = torch.sparse_csr_tensor(crow, cols, zeros, (before.shape[0], self.W_taps.shape[0]))
            sampled = torch.sparse.sampled_addmm(pattern, before, self.W_taps.T, beta=0.0)
        at_change = sampled.values()[entry].sum(dim=1)  # (B,): W^T (sum before the change)
        # at the end: W^T of the whole sum, for every pooled value
        end = nn.functional.conv_transpose1d(
            everything.transpose(1, 2), self.W, padding=self.pad, dilation=self.dil
        )  # (P, C, Lp)
        # per pooled value and state (slot 0: off), the gradient summed over that state's steps
        slots = torch.zeros((P, C, Lp, k + 1), dtype=g.dtype, device=g.device)
        slots.scatter_(-1, self.end_state[..., None], end[..., None])
        p, _, m, c = self.changes
        value = ((p * C + c) * Lp + m) * (k + 1)
        slots = slots.view(-1)
        slots.index_add_(0, value + self.old, at_change)  # a run of the old state ends at the change
        slots.index_add_(0, value + self.new, -at_change)  # a run of the new state starts there
        on = slots.view(P, C, Lp, k + 1)[..., 1:]
        total[..., : Lp * k] += on.reshape(P, C, Lp * k)


__all__ = ["DENSE_MULTIPLY_ADDS", "SparsePathConv", "pays_off", "supports"]
