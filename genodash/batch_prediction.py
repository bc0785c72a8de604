"""Predict a list of records with a zoo model: fit lengths, encode, run, tabulate."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import torch

from genodash.errors import InputError, check
from genodash.io import Record
from genodash.length import FittedSequence, fit_length, tile_sequence
from genodash.models import LoadedModel
from genodash.predict import Progress, apply_activation, predict
from genodash.sequence import one_hot_encode
from genodash.targets import is_background_task

#: Most bases one request may hold (keeps a shared server responsive).
MAX_TOTAL_BASES = 50_000_000
#: Inputs of a ``tile`` profile model run together (they are long: keep memory small).
TILE_BATCH = 4


def n_sequences(n: int) -> str:
    """``"1 sequence"``, ``"2 sequences"``, ``"1,000 sequences"``.

    Parameters
    ----------
    n : int

    Returns
    -------
    str
    """
    return f"{n:,} sequence" + ("" if n == 1 else "s")


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
        The model's outputs (logits): ``(N, T)`` or ``(N, T, L_out)``. For a ``tile``
        profile model ``L_out`` is the longest record's length and positions past a
        record's end are NaN.
    values : torch.Tensor
        After the card's output activation; same shape as ``raw``.
    table : pandas.DataFrame
        One row per record: name, length, handling, ambiguous bases, one column
        per task (for profile models the maximum over positions and its position).
    value_columns : tuple of str
        The columns of ``table`` that hold one value per task, in task order.
    first_position : int
        Profile models: the 1-based position that column 0 of ``values`` refers to
        (in the user's sequence for ``tile`` models, in the fitted input otherwise).
    length_message : str
        Replaces the default :meth:`length_note` when set.
    tasks : tuple of str
        The card's task names, in order (``T`` of them).
    """

    model_name: str
    records: tuple[Record, ...]
    fitted: tuple[FittedSequence, ...]
    raw: torch.Tensor
    values: torch.Tensor
    table: pd.DataFrame
    value_columns: tuple[str, ...]
    first_position: int = 1
    length_message: str = ""
    tasks: tuple[str, ...] = ()

    def hidden_tasks(self) -> tuple[str, ...]:
        """The tasks :meth:`summary_table` leaves out: background classes of a profile model.

        Their maximum (e.g. SpliceAI's "neither", no splice site) is near 1 in every sequence;
        see :func:`genodash.targets.is_background_task`.
        """
        if self.raw.ndim != 3:
            return ()
        hidden = tuple(t for t in self.tasks if is_background_task(t))
        return hidden if len(hidden) < len(self.tasks) else ()

    def summary_table(self) -> pd.DataFrame:
        """``table`` without the columns of :meth:`hidden_tasks`: what a page shows and downloads.

        Returns
        -------
        pandas.DataFrame
            A copy; ``table`` itself keeps every task.
        """
        hidden = set(self.hidden_tasks())
        if not hidden:
            return self.table.copy()
        drop = [
            column
            for t, task in enumerate(self.tasks)
            if task in hidden
            for column in (self.value_columns[t], f"{task} max position")
        ]
        return self.table.drop(columns=drop)

    def highest(self, task: str, k: int) -> list[int]:
        """The records with the ``k`` highest predictions for ``task``, highest first.

        Parameters
        ----------
        task : str
            One of :attr:`tasks`; profile models are ranked by their maximum over positions.
        k : int

        Returns
        -------
        list of int
            Indices into :attr:`records` (ties keep input order; records without a value last).
        """
        column = self.table[self.value_columns[self.tasks.index(task)]].reset_index(drop=True)
        ranked = column.sort_values(ascending=False, kind="stable", na_position="last")
        return [int(i) for i in ranked.index[:k]]

    def length_note(self) -> str:
        """A sentence saying how many sequences were cropped or padded, or ``""``."""
        if self.length_message:
            return self.length_message
        cropped = sum(f.action == "cropped" for f in self.fitted)
        padded = sum(f.action == "padded" for f in self.fitted)
        length = len(self.fitted[0].sequence)
        parts = []
        if cropped:
            parts.append(f"{n_sequences(cropped)} longer than {length} nt {_were(cropped)} centre-cropped")
        if padded:
            parts.append(
                f"{n_sequences(padded)} shorter than {length} nt {_were(padded)} padded with N on both sides"
            )
        return ("; ".join(parts) + ".") if parts else ""


