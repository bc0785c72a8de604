"""Choose the device to run models on: CUDA, else MPS, else CPU, overridable."""

from __future__ import annotations

import os

import torch

from genodash.errors import InputError, check

#: Environment variable that overrides the automatic choice (``cpu``, ``cuda``, ``cuda:1``, ``mps``).
DEVICE_ENV = "GENODASH_DEVICE"


def available_devices() -> list[str]:
    """Device names usable on this machine, best first.

    Returns
    -------
    list of str
        E.g. ``["cuda", "cpu"]``; always ends with ``"cpu"``.
    """
    names = []
    if torch.cuda.is_available():
        names.append("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        names.append("mps")
    names.append("cpu")
    return names


def choose_device(preference: str | torch.device | None = None) -> torch.device:
    """Resolve a device request.

    Parameters
    ----------
    preference : str or torch.device, optional
        ``None`` or ``"auto"`` picks ``$GENODASH_DEVICE`` when set, else the best
        available device (CUDA, then MPS, then CPU).

    Returns
    -------
    torch.device

    Raises
    ------
    InputError
        The requested device is unknown or not present on this machine.
    """
    if preference is None or str(preference) == "auto":
        preference = os.environ.get(DEVICE_ENV) or available_devices()[0]
    try:
        device = torch.device(preference)
    except (RuntimeError, TypeError) as exc:
        raise InputError(
            f"device {preference!r} is not a device name; use one of: auto, " + ", ".join(available_devices())
        ) from exc
    check(
        device.type in available_devices(),
        f"device {str(device)!r} is not available on this machine; available: "
        + ", ".join(available_devices()),
    )
    return device
