"""Predict a list of records with a zoo model: fit lengths, encode, run, tabulate."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch

from genodash.errors import InputError, check
from genodash.io import Record
from genodash.length import FittedSequence, fit_length
from genodash.models import LoadedModel
from genodash.predict import Progress, apply_activation, predict
from genodash.sequence import one_hot_encode

#: Most bases one request may hold (keeps a shared server responsive).
MAX_TOTAL_BASES = 50_000_000


@dataclass(frozen=True)
class BatchPrediction:
    """Predictions for named records, ready to show.

    Attributes
    ----------
    model_name : str
    records : tuple of Record
        As given by the user (``N`` of them).
    fitted : tuple of FittedSequence
        What each record became at the model's input length.
    raw : torch.Tensor
        The model's outputs (logits): ``(N, T)`` or ``(N, T, L_out)``.
    values : torch.Tensor
        After the card's output activation; same shape as ``raw``.
    table : pandas.DataFrame
        One row per record: name, length, handling, ambiguous bases, one column
        per task (for profile models the maximum over positions and its position).
    value_columns : tuple of str
        The columns of ``table`` that hold one value per task, in task order.
    """

    model_name: str
    records: tuple[Record, ...]
    fitted: tuple[FittedSequence, ...]
    raw: torch.Tensor
    values: torch.Tensor
    table: pd.DataFrame
    value_columns: tuple[str, ...]

    def length_note(self) -> str:
        """A sentence saying how many sequences were cropped or padded, or ``""``."""
        cropped = sum(f.action == "cropped" for f in self.fitted)
        padded = sum(f.action == "padded" for f in self.fitted)
        length = len(self.fitted[0].sequence)
        parts = []
        if cropped:
            parts.append(f"{cropped} longer than {length} nt were centre-cropped")
        if padded:
            parts.append(f"{padded} shorter than {length} nt were padded with N on both sides")
        return ("Sequences: " + "; ".join(parts) + ".") if parts else ""


def predict_records(
    loaded: LoadedModel,
    records: list[Record],
    *,
    batch_size: int = 256,
    progress: Progress | None = None,
) -> BatchPrediction:
    """Run a loaded model on records, handling lengths as its card says.

    Parameters
    ----------
    loaded : LoadedModel
    records : list of Record
        ``N >= 1`` sequences of any lengths.
    batch_size : int, optional
    progress : callable, optional
        ``progress(done, total)`` after each batch.

    Returns
    -------
    BatchPrediction

    Raises
    ------
    InputError
        No records, or more than :data:`MAX_TOTAL_BASES` bases in all.
    """
    card = loaded.card
    check(len(records) > 0, "there are no sequences to predict")
    total = sum(len(r.sequence) for r in records)
    if total > MAX_TOTAL_BASES:
        raise InputError(
            f"the input holds {total:,} nt; this server predicts at most "
            f"{MAX_TOTAL_BASES:,} nt per run: split the file"
        )
    fitted = tuple(fit_length(r.sequence, card.input_length) for r in records)
    X = one_hot_encode([f.sequence for f in fitted])
    raw = predict(loaded.model, X, batch_size=batch_size, progress=progress)
    values = apply_activation(raw, card.output_activation)
    table = pd.DataFrame(
        {
            "name": [r.name for r in records],
            "length": [len(r.sequence) for r in records],
            "handling": [f.action for f in fitted],
            "ambiguous bases": [len(r.sequence) - sum(r.sequence.count(b) for b in "ACGT") for r in records],
        }
    )
    label = {"sigmoid": "probability", "softmax": "probability", "none": "output"}[card.output_activation]
    value_columns = []
    for t, task in enumerate(card.tasks):
        if card.output_kind == "scalar":
            value_columns.append(f"{task} {label}")
            table[value_columns[-1]] = values[:, t].numpy()
        else:
            best, where = values[:, t].max(dim=-1)
            value_columns.append(f"{task} max {label}")
            table[value_columns[-1]] = best.numpy()
            # 1-based position in the fitted input, shown to users
            table[f"{task} max position"] = (where + card.flank + 1).numpy()
    return BatchPrediction(card.name, tuple(records), fitted, raw, values, table, tuple(value_columns))
