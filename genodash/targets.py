"""Select the output to explain with a small wrapper module, never by editing the model."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from genodash.errors import InputError, check

#: Names of background classes ("no site here", e.g. SpliceAI's "neither"), compared in lower
#: case: not what a user asks to see first (Explain does not preselect one, Predict's summary
#: table leaves them out).
BACKGROUND_TASKS = frozenset({"neither", "background", "none"})


def is_background_task(name: str) -> bool:
    """Whether task ``name`` is a background class (see :data:`BACKGROUND_TASKS`)."""
    return name.lower() in BACKGROUND_TASKS


def resolve_target(target: int | str, tasks: Sequence[str] | None, n_outputs: int | None = None) -> int:
    """Turn a task index or name into an index.

    Parameters
    ----------
    target : int or str
        0-based task index, or a task name from ``tasks``.
    tasks : sequence of str, optional
        The model's task names.
    n_outputs : int, optional
        Number of outputs, to check an index against.

    Returns
    -------
    int
    """
    if isinstance(target, str):
        check(tasks is not None, f"target {target!r} is a name, but the model's task names are unknown")
        check(target in tasks, f"target {target!r} is not a task; tasks: {', '.join(tasks)}")
        return list(tasks).index(target)
    count = n_outputs if n_outputs is not None else (len(tasks) if tasks is not None else None)
    if count is not None and not 0 <= int(target) < count:
        raise InputError(f"target index {target} is out of range: the model has {count} outputs")
    return int(target)


class TargetOutput(nn.Module):
    """Wrap a model so that it returns one scalar per sequence: the output to explain.

    Parameters
    ----------
    model : torch.nn.Module
        Returns ``(N, T)`` or, for profile models, ``(N, T, L_out)``.
    index : int
        The task ``t``.
    window : tuple of int, optional
        For profile models: 0-based half-open ``(start, end)`` over output positions;
        the explained value is the sum of task ``t`` over that window (all positions
        when ``None``).

    Notes
    -----
    ``forward`` maps ``(N, 4, L)`` to ``(N, 1)``.
    """

    def __init__(self, model: nn.Module, index: int, window: tuple[int, int] | None = None) -> None:
        super().__init__()
        self.model = model
        self.index = index
        self.window = window

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, 4, L)`` -> ``(N, 1)``."""
        return self.select(self.model(x))

    def select(self, outputs: torch.Tensor) -> torch.Tensor:
        """Model outputs ``(N, T)`` or ``(N, T, L_out)`` -> the explained value ``(N, 1)``."""
        out = outputs[:, self.index]
        if out.ndim == 2:
            if self.window is not None:
                start, end = self.window
                check(
                    0 <= start < end <= out.shape[-1],
                    f"window {self.window} is outside the {out.shape[-1]} output positions",
                )
                out = out[:, start:end]
            out = out.sum(dim=-1)
        return out[:, None]