def _were(n: int) -> str:
    return "was" if n == 1 else "were"


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
    if card.length_policy == "tile":
        return _predict_tiled(loaded, records, progress)
    fitted = tuple(fit_length(r.sequence, card.input_length) for r in records)
    X = one_hot_encode([f.sequence for f in fitted])
    raw = predict(loaded.model, X, batch_size=batch_size, progress=progress)
    return _tabulate(loaded, records, fitted, raw, card.flank + 1, "")


def _tabulate(
    loaded: LoadedModel,
    records: list[Record],
    fitted: tuple[FittedSequence, ...],
    raw: torch.Tensor,
    first_position: int,
    length_message: str,
) -> BatchPrediction:
    card = loaded.card
    values = apply_activation(raw, card.output_activation)
    table = pd.DataFrame(
        {
            "name": [r.name for r in records],
            "length": [len(r.sequence) for r in records],
            "handling": [f.action for f in fitted],
            "ambiguous bases": [len(r.sequence) - sum(r.sequence.count(b) for b in "ACGT") for r in records],
        }
    )
    label = "output" if card.output_activation == "none" else "probability"
    value_columns = []
    for t, task in enumerate(card.tasks):
        if card.output_kind == "scalar":
            value_columns.append(f"{task} {label}")
            table[value_columns[-1]] = values[:, t].numpy()
        else:
            best, where = values[:, t].nan_to_num(nan=-torch.inf).max(dim=-1)
            value_columns.append(f"{task} max {label}")
            table[value_columns[-1]] = best.numpy()
            # 1-based position, shown to users
            table[f"{task} max position"] = (where + first_position).numpy()
    return BatchPrediction(
        card.name,
        tuple(records),
        fitted,
        raw,
        values,
        table,
        tuple(value_columns),
        first_position,
        length_message,
        tuple(card.tasks),
    )


def _predict_tiled(loaded: LoadedModel, records: list[Record], progress: Progress | None) -> BatchPrediction:
    """Every base of every record predicted by a ``tile`` profile model (see :func:`tile_sequence`)."""
    card = loaded.card
    core = card.input_length - 2 * card.flank
    tiles = []  # (record index, first base predicted, tile sequence)
    for i, record in enumerate(records):
        for k, tile in enumerate(tile_sequence(record.sequence, card.input_length, card.flank)):
            tiles.append((i, k * core, tile))
    longest = max(len(r.sequence) for r in records)
    raw = torch.full((len(records), len(card.tasks), longest), torch.nan)
    for start in range(0, len(tiles), TILE_BATCH):
        batch = tiles[start : start + TILE_BATCH]
        Y = predict(loaded.model, one_hot_encode([t for _, _, t in batch]), batch_size=TILE_BATCH)
        for (i, first, _), y in zip(batch, Y, strict=True):
            n = min(core, len(records[i].sequence) - first)
            raw[i, :, first : first + n] = y[:, :n]
        if progress is not None:
            progress(min(start + TILE_BATCH, len(tiles)), len(tiles))
    flank = card.flank
    fitted = tuple(
        FittedSequence("N" * flank + r.sequence + "N" * flank, "padded", len(r.sequence), -flank)
        for r in records
    )
    short = sum(len(r.sequence) <= 2 * flank for r in records)
    message = (
        f"Every base was predicted. {card.name} reads {flank:,} nt on each side of a position, so each "
        f"sequence was padded with {flank:,} N on both sides: predictions within {flank:,} nt of an end "
        "see N instead of sequence"
    )
    if short:
        message += (
            f"; {short} of {n_sequences(len(records))} "
            + ("is" if short == 1 else "are")
            + f" shorter than {2 * flank + 1:,} nt, so no position of "
            + ("it" if short == 1 else "them")
            + " sees its full context"
        )
    message += ". For genome-exact scores, include the flanking sequence."
    return _tabulate(loaded, records, fitted, raw, 1, message)
