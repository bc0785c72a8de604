"""Convolutions of sparse inputs as ``embedding_bag`` sums of weight rows.

A nonzero value ``v`` at position ``m`` of channel ``c`` adds ``v * W[:, c, t]`` to
output position ``m + shift_t`` for every tap ``t``. Grouped by output row, that is a
weighted sum of rows of a ``(T * C, F)`` weight matrix: what ``embedding_bag``
computes, without building the dense input. :func:`tap_rows` lays the nonzeros out
for it (as compressed sparse rows, which a sampled matrix product can also use) and
:func:`tap_sum` sums. On the sparse updates of :mod:`genodash.path_conv`, about twice
as fast as a CSR matrix product (10 ms against 25 ms for 477,455 entries of 200
channels, 2 threads).
"""

from __future__ import annotations

import torch
from torch import nn


def tap_rows(
    position: torch.Tensor, channel: torch.Tensor, blocks: int, length: int, shifts: torch.Tensor, C: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Compressed rows of the sparse sum, built without sorting.

    Parameters
    ----------
    position : torch.Tensor
        ``(B,)`` int64: ``block * length + m`` of each nonzero, non-decreasing, and the
        nonzeros of one ``(block, m)`` in non-decreasing ``channel``.
    channel : torch.Tensor
        ``(B,)`` int64, in ``[0, C)``.
    blocks, length : int
        Blocks (independent rows of the input) and positions per block.
    shifts : torch.Tensor
        ``(T,)`` int64, non-negative: the output position of tap ``t`` is ``m + shifts[t]``.
    C : int
        Input channels.

    Returns
    -------
    crow : torch.Tensor
        ``(blocks * L_full + 1,)``: where each output row's entries start, for output
        positions ``[0, L_full)``, ``L_full = length + max(shifts)``.
    cols : torch.Tensor
        ``(B * T,)``: each entry's weight row, ``t * C + channel``; non-decreasing
        within an output row.
    entry : torch.Tensor
        ``(B, T)``: where nonzero ``b`` through tap ``t`` sits in ``cols``.
    """
    dev = position.device
    T, B = shifts.shape[0], position.shape[0]
    L_full = length + int(shifts.max())
    count = torch.bincount(position, minlength=blocks * length)
    rank = torch.arange(B, device=dev) - (count.cumsum(0) - count)[position]  # within its (block, m)
    per_tap = torch.zeros((blocks, L_full, T), dtype=torch.int64, device=dev)
    for t in range(T):
        s = int(shifts[t])
        per_tap[:, s : s + length, t] = count.view(blocks, length)
    crow = torch.zeros(blocks * L_full + 1, dtype=torch.int64, device=dev)
    crow[1:] = per_tap.sum(dim=-1).view(-1).cumsum(0)
    earlier = (per_tap.cumsum(dim=-1) - per_tap).view(-1)  # entries of earlier taps in the row
    taps = torch.arange(T, device=dev)
    row = (position // length * L_full + position % length)[:, None] + shifts  # (B, T)
    entry = crow[row] + earlier[row * T + taps] + rank[:, None]
    cols = torch.empty(B * T, dtype=torch.int64, device=dev)
    cols[entry] = taps * C + channel[:, None]
    return crow, cols, entry


def tap_sum(
    values: torch.Tensor, weights: torch.Tensor, layout: tuple[torch.Tensor, torch.Tensor, torch.Tensor]
) -> torch.Tensor:
    """``(V, B)`` values of the nonzeros -> ``(V * rows, F)`` sums of ``weights`` ``(T * C, F)`` rows."""
    crow, cols, entry = layout
    n = values.shape[0]
    scale = torch.empty((n, cols.shape[0]), dtype=values.dtype, device=values.device)
    scale[:, entry] = values[:, :, None]
    offsets = torch.cat([crow[:-1] + i * cols.shape[0] for i in range(n)] + [crow[-1:] * n])
    return nn.functional.embedding_bag(
        cols.repeat(n), weights, offsets, mode="sum", per_sample_weights=scale.view(-1),
        include_last_offset=True,
    )  # fmt: skip


__all__ = ["tap_rows", "tap_sum"]
