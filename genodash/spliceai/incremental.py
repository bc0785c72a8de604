"""Predict many alleles of one locus, recomputing only what each allele changes.

A residual unit of SpliceAI reads ``crop`` positions on each side. So after the first
``u`` units, an allele that replaces the bases ``[e, e + len(alt))`` of a window changes
the hidden activations only within ``off[u]`` positions of it (the "cone"), where
``off[u]`` is the sum of the first ``u`` crops; everywhere else they equal the
reference's (shifted by the length change to the right of an indel). Unpadded layers
shrink the part of a window still needed for the output by the same ``off[u]``.

:func:`predict_alleles` therefore runs the reference once over a whole frame (one
locus, in model orientation), and for each allele computes only the intersection of
its cone with what its output window still needs, taking every other activation from
the reference. Alleles with the same geometry are batched. For a single-nucleotide
variant and a 101-position output window this is about 30% of a full forward pass,
and the reference pass is shared by all alleles of the frame.

The results equal a plain forward pass over each allele's window to float rounding.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

import torch

from genodash.errors import check
from genodash.spliceai.model import FLANK
from genodash.spliceai.stacked import StackedSpliceAI


@dataclass(frozen=True)
class Allele:
    """One allele to predict inside a frame.

    Attributes
    ----------
    window_start : int
        Frame index where the allele's window starts; the window covers
        ``window_length`` frame positions before the edit.
    edit_start : int
        Frame index of the first replaced base (inside the window).
    ref_length : int
        Bases replaced (``>= 1``).
    alt : torch.Tensor
        ``(4, alt_length)`` one-hot of the new bases, in model orientation
        (``alt_length >= 1``).
    """

    window_start: int
    edit_start: int
    ref_length: int
    alt: torch.Tensor


class AllelePredictions(NamedTuple):
    """What :func:`predict_alleles` returns.

    Attributes
    ----------
    reference : torch.Tensor
        ``(T, L_f - 10000)`` mean probabilities; column ``i`` is frame position ``i + 5000``.
    alts : list of torch.Tensor
        Per allele ``(T, window_length + len(alt) - ref_length - 10000)``; column ``i``
        is position ``i + 5000`` of the allele's window after the edit.
    """

    reference: torch.Tensor
    alts: list[torch.Tensor]


@dataclass(frozen=True)
class _Span:
    """Half-open range ``[lo, hi)`` of positions."""

    lo: int
    hi: int

    @property
    def size(self) -> int:
        return max(self.hi - self.lo, 0)


def _gather(R: torch.Tensor, index: torch.Tensor) -> torch.Tensor:
    """``R (1, C, L)`` at ``index (B, n)`` to ``(B, C, n)``."""
    B, n = index.shape
    return R[0].index_select(1, index.reshape(-1)).view(R.shape[1], B, n).transpose(0, 1)


class _Group:
    """Alleles of one geometry: same edit offset in the window and same lengths."""

    def __init__(self, alleles: list[tuple[int, Allele]], window_length: int, device: torch.device) -> None:
        first = alleles[0][1]
        self.positions = [i for i, _ in alleles]
        self.edit = first.edit_start - first.window_start
        self.alt_length = first.alt.shape[1]
        self.delta = self.alt_length - first.ref_length
        self.length = window_length + self.delta
        self.output = _Span(FLANK, self.length - FLANK)
        self.starts = torch.tensor([a.window_start for _, a in alleles], device=device)
        self.alts = torch.stack([a.alt for _, a in alleles]).to(device)

    def cone(self, offset: int) -> _Span:
        """Alt-window positions that can differ from the reference after ``offset`` of cropping."""
        return _Span(
            max(offset, self.edit - offset),
            min(self.length - offset, self.edit + self.alt_length + offset),
        )

    def assemble(
        self, R: torch.Tensor, r_offset: int, H: torch.Tensor, held: _Span, want: _Span, rows: slice
    ) -> torch.Tensor:
        """Hidden activations of alleles ``rows`` over alt-window positions ``want``.

        Parameters
        ----------
        R : torch.Tensor
            Reference activations ``(1, C, L)``; ``R[..., i]`` is frame position ``i + r_offset``.
        H : torch.Tensor
            The alleles' own activations ``(b, C, held.size)`` over ``held``.
        """
        starts = self.starts[rows]
        parts = []
        left = _Span(want.lo, min(held.lo, want.hi))
        if left.size:
            span = torch.arange(left.lo, left.hi, device=R.device)
            parts.append(_gather(R, starts[:, None] + span[None] - r_offset))
        inner = _Span(max(want.lo, held.lo), min(want.hi, held.hi))
        if inner.size:
            parts.append(H[..., inner.lo - held.lo : inner.hi - held.lo])
        right = _Span(max(held.hi, want.lo), want.hi)
        if right.size:
            span = torch.arange(right.lo, right.hi, device=R.device)
            parts.append(_gather(R, starts[:, None] + span[None] - self.delta - r_offset))
        return torch.cat(parts, dim=-1) if len(parts) > 1 else parts[0].contiguous()


def predict_alleles(
    net: StackedSpliceAI,
    frame: torch.Tensor,
    alleles: list[Allele],
    window_length: int,
    *,
    batch_size: int = 32,
) -> AllelePredictions:
    """Ensemble predictions for a reference frame and for alleles inside it.

    Parameters
    ----------
    net : StackedSpliceAI
        In eval mode; its device is used.
    frame : torch.Tensor
        ``(4, L_f)`` one-hot reference in model orientation, ``L_f >= 10001``.
    alleles : list of Allele
        Each window ``[window_start, window_start + window_length)`` must lie in the frame.
    window_length : int
        Reference length of every allele's window (``>= 10001``).
    batch_size : int, optional
        Alleles computed together.

    Returns
    -------
    AllelePredictions
        ``reference`` and ``alts``, on the CPU.
    """
    check(frame.ndim == 2 and frame.shape[0] == 4, f"frame must be (4, L), got {tuple(frame.shape)}")
    check(frame.shape[1] > 2 * FLANK, f"frame must be longer than {2 * FLANK} nt, got {frame.shape[1]}")
    check(batch_size >= 1, f"batch_size must be at least 1, got {batch_size}")
    device = net.w_in.device
    for allele in alleles:
        fits = (
            0 <= allele.window_start <= allele.edit_start
            and allele.edit_start + allele.ref_length <= allele.window_start + window_length
            and allele.window_start + window_length <= frame.shape[1]
            and allele.ref_length >= 1
            and allele.alt.ndim == 2
            and allele.alt.shape[0] == 4
            and allele.alt.shape[1] >= 1
        )
        check(
            fits,
            f"allele {allele} does not fit a frame of {frame.shape[1]} nt with windows of {window_length} nt",
        )
    by_geometry: dict[tuple[int, int, int], list[tuple[int, Allele]]] = defaultdict(list)
    for i, allele in enumerate(alleles):
        key = (allele.edit_start - allele.window_start, allele.ref_length, allele.alt.shape[1])
        by_geometry[key].append((i, allele))
    groups = [_Group(members, window_length, device) for members in by_geometry.values()]
    with torch.inference_mode():
        return _run(net, frame.to(device, torch.float32), groups, len(alleles), batch_size)


def _run(
    net: StackedSpliceAI, frame: torch.Tensor, groups: list[_Group], n_alleles: int, batch_size: int
) -> AllelePredictions:
    R = net.embed(frame[None])
    S = net.skip_in(R)
    # per group, per chunk of alleles: activations H over span `held`, skip sums over the output
    chunks = []
    for g in groups:
        for lo in range(0, len(g.positions), batch_size):
            rows = slice(lo, lo + batch_size)
            held = _Span(g.edit, g.edit + g.alt_length)
            H = net.embed(g.alts[rows])
            S_alt = net.skip_in(g.assemble(R, 0, H, held, g.output, rows))
            chunks.append([g, rows, H, held, S_alt])
    offset, skip_crop = 0, 0
    for u in range(net.n_units):
        crop = net.crops[u]
        for chunk in chunks:
            g, rows, H, held, _ = chunk
            nxt = g.cone(offset + crop)
            need = _Span(nxt.lo - crop, nxt.hi + crop)
            chunk[2] = net.unit(u, g.assemble(R, offset, H, held, need, rows))
            chunk[3] = nxt
        R = net.unit(u, R)
        offset += crop
        skip_crop += crop
        if net.is_stage_end(u):
            S = S[..., skip_crop : S.shape[-1] - skip_crop] + net.skip(u, R)
            skip_crop = 0
            for chunk in chunks:
                g, rows, H, held, S_alt = chunk
                chunk[4] = S_alt + net.skip(u, g.assemble(R, offset, H, held, g.output, rows))
    reference = net.mean(net.head(S))[0].float().cpu()
    alts: list[torch.Tensor | None] = [None] * n_alleles
    for g, rows, _, _, S_alt in chunks:
        Y = net.mean(net.head(S_alt)).float().cpu()
        for j, position in enumerate(g.positions[rows]):
            alts[position] = Y[j]
    return AllelePredictions(reference, alts)
