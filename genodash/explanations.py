"""Explain records with several methods at once: what the Explain page shows."""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
import torch
from torch import nn

from genodash.agreement import MIN_TOP_OVERLAP, disagreements_with, method_agreement
from genodash.attribution import METHODS, Attribution, explain
from genodash.attribution_split import first_layer_split
from genodash.errors import InputError, check
from genodash.io import Record
from genodash.length import FittedSequence, fit_length
from genodash.models import LoadedModel
from genodash.pass_timing import pass_seconds
from genodash.predict import Progress
from genodash.sequence import one_hot_encode
from genodash.targets import TargetOutput, is_background_task

#: Most sequences explained in one run (each method runs on every one).
MAX_SEQUENCES = 20
#: How to read the agreement panel (shown under it).
AGREEMENT_GUIDE = (
    "Rank correlation: Spearman's correlation of the two methods' |importance| over the positions "
    "(1: the same order, 0: unrelated). Top k overlap: the share of the k most important positions "
    "(a tenth of the sequence) that both methods pick; two unrelated maps share about 0.1 by chance. "
    "ISM measures what the model does when a base changes, so agreement with ISM is the one to check first."
)
#: Most full-model mutant passes allowed when a model has no fast ISM path (ISM and
#: occlusion: one pass per substitution or occluded position).
MAX_SLOW_ISM_MUTANTS = 30_000
#: Longest estimated run (seconds) of a method on a model without its fast path.
MAX_ESTIMATED_SECONDS = 600
#: Methods estimated above this (seconds, one sequence) are not preselected.
PRESELECT_SECONDS = 60


