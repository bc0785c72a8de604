"""Batched inference: one-hot batches in, raw model outputs out, on the CPU."""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn

from genodash.device import choose_device
from genodash.errors import check

Progress = Callable[[int, int], None]


def _model_device(model: nn.Module) -> torch.device:
    param = next(model.parameters(), None)
    return param.device if param is not None else torch.device("cpu")


def predict(
    model: nn.Module,
    X: torch.Tensor,
    *,
    batch_size: int = 256,
    device: str | torch.device | None = None,
    progress: Progress | None = None,
) -> torch.Tensor:
    """Run ``model`` over ``X`` in batches, without gradients.

    Parameters
    ----------
    model : torch.nn.Module
        In eval mode. It is not moved or modified: when ``device`` differs from
        where the model lives, a copy is moved there.
    X : torch.Tensor
        One-hot batch, shape ``(N, 4, L)``. Not modified.
    batch_size : int, optional
        Sequences per forward pass; results do not depend on it.
    device : str or torch.device, optional
        Where to compute; default: where the model's parameters are.
    progress : callable, optional
        Called as ``progress(done, total)`` after each batch.

    Returns
    -------
    torch.Tensor
        The model's raw outputs (logits), ``float32`` on the CPU: ``(N, T)`` for
        scalar models, ``(N, T, L_out)`` for profile models.
    """
    check(
        X.ndim == 3 and X.shape[1] == 4,
        f"X must have shape (N, 4, L), got {tuple(X.shape)}",
    )
    check(X.shape[0] > 0, "X holds no sequences")
    check(batch_size >= 1, f"batch_size must be at least 1, got {batch_size}")
    target = _model_device(model) if device is None else choose_device(device)
    if target != _model_device(model):
        model = copy.deepcopy(model).to(target)
    n = X.shape[0]
    outputs = []
    with torch.inference_mode():
        for start in range(0, n, batch_size):
            batch = X[start : start + batch_size].to(target, dtype=torch.float32)
            outputs.append(model(batch).float().cpu())
            if progress is not None:
                progress(min(start + batch_size, n), n)
    return torch.cat(outputs)


def apply_activation(Y: torch.Tensor, activation: str) -> torch.Tensor:
    """Turn raw outputs into the values shown to users.

    Parameters
    ----------
    Y : torch.Tensor
        ``(N, T)`` or ``(N, T, L_out)`` raw outputs.
    activation : {"sigmoid", "softmax", "probability", "none"}
        ``softmax`` is taken over the task axis (dimension 1); ``probability``
        (the model outputs probabilities already) and ``none`` return ``Y`` as it is.

    Returns
    -------
    torch.Tensor
        Same shape as ``Y``.
    """
    functions = {
        "sigmoid": torch.sigmoid,
        "softmax": lambda t: torch.softmax(t, dim=1),
        "probability": lambda t: t,
        "none": lambda t: t,
    }
    check(
        activation in functions,
        f"activation {activation!r} is unknown; allowed: {', '.join(functions)}",
    )
    return functions[activation](Y)
