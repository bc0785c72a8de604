"""Score checked variants with any zoo model: REF and ALT predictions and their difference."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from genodash.genome import Genome
from genodash.models import LoadedModel
from genodash.predict import apply_activation, predict
from genodash.sequence import one_hot_encode
from genodash.variants.checking import CheckedVariant
from genodash.variants.windows import Alignment, AlleleWindows, align, build_windows

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class VariantScore:
    """What a model says about one variant.

    Attributes
    ----------
    windows : AlleleWindows
        The REF and ALT inputs.
    tasks : tuple of str
    ref, alt : numpy.ndarray
        Activated predictions: ``(T,)`` for scalar models, ``(T, L_out)`` for profile models.
    delta : numpy.ndarray
        ``alt - ref``: ``(T,)``, or for profile models ``(T, C)`` on the aligned output
        columns (see :attr:`output_alignment`).
    summary : numpy.ndarray
        ``(T,)`` one number per task for triage: ``delta`` for scalar models; for profile
        models the signed aligned difference of largest magnitude.
    output_alignment : Alignment or None
        Profile models: REF and ALT output positions on one axis.
    """

    windows: AlleleWindows
    tasks: tuple[str, ...]
    ref: np.ndarray
    alt: np.ndarray
    delta: np.ndarray
    summary: np.ndarray
    output_alignment: Alignment | None = None

    @property
    def variant(self):
        """The scored :class:`~genodash.variants.record.Variant`."""
        return self.windows.checked.variant


def output_offset(input_length: int, output_length: int) -> int:
    """Window column of a profile model's first output position (outputs are centred)."""
    return (input_length - output_length) // 2


def _summarise(windows: AlleleWindows, ref: np.ndarray, alt: np.ndarray, length: int):
    if ref.ndim == 1:
        delta = alt - ref
        return delta, delta, None
    offset = output_offset(length, ref.shape[-1])
    alignment = align(windows, offset, offset + ref.shape[-1])
    alt_index = alignment.alt_index - offset
    alt_index[(alignment.alt_index < offset) | (alt_index >= alt.shape[-1])] = -1
    shifted = Alignment(alignment.keys, alignment.ref_index - offset, alt_index)
    shifted.ref_index[alignment.ref_index < 0] = -1
    delta = shifted.take(alt, "alt") - shifted.take(ref, "ref")
    both = (shifted.ref_index >= 0) & (shifted.alt_index >= 0)
    masked = np.where(both, delta, 0.0)
    pick = np.abs(masked).argmax(axis=-1)
    summary = np.take_along_axis(masked, pick[:, None], axis=-1)[:, 0]
    return delta, summary, shifted


def score_variants(
    loaded: LoadedModel,
    variants: Iterable[CheckedVariant],
    genome: Genome,
    *,
    batch_size: int = 64,
    progress: Progress | None = None,
    total: int | None = None,
) -> Iterator[VariantScore]:
    """REF and ALT predictions for each variant, batch by batch (a generator: memory stays flat).

    Parameters
    ----------
    loaded : LoadedModel
        Any zoo or user model; its card gives the input length.
    variants : iterable of CheckedVariant
    genome : Genome
    batch_size : int
        Variants per forward pass (two sequences each).
    progress : callable, optional
        ``progress(done, total)`` in variants after each batch.
    total : int, optional
        Passed to ``progress`` (default: ``len(variants)`` when it has one).

    Yields
    ------
    VariantScore
        In input order.
    """
    card = loaded.card
    length = card.input_length
    if total is None and hasattr(variants, "__len__"):
        total = len(variants)
    done = 0
    batch: list[AlleleWindows] = []

    def flush() -> Iterator[VariantScore]:
        X = one_hot_encode([w.ref_seq for w in batch] + [w.alt_seq for w in batch])
        Y = apply_activation(predict(loaded.model, X, batch_size=2 * batch_size), card.output_activation)
        Y = Y.numpy().astype(np.float64)
        n = len(batch)
        for i, windows in enumerate(batch):
            ref, alt = Y[i], Y[n + i]
            delta, summary, alignment = _summarise(windows, ref, alt, length)
            yield VariantScore(windows, tuple(card.tasks), ref, alt, delta, summary, alignment)

    for checked in variants:
        batch.append(build_windows(checked, genome, length))
        if len(batch) == batch_size:
            yield from flush()
            done += len(batch)
            batch = []
            if progress is not None:
                progress(done, total or done)
    if batch:
        yield from flush()
        done += len(batch)
        if progress is not None:
            progress(done, total or done)


def score_one(loaded: LoadedModel, checked: CheckedVariant, genome: Genome) -> VariantScore:
    """:func:`score_variants` for a single variant."""
    return next(score_variants(loaded, [checked], genome, batch_size=1))
