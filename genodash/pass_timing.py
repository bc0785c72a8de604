"""How long one full pass of a model takes here: measured once per model, for cost estimates."""

from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass

import torch
from torch import nn

#: Passes quicker than this (seconds, forward and gradient) are timed again (up to 3 times, the
#: quickest kept): a process's first pass includes one-off set-up (0.13 s against 0.003 s for
#: oct4-mafk's gradient).
QUICK_SECONDS = 1.0
_lock = threading.Lock()
_measured: weakref.WeakKeyDictionary[nn.Module, dict[tuple[int, str], PassSeconds]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class PassSeconds:
    """Seconds for one sequence of one input length.

    Attributes
    ----------
    forward : float
        One forward pass, no gradients (a perturbation method's mutant).
    gradient : float
        One forward pass and the gradient of the output with respect to the input (a
        gradient method's step, reference or sample).
    """

    forward: float
    gradient: float


def pass_seconds(model: nn.Module, input_length: int) -> PassSeconds:
    """Time one forward and one forward-and-gradient pass of ``model`` on one sequence.

    Measured on the model's device with a seeded random one-hot sequence the first time
    a model and length are asked for, then remembered for as long as the model lives.
    Quick passes are timed up to three times (see :data:`QUICK_SECONDS`); a slow
    model's single timing errs a little high.

    Parameters
    ----------
    model : torch.nn.Module
        In eval mode; takes ``(1, 4, input_length)``. Not modified.
    input_length : int

    Returns
    -------
    PassSeconds
    """
    param = next(model.parameters(), None)
    device = param.device if param is not None else torch.device("cpu")
    key = (input_length, str(device))
    with _lock:
        known = _measured.get(model, {}).get(key)
        if known is not None:
            return known
        generator = torch.Generator().manual_seed(0)
        bases = torch.randint(0, 4, (1, input_length), generator=generator)
        x = nn.functional.one_hot(bases, 4).permute(0, 2, 1).float().to(device)
        forward, gradient = _timed(model, x)
        for _ in range(2):  # the first pass of a process pays one-off set-up: repeat quick ones
            if forward + gradient > QUICK_SECONDS:
                break
            again = _timed(model, x)
            forward, gradient = min(forward, again[0]), min(gradient, again[1])
        measured = PassSeconds(forward, gradient)
        _measured.setdefault(model, {})[key] = measured
        return measured


def _timed(model: nn.Module, x: torch.Tensor) -> tuple[float, float]:
    """Seconds of one forward pass and of one forward pass with the input gradient."""
    with torch.no_grad():
        start = time.perf_counter()
        model(x)
        _sync(x.device)
        forward = time.perf_counter() - start
    with torch.enable_grad():
        leaf = x.detach().requires_grad_(True)
        start = time.perf_counter()
        torch.autograd.grad(model(leaf).sum(), leaf)
        _sync(x.device)
        gradient = time.perf_counter() - start
    return forward, gradient


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