@dataclass(frozen=True)
class ExplanationSet:
    """Attributions of several methods for the same sequences and output.

    Attributes
    ----------
    run_id : str
        Unique per run (keys caches of rendered figures exactly).
    model_name, target : str
    records : tuple of Record
    fitted : tuple of FittedSequence
        What each record became at the model's input length.
    X : torch.Tensor
        ``(N, 4, L)`` one-hot of the fitted sequences.
    attributions : dict of str to Attribution
        Method name -> its result, ``(N, 4, L)`` tensors.
    agreement : pandas.DataFrame or None
        Pairwise agreement (two or more methods).
    settings : dict
        Baseline, references, gradient correction, seed: shown with downloads.
    """

    run_id: str
    model_name: str
    target: str
    records: tuple[Record, ...]
    fitted: tuple[FittedSequence, ...]
    X: torch.Tensor
    attributions: dict[str, Attribution]
    agreement: pd.DataFrame | None
    settings: dict = field(default_factory=dict)

    def agreement_table(self, index: int) -> pd.DataFrame | None:
        """The agreement panel for sequence ``index``: its own figures, and the mean over all.

        Returns
        -------
        pandas.DataFrame or None
            One row per pair of methods: ``method A``, ``method B``, ``rank correlation``
            and ``top k overlap`` on this sequence, then (several sequences) the same
            means over all of them, rounded to two decimals; ``None`` with fewer than two
            methods.
        """
        if self.agreement is None:
            return None
        importance = {m: a.position_importance()[index : index + 1] for m, a in self.attributions.items()}
        table = method_agreement(importance)
        if len(self.records) > 1:
            n = len(self.records)
            means = self.agreement.iloc[:, 2:].rename(columns=lambda c: f"{c}, mean of {n}")
            table = pd.concat([table, means.reset_index(drop=True)], axis=1)
        return table.round(2)

    def ism_disagreements(self) -> dict[str, list[int]]:
        """Method -> 0-based sequences whose top positions mostly miss ISM's (see
        :func:`genodash.agreement.disagreements_with`); empty without ISM."""
        return disagreements_with({m: a.position_importance() for m, a in self.attributions.items()})

    def ism_disagreement_messages(self) -> list[str]:
        """One warning per method that disagrees with ISM, naming the sequences (up to five)."""
        messages = []
        for method, rows in self.ism_disagreements().items():
            names = ", ".join(self.records[i].name for i in rows[:5])
            more = " ..." if len(rows) > 5 else ""
            messages.append(
                f"**{method}** disagrees with ISM on {len(rows)} of {len(self.records)} sequences "
                f"({names}{more}): fewer than {MIN_TOP_OVERLAP:.0%} of ISM's most important positions "
                f"are among the top positions of {method}. ISM measures what the model does when each "
                "base changes; check these logos against it."
            )
        return messages

    def settings_text(self, hypothetical: bool = False) -> str:
        """The run's settings in plain words (shown under the figures)."""
        s = self.settings
        refs = (
            f"{s['references per sequence']} dinucleotide-shuffled references per sequence"
            if s["baseline"] == "dinuc_shuffle"
            else f"{s['baseline']} reference"
        )
        parts = [
            f"{self.model_name}, output {self.target}"
            + (f" summed over output positions {s['window'][0] + 1}-{s['window'][1]}" if s["window"] else ""),
            f"methods {', '.join(self.attributions)}",
            refs,
            f"{s['integration steps']} integration steps",
            f"gradient correction {'on' if s['gradient correction'] else 'off'}",
            f"seed {s['seed']}",
            f"{'hypothetical' if hypothetical else 'actual'} contributions shown",
        ]
        return "Settings: " + "; ".join(parts) + "."

    def gradient_correction_note(self) -> str | None:
        """How much of each gradient method's multipliers gradient correction removes, in words.

        The median over sequences of :attr:`Attribution.off_simplex`, and whether the
        correction changes anything with the chosen references: references whose
        four bases sum to 1 at every position (shuffles, uniform) cancel it exactly.
        ``None`` when no gradient method ran.
        """
        angles = {m: a.off_simplex for m, a in self.attributions.items() if a.off_simplex is not None}
        if not angles:
            return None
        listed = ", ".join(f"{m} {float(v.median()):.0f}°" for m, v in angles.items())
        baseline = self.settings.get("baseline")
        cancels = [
            m for m in angles if METHODS[m].uses_references and baseline in ("dinuc_shuffle", "uniform")
        ]
        state = "on" if self.settings.get("gradient correction") else "off"
        note = (
            f"Gradient correction (now {state}) removes the part of the gradients that points off the "
            f"one-hot simplex (Majdandzic et al. 2023). Its angle to the simplex, median over the "
            f"sequences: {listed}; 0° means the correction changes nothing, larger means more noise "
            "to remove."
        )
        if cancels:
            where = " (except at N positions)" if baseline == "dinuc_shuffle" else ""
            note += (
                f" With {baseline} references it cancels for {', '.join(cancels)}{where}, so those maps "
                "stay the same."
            )
        return note

    def first_position(self, index: int) -> int:
        """1-based coordinate (in the user's sequence) of column 0 of sequence ``index``."""
        return self.fitted[index].offset + 1

    def peak_window(self, index: int, width: int = 100) -> tuple[int, int]:
        """0-based start and width of the ``width``-position window with the most importance.

        Importance is the mean over methods of each method's |per-position importance|
        scaled to a maximum of 1; used to open the logo where the action is.
        """
        length = self.X.shape[2]
        width = min(width, length)
        total = torch.zeros(length)
        for attribution in self.attributions.values():
            values = attribution.position_importance()[index].abs()
            total += values / (values.max() if values.max() > 0 else 1.0)
        sums = torch.nn.functional.conv1d(total[None, None], torch.ones(1, 1, width))[0, 0]
        return int(sums.argmax()), width

    def matrix_table(self, method: str, hypothetical: bool = False) -> pd.DataFrame:
        """Attribution matrix as a table: one row per sequence and position.

        Columns: ``sequence``, ``position`` (1-based, in the user's sequence; padding
        is 0 or negative, or beyond the end), ``base`` (the fitted base, ``N`` for
        padding), ``A``, ``C``, ``G``, ``T``.
        """
        values = self.attributions[method].values(hypothetical)
        frames = []
        for i, fitted in enumerate(self.fitted):
            length = len(fitted.sequence)
            frame = pd.DataFrame(values[i].numpy().T + 0.0, columns=list("ACGT"))  # no -0.0
            frame.insert(0, "base", list(fitted.sequence))
            frame.insert(0, "position", range(self.first_position(i), self.first_position(i) + length))
            frame.insert(0, "sequence", self.records[i].name)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


#: Perturbation methods: full-model passes per position of each sequence without a fast path.
_PASSES_PER_POSITION = {"ism": 3, "occlusion": 1}
#: What the Explain page runs unless the user chooses otherwise.
DEFAULT_METHODS = ("saliency", "integrated_gradients", "ism")


def slow_passes(loaded: LoadedModel, method: str, n_sequences: int = 1) -> int:
    """Full-model passes ``method`` needs for ``n_sequences`` at the model's input length.

    0 for gradient methods and for models with a fast windowed ISM path (an
    ``ism_split()``, see :mod:`genodash.ism`), whose cost is not counted in passes.
    """
    if hasattr(loaded.model, "ism_split"):
        return 0
    return _PASSES_PER_POSITION.get(method, 0) * n_sequences * loaded.card.input_length


