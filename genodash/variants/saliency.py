"""Saliency around a variant: REF, ALT and ALT - REF attributions on one aligned axis, and ISM.

Both windows are explained with the same method, target and settings
(:func:`genodash.attribution.explain`); the attributions are then placed on the
alignment of :func:`genodash.variants.windows.align`, so an insertion's extra bases are
columns of their own (zero in REF) and a deletion's missing bases are zero in ALT.
The ISM heatmap scores every substitution in a window around the variant on the REF
sequence; any of its cells names a new variant (:func:`substitution`), the what-if edit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from genodash.attribution import explain
from genodash.errors import check
from genodash.ism import saturation_mutagenesis
from genodash.models import LoadedModel
from genodash.predict import predict
from genodash.sequence import one_hot_encode
from genodash.targets import TargetOutput, resolve_target
from genodash.variants.record import Variant
from genodash.variants.scoring import output_offset
from genodash.variants.windows import Alignment, AlleleWindows, align

Progress = Callable[[int, int], None]
BASES = "ACGT"


@dataclass(frozen=True)
class VariantSaliency:
    """Attributions of REF and ALT around one variant.

    Attributes
    ----------
    method, target : str
    alignment : Alignment
        The shown columns (``C`` of them) of both windows.
    ref, alt, diff : numpy.ndarray
        ``(4, C)`` projected attributions of REF, ALT, and ALT - REF.
    variant_columns : tuple of int
        Aligned columns ``[start, end)`` that differ between REF and ALT (for highlighting).
    ism : numpy.ndarray
        ``(4, W)`` effect of each substitution of the REF window on the explained output
        (0 at the reference base).
    ism_sequence : str
        The ``W`` REF bases of the heatmap.
    ism_first_position : int
        1-based reference position of the heatmap's first column.
    output_window : tuple of int or None
        Profile models: the output positions (0-based, half-open) whose sum is explained.
    warnings : tuple of str
        Failed method checks (e.g. DeepLIFT completeness).
    """

    method: str
    target: str
    alignment: Alignment
    ref: np.ndarray
    alt: np.ndarray
    diff: np.ndarray
    variant_columns: tuple[int, int]
    ism: np.ndarray
    ism_sequence: str
    ism_first_position: int
    output_window: tuple[int, int] | None
    warnings: tuple[str, ...]


def profile_window(windows: AlleleWindows, output_length: int, half_width: int) -> tuple[int, int]:
    """Output positions within ``half_width`` of the variant, for profile models (0-based, half-open)."""
    offset = output_offset(len(windows.ref_seq), output_length)
    lo, hi = windows.ref_columns[0] - offset, windows.ref_columns[1] - offset
    return max(lo - half_width, 0), min(hi + half_width, output_length)


def explain_variant(
    loaded: LoadedModel,
    windows: AlleleWindows,
    *,
    method: str = "saliency",
    target: int | str = 0,
    flank: int = 30,
    ism_flank: int = 10,
    output_half_width: int = 50,
    output_window: tuple[int, int] | None = None,
    ism_batch_size: int = 256,
    progress: Progress | None = None,
    **options,
) -> VariantSaliency:
    """Explain REF and ALT of a variant and score substitutions around it.

    Parameters
    ----------
    loaded : LoadedModel
        Not modified.
    windows : AlleleWindows
        From :func:`genodash.variants.windows.build_windows` with the model's input length.
    method : str
        A key of :data:`genodash.attribution.METHODS`.
    target : int or str
        Task index or name.
    flank : int
        Columns shown on each side of the variant.
    ism_flank : int
        Reference positions on each side of the variant in the ISM heatmap.
    output_half_width : int
        Profile models: output positions on each side of the variant that are summed.
    output_window : tuple of int, optional
        Profile models: explain the sum over these output positions (0-based, half-open)
        instead, e.g. the one splice site whose probability changes most.
    ism_batch_size : int
        Mutants per forward pass (lower it for large models such as SpliceAI).
    progress : callable, optional
        ``progress(done, total)`` over the three steps (REF and ALT, ISM).
    **options
        Passed to :func:`genodash.attribution.explain` (``baseline``, ``n_baselines``, ...).

    Returns
    -------
    VariantSaliency
    """
    card = loaded.card
    index = resolve_target(target, card.tasks)
    X = one_hot_encode([windows.ref_seq, windows.alt_seq])
    window = output_window
    if card.output_kind == "profile" and window is None:
        output_length = predict(loaded.model, X[:1]).shape[-1]
        window = profile_window(windows, output_length, output_half_width)
    attribution = explain(loaded.model, X, method=method, target=index, window=window, **options)
    if progress is not None:
        progress(1, 2)
    values = attribution.projected.numpy().astype(np.float64)
    v = windows.checked.variant
    left = windows.ref_columns[0]
    first = max(left - flank, 0)
    last = min(windows.ref_columns[1] + flank, len(windows.ref_seq))
    alignment = align(windows, first, last)
    ref = alignment.take(values[0], "ref")
    alt = alignment.take(values[1], "alt")
    changed = [
        i
        for i, key in enumerate(alignment.keys)
        if v.start <= key[0] < v.end or key[1] > 0 or (key[0] == v.end - 1 and len(v.alt) > len(v.ref))
    ]
    columns = (min(changed), max(changed) + 1) if changed else (0, 0)

    lo = max(left - ism_flank, 0)
    hi = min(windows.ref_columns[1] + ism_flank, len(windows.ref_seq))
    wrapper = TargetOutput(loaded.model, index, window).eval()
    effects = saturation_mutagenesis(
        wrapper, X[:1].to(loaded.device), batch_size=ism_batch_size, columns=(lo, hi)
    )[0].numpy()
    if progress is not None:
        progress(2, 2)
    return VariantSaliency(
        method,
        card.tasks[index],
        alignment,
        ref,
        alt,
        alt - ref,
        columns,
        effects[:, lo:hi].astype(np.float64),
        windows.ref_seq[lo:hi],
        windows.window_start + lo + 1,
        window,
        attribution.warnings,
    )


def substitution(windows: AlleleWindows, position: int, base: str) -> Variant:
    """The what-if variant: the reference base at 1-based ``position`` changed to ``base``.

    Parameters
    ----------
    windows : AlleleWindows
        Of the variant being inspected (gives the contig and the reference bases).
    position : int
        1-based reference position inside the REF window (a heatmap column).
    base : str
        One of A, C, G, T.

    Returns
    -------
    Variant
        An SNV on the same contig, source ``"what-if"``.

    Raises
    ------
    InputError
        A position outside the window, a base that is not A, C, G, T, or no change.
    """
    column = position - 1 - windows.window_start
    check(0 <= column < len(windows.ref_seq), f"position {position:,} is outside the shown window")
    base = base.upper()
    check(base in BASES, f"base must be one of A, C, G, T, got {base!r}")
    ref = windows.ref_seq[column]
    check(ref != base, f"position {position:,} already is {base}")
    return Variant(windows.checked.variant.chrom, position - 1, ref, base, ".", "what-if")
