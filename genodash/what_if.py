"""What if one base of an explained sequence were different? One substitution, scored directly.

The Explain page's ISM heatmap answers this for every substitution at once, as the
change of the explained output; here a single substitution is run through the model
as a sequence of its own, so a user sees every task before and after, and the ISM
cell checked against a direct pass.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pandas as pd
import torch

from genodash.errors import check
from genodash.explanations import ExplanationSet
from genodash.models import LoadedModel
from genodash.predict import apply_activation, predict
from genodash.sequence import one_hot_encode
from genodash.targets import TargetOutput


@dataclass(frozen=True)
class WhatIf:
    """One substitution in one explained sequence, and what the model makes of it.

    Attributes
    ----------
    name : str
        The explained record's name.
    position : int
        1-based, in the user's sequence (0 or less, or past its end, inside padding).
    ref, alt : str
        The base there and the one put in its place.
    table : pandas.DataFrame
        One row per task: ``task``, ``before``, ``after``, ``change`` in the model's raw
        output (the explained value: for profile models summed over the explained
        window), and for models whose card names an activation, ``before (shown)`` and
        ``after (shown)`` with it applied (e.g. probabilities).
    explained_change : float
        ``after - before`` of the explained task.
    ism_effect : float or None
        The ISM heatmap's value for this substitution (``None`` when ISM did not run).
    mutant_fasta : str or None
        The user's whole sequence with the substitution, as a FASTA record named e.g.
        ``peak1_57G>T`` (``None`` when the position is padding, outside the user's
        sequence).
    """

    name: str
    position: int
    ref: str
    alt: str
    table: pd.DataFrame
    explained_change: float
    ism_effect: float | None
    mutant_fasta: str | None

    @property
    def label(self) -> str:
        """E.g. ``57 G>T``."""
        return f"{self.position} {self.ref}>{self.alt}"

    @property
    def mutant_name(self) -> str:
        """The mutant record's name, e.g. ``peak1_57G>T``."""
        return f"{self.name}_{self.position}{self.ref}>{self.alt}"

    @property
    def ism_agrees(self) -> bool | None:
        """Whether the direct pass gives the ISM cell's value (``None`` without ISM)."""
        if self.ism_effect is None:
            return None
        scale = max(abs(self.explained_change), abs(self.ism_effect), 1e-6)
        return abs(self.explained_change - self.ism_effect) <= 1e-3 * scale + 1e-5

    def agreement_message(self) -> str | None:
        """How the direct pass compares with the ISM cell, in words (``None`` without ISM)."""
        if self.ism_agrees is None:
            return None
        verdict = "the same" if self.ism_agrees else "DIFFERENT: please report this"
        return (
            f"ISM's heatmap gave {self.ism_effect:+.4g} for {self.label}; running the mutant "
            f"through the model gives {self.explained_change:+.4g} ({verdict})."
        )


def what_if(loaded: LoadedModel, result: ExplanationSet, index: int, column: int, alt: str) -> WhatIf:
    """Score one substitution of an explained sequence directly.

    Parameters
    ----------
    loaded : LoadedModel
        The model the explanation was made with.
    result : ExplanationSet
    index : int
        0-based: which of ``result``'s sequences.
    column : int
        0-based column of the fitted sequence (the model's input; see
        :meth:`ExplanationSet.first_position` for the user's coordinate).
    alt : str
        ``A``, ``C``, ``G`` or ``T``.

    Returns
    -------
    WhatIf
    """
    check(loaded.card.name == result.model_name, f"this explanation was made with {result.model_name}")
    check(0 <= index < len(result.fitted), f"sequence {index + 1} is not among the explained sequences")
    fitted = result.fitted[index]
    length = len(fitted.sequence)
    check(0 <= column < length, f"column {column} is outside the sequence's {length} columns")
    alt = alt.upper()
    check(alt in ("A", "C", "G", "T"), f"the new base must be A, C, G or T, got {alt!r}")
    ref = fitted.sequence[column]
    position = fitted.offset + column + 1
    check(alt != ref, f"position {position} is already {alt}; choose another base")
    mutant = fitted.sequence[:column] + alt + fitted.sequence[column + 1 :]
    outputs = predict(loaded.model, one_hot_encode([fitted.sequence, mutant]))  # (2, T) or (2, T, L_out)
    card = loaded.card
    window = result.settings.get("window")
    values = torch.cat(
        [TargetOutput(loaded.model, t, window).select(outputs) for t in range(len(card.tasks))], dim=1
    )  # (2, T)
    table = pd.DataFrame(
        {
            "task": list(card.tasks),
            "before": values[0].numpy(),
            "after": values[1].numpy(),
            "change": (values[1] - values[0]).numpy(),
        }
    )
    if outputs.ndim == 2 and card.output_activation not in ("none", "probability"):
        shown = apply_activation(outputs, card.output_activation)
        table["before (shown)"] = shown[0].numpy()
        table["after (shown)"] = shown[1].numpy()
    explained = list(card.tasks).index(result.target)
    ism = result.attributions.get("ism")
    ism_effect = None if ism is None else float(ism.hypothetical[index, "ACGT".index(alt), column])
    record = result.records[index]
    explained_change = float(table["change"][explained])
    change = WhatIf(record.name, position, ref, alt, table, explained_change, ism_effect, None)
    at = position - 1  # 0-based in the user's sequence
    if not 0 <= at < len(record.sequence):  # padding: no record of the user's to change
        return change
    user = record.sequence[:at] + alt + record.sequence[at + 1 :]
    return dataclasses.replace(change, mutant_fasta=f">{change.mutant_name}\n{user}\n")


__all__ = ["WhatIf", "what_if"]