def full_passes(
    loaded: LoadedModel,
    method: str,
    n_sequences: int = 1,
    *,
    baseline: str = "dinuc_shuffle",
    n_baselines: int = 10,
    n_steps: int = 50,
    n_samples: int = 20,
) -> tuple[int, int]:
    """Forward and forward-and-gradient passes ``method`` needs without a fast path.

    Parameters
    ----------
    loaded : LoadedModel
    method : str
    n_sequences : int
    baseline, n_baselines, n_steps, n_samples
        As :func:`genodash.attribution.explain` takes them (references per sequence:
        ``n_baselines`` shuffles, or one all-zero or uniform reference).

    Returns
    -------
    forward, gradient : int
        Passes of one sequence each; ``(0, 0)`` when the model has an exact fast path
        for the method (:mod:`genodash.ism`, :mod:`genodash.attribution_split`), whose
        cost is small and not counted in passes.
    """
    if method in ("ism", "occlusion"):
        return slow_passes(loaded, method, n_sequences), 0
    if _has_gradient_fast_path(loaded.model):
        return 0, 0
    references = n_baselines if baseline == "dinuc_shuffle" else 1
    per_sequence = {
        "saliency": 1,
        "input_x_gradient": 1,
        "integrated_gradients": n_steps * references,
        "deeplift": 2,
        "deep_lift_shap": 2 * references,
        "gradient_shap": n_samples,
    }[method]
    return 0, per_sequence * n_sequences


_fast_paths: weakref.WeakKeyDictionary[nn.Module, bool] = weakref.WeakKeyDictionary()


def _has_gradient_fast_path(model: nn.Module) -> bool:
    """Whether gradient methods take the first-layer shortcut on ``model``.

    Remembered per model: finding the split folds batch norms (about 3 ms for a
    Basset-sized CNN) and the page asks several times on every rerun.
    """
    known = _fast_paths.get(model)
    if known is None:
        known = _fast_paths[model] = first_layer_split(TargetOutput(model, 0).eval()) is not None
    return known


def estimated_seconds(loaded: LoadedModel, method: str, n_sequences: int = 1, **settings) -> float:
    """About how long ``method`` takes here on ``n_sequences`` at the model's input length.

    0 where the model has a fast path for the method; otherwise :func:`full_passes` times
    one pass as :func:`genodash.pass_timing.pass_seconds` measures it (once per model).

    Parameters
    ----------
    loaded : LoadedModel
    method : str
    n_sequences : int
    **settings
        ``baseline``, ``n_baselines``, ``n_steps``, ``n_samples`` (see :func:`full_passes`).

    Returns
    -------
    float
        Seconds.
    """
    forward, gradient = full_passes(loaded, method, n_sequences, **settings)
    if forward == gradient == 0:
        return 0.0
    seconds = pass_seconds(loaded.model, loaded.card.input_length)
    return forward * seconds.forward + gradient * seconds.gradient


def default_methods(loaded: LoadedModel) -> list[str]:
    """:data:`DEFAULT_METHODS` without those one sequence could not afford here.

    E.g. on SpliceAI (15 kb inputs, no fast path): ISM (45,000 full passes) and
    integrated gradients with ten shuffled references (500 gradient passes).
    """
    return [
        m
        for m in DEFAULT_METHODS
        if slow_passes(loaded, m) <= MAX_SLOW_ISM_MUTANTS
        and estimated_seconds(loaded, m) <= PRESELECT_SECONDS
    ]


#: An estimated run at least this long (seconds) gets its estimate shown before Run.
SHOW_ESTIMATE_SECONDS = 20


def time_estimate_note(loaded: LoadedModel, methods: list[str], n_sequences: int, **settings) -> str | None:
    """The estimate shown before **Run** when the chosen methods would take a while, else ``None``.

    Parameters
    ----------
    loaded : LoadedModel
    methods : list of str
    n_sequences : int
    **settings
        See :func:`full_passes`.
    """
    estimates = {m: estimated_seconds(loaded, m, n_sequences, **settings) for m in methods}
    total = sum(estimates.values())
    if total < SHOW_ESTIMATE_SECONDS:
        return None
    parts = ", ".join(f"{m} {duration(t)}" for m, t in estimates.items() if t >= 1)
    return (
        f"Estimated time for {n_sequences} sequence(s): about {duration(total)} ({parts}); methods above "
        f"{duration(MAX_ESTIMATED_SECONDS)} are refused."
    )


def ig_not_preselected_note(loaded: LoadedModel) -> str:
    """Why integrated gradients is not preselected, with its cost with shuffles and with zeros."""
    shuffles = estimated_seconds(loaded, "integrated_gradients")
    zeros = estimated_seconds(loaded, "integrated_gradients", baseline="zeros")
    return (
        "Integrated gradients is not preselected: with ten shuffled references it takes about "
        f"{duration(shuffles)} per sequence on {loaded.card.name} here; with the zeros reference "
        f"(Settings), about {duration(zeros)}."
    )


def first_informative_task(tasks: list[str]) -> int:
    """Index of the task to preselect: the first that is not a background class ("neither")."""
    return next((i for i, t in enumerate(tasks) if not is_background_task(t)), 0)


def duration(seconds: float) -> str:
    """``seconds`` in plain words: "40 s", "3 min", "2.5 h"."""
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"


def _cheaper(method: str) -> str:
    """How to make ``method`` affordable, in the page's words."""
    if method in ("integrated_gradients", "deep_lift_shap"):
        return (
            "choose the zeros or uniform reference (one instead of one per shuffle), fewer integration "
            "steps or references, fewer sequences, or saliency"
        )
    if method == "gradient_shap":
        return "choose fewer sequences, or saliency"
    return "choose fewer sequences or another method"


def results_not_in(result: ExplanationSet, records: Sequence[Record]) -> int:
    """How many of ``result``'s sequences (name and sequence) are not among ``records`` now.

    The Explain page keeps a run's results on screen while the user edits the input; a
    count above 0 says they are from sequences no longer there.
    """
    now = {(r.name, r.sequence) for r in records}
    return sum((r.name, r.sequence) not in now for r in result.records)


def explain_records(
    loaded: LoadedModel,
    records: list[Record],
    *,
    methods: list[str],
    target: int | str = 0,
    window: tuple[int, int] | None = None,
    baseline: str = "dinuc_shuffle",
    n_baselines: int = 10,
    gradient_correction: bool = False,
    seed: int = 0,
    n_steps: int = 50,
    progress: Progress | None = None,
) -> ExplanationSet:
    """Run several attribution methods on records with a loaded model.

    Parameters
    ----------
    loaded : LoadedModel
    records : list of Record
        1 to :data:`MAX_SEQUENCES` sequences; fitted to the model's input length.
    methods : list of str
        Keys of :data:`genodash.attribution.METHODS`.
    target : int or str
        Task index or name.
    window : tuple of int, optional
        Profile models: 0-based half-open output positions whose sum is explained.
    baseline, n_baselines, gradient_correction, seed, n_steps
        See :func:`genodash.attribution.explain`.
    progress : callable, optional
        ``progress(done, total)`` counted in (method, sequence) pairs.

    Returns
    -------
    ExplanationSet
    """
    check(len(records) > 0, "choose at least one sequence to explain")
    check(
        len(records) <= MAX_SEQUENCES,
        f"{len(records)} sequences chosen; explain at most {MAX_SEQUENCES} at a time",
    )
    check(len(methods) > 0, "choose at least one method")
    unknown = [m for m in methods if m not in METHODS]
    check(not unknown, f"unknown methods: {', '.join(unknown)}; choose from {', '.join(METHODS)}")
    card = loaded.card
    fitted = tuple(fit_length(r.sequence, card.input_length) for r in records)
    X = one_hot_encode([f.sequence for f in fitted])
    for method in methods:
        mutants = slow_passes(loaded, method, X.shape[0])
        if mutants > MAX_SLOW_ISM_MUTANTS:
            raise InputError(
                f"{method} of {X.shape[0]} sequence(s) of {X.shape[2]:,} nt needs {mutants:,} full "
                f"passes of {card.name}, which has no fast windowed path; choose fewer sequences or "
                "another method"
            )
        settings = {"baseline": baseline, "n_baselines": n_baselines, "n_steps": n_steps}
        seconds = estimated_seconds(loaded, method, X.shape[0], **settings)
        if seconds > MAX_ESTIMATED_SECONDS:
            forward, gradient = full_passes(loaded, method, X.shape[0], **settings)
            raise InputError(
                f"{method} of {X.shape[0]} sequence(s) needs {forward + gradient:,} full passes of "
                f"{card.name} (each of its {X.shape[2]:,} nt input), about {duration(seconds)} here (the "
                f"limit is {duration(MAX_ESTIMATED_SECONDS)}); {_cheaper(method)}"
            )
    task = card.tasks[target] if isinstance(target, int) else target
    n = X.shape[0]
    results: dict[str, Attribution] = {}
    for k, method in enumerate(methods):

        def report(done: int, total: int, k: int = k) -> None:
            if progress is not None:
                progress(k * n + done, len(methods) * n)

        results[method] = explain(
            loaded.model,
            X,
            method=method,
            target=target,
            tasks=card.tasks,
            window=window,
            baseline=baseline,
            n_baselines=n_baselines,
            seed=seed,
            gradient_correction=gradient_correction,
            n_steps=n_steps,
            progress=report,
            names=[r.name for r in records],
        )
    agreement = None
    if len(results) >= 2:
        agreement = method_agreement({m: r.position_importance() for m, r in results.items()})
    settings = {
        "baseline": baseline,
        "references per sequence": n_baselines,
        "gradient correction": gradient_correction,
        "seed": seed,
        "integration steps": n_steps,
        "window": window,
    }
    return ExplanationSet(
        uuid.uuid4().hex, card.name, task, tuple(records), fitted, X, results, agreement, settings
    )
