"""Find and read the original SpliceAI weights from the installed ``spliceai`` package.

The five Keras models (``spliceai/models/spliceai{1..5}.h5``) and the gene tables
(``spliceai/annotations/grch37.txt``, ``grch38.txt``) ship in the PyPI package
``spliceai==1.3.1``. Their licence (CC BY-NC 4.0, non-commercial use) does not allow
shipping them with genodash, so they are read at run time with h5py. The ``spliceai``
package itself is never imported: its ``__init__`` installs a SIGINT handler and needs
``pkg_resources``. Files are located with :func:`importlib.util.find_spec`, which does
not run the package.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from pathlib import Path

import numpy as np
import torch

from genodash.errors import ModelError, check
from genodash.spliceai.model import STAGES, UNITS_PER_STAGE, SpliceAI10k, SpliceAIEnsemble

PACKAGE = "spliceai"
PACKAGE_VERSION = "1.3.1"
INSTALL_COMMAND = f"pip install --no-deps {PACKAGE}=={PACKAGE_VERSION}"
LICENSE = "CC BY-NC 4.0 (non-commercial use only)"
REPLICAS = 5
#: SHA-256 of spliceai1.h5 .. spliceai5.h5 in spliceai==1.3.1, checked before reading.
MODEL_SHA256 = (
    "e1fd5adcef7489d604b10e79c40078ef790d51ef048c4ce3869c9119ac5de42b",
    "6ab042b82ab966b6d3582cb31b96f0859ea08a864f168d69e83aa14450a3b66e",
    "e2e790bde53dfdf410c6dc434a86122a7d12f3f38dc2ef45d85986e9ecf22fad",
    "ca88ac9e58e69ba6fdeed319b72f063f164c9abf7392eaccef903e94c1d99dd6",
    "791cd22c62a80a08d2ca674615a93ce8159d7b55bd157cfef2983b1bd6b41391",
)


def package_dir() -> Path | None:
    """The installed ``spliceai`` package folder, or ``None`` (the package is not imported)."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def model_paths() -> list[Path]:
    """Paths of ``spliceai1.h5`` .. ``spliceai5.h5`` (they may not exist)."""
    root = package_dir() or Path(PACKAGE)
    return [root / "models" / f"spliceai{i}.h5" for i in range(1, REPLICAS + 1)]


def unavailable_reason() -> str | None:
    """Why the weights cannot be loaded here, with the command that fixes it; ``None`` when they can.

    Returns
    -------
    str or None
    """
    try:
        import h5py  # noqa: F401
    except ImportError:
        return "the Python package h5py is not installed; install it with: pip install h5py"
    if package_dir() is None:
        return (
            f"the SpliceAI weights package is not installed; install it with: {INSTALL_COMMAND} "
            f"(weights licensed {LICENSE})"
        )
    missing = [p.name for p in model_paths() if not p.is_file()]
    if missing:
        return (
            f"the installed spliceai package lacks {', '.join(missing)}; reinstall it with: {INSTALL_COMMAND}"
        )
    try:
        version = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    if version != PACKAGE_VERSION:
        return (
            f"spliceai {version} is installed; genodash reads the weights of {PACKAGE_VERSION}: "
            f"{INSTALL_COMMAND}"
        )
    return None


def _keras(group, layer: str, name: str) -> np.ndarray:
    return np.asarray(group[layer][layer][f"{name}:0"], dtype=np.float32)


def keras_layer_names(unit: int) -> tuple[str, str, str, str]:
    """Keras names of residual unit ``unit`` (0-15): BN_a, conv_a, BN_b, conv_b."""
    stage, j = divmod(unit, UNITS_PER_STAGE)
    return (
        f"batch_normalization_{2 * unit + 1}",
        f"conv1d_{3 + 9 * stage + 2 * j}",
        f"batch_normalization_{2 * unit + 2}",
        f"conv1d_{4 + 9 * stage + 2 * j}",
    )


def read_keras_h5(path: str | Path) -> dict[str, torch.Tensor]:
    """Read one SpliceAI Keras ``.h5`` file into a :class:`SpliceAI10k` state dict.

    Parameters
    ----------
    path : str or Path
        ``spliceai{k}.h5`` (Keras 2.0.5 layout, ``model_weights/<layer>/<layer>/<w>:0``).

    Returns
    -------
    dict of str to torch.Tensor
        Conv kernels ``(W, C_in, C_out)`` transposed to PyTorch's ``(C_out, C_in, W)``;
        BatchNorm gamma/beta/moving stats as weight/bias/running_mean/running_var.

    Raises
    ------
    ModelError
        The file is not readable as the expected Keras model.
    """
    import h5py

    state: dict[str, torch.Tensor] = {}

    def conv(prefix: str, layer: str) -> None:
        state[f"{prefix}.weight"] = torch.from_numpy(
            _keras(weights, layer, "kernel").transpose(2, 1, 0).copy()
        )
        state[f"{prefix}.bias"] = torch.from_numpy(_keras(weights, layer, "bias"))

    def batchnorm(prefix: str, layer: str) -> None:
        for torch_name, keras_name in (
            ("weight", "gamma"),
            ("bias", "beta"),
            ("running_mean", "moving_mean"),
            ("running_var", "moving_variance"),
        ):
            state[f"{prefix}.{torch_name}"] = torch.from_numpy(_keras(weights, layer, keras_name))
        state[f"{prefix}.num_batches_tracked"] = torch.tensor(0)

    try:
        with h5py.File(path, "r") as handle:
            weights = handle["model_weights"]
            conv("conv_in", "conv1d_1")
            conv("skip_in", "conv1d_2")
            for unit in range(len(STAGES) * UNITS_PER_STAGE):
                bn_a, conv_a, bn_b, conv_b = keras_layer_names(unit)
                batchnorm(f"units.{unit}.bn_a", bn_a)
                conv(f"units.{unit}.conv_a", conv_a)
                batchnorm(f"units.{unit}.bn_b", bn_b)
                conv(f"units.{unit}.conv_b", conv_b)
            for stage in range(len(STAGES)):
                conv(f"skips.{stage}", f"conv1d_{11 + 9 * stage}")
            conv("head", "conv1d_39")
    except (OSError, KeyError) as exc:
        raise ModelError(f"{path}: not a SpliceAI-10k Keras weights file ({exc})") from exc
    return state


def _check_sha256(path: Path, expected: str) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    check(
        digest == expected,
        f"{path}: SHA-256 {digest[:12]}... differs from spliceai=={PACKAGE_VERSION}'s {expected[:12]}...; "
        f"the file is damaged or from another release: {INSTALL_COMMAND}",
        ModelError,
    )


def ensemble_state_dict() -> dict[str, torch.Tensor]:
    """The five replicas' weights as one :class:`SpliceAIEnsemble` state dict.

    Returns
    -------
    dict of str to torch.Tensor
        Keys ``replicas.<i>.<parameter>``.

    Raises
    ------
    ModelError
        The package is missing (the message gives the install command) or a file
        is damaged (SHA-256 mismatch).
    """
    reason = unavailable_reason()
    check(reason is None, f"SpliceAI is unavailable: {reason}", ModelError)
    state = {}
    for i, (path, digest) in enumerate(zip(model_paths(), MODEL_SHA256, strict=True)):
        _check_sha256(path, digest)
        state |= {f"replicas.{i}.{key}": value for key, value in read_keras_h5(path).items()}
    return state


def load_replica(index: int, device: str | torch.device = "cpu") -> SpliceAI10k:
    """One of the five published networks, in eval mode.

    Parameters
    ----------
    index : int
        0-4 for ``spliceai1.h5`` .. ``spliceai5.h5``.
    device : str or torch.device, optional

    Returns
    -------
    SpliceAI10k
    """
    check(0 <= index < REPLICAS, f"replica index must be 0-{REPLICAS - 1}, got {index}", ModelError)
    reason = unavailable_reason()
    check(reason is None, f"SpliceAI is unavailable: {reason}", ModelError)
    path = model_paths()[index]
    _check_sha256(path, MODEL_SHA256[index])
    model = SpliceAI10k()
    model.load_state_dict(read_keras_h5(path), strict=True)
    return _frozen(model, device)


def load_ensemble(device: str | torch.device = "cpu") -> SpliceAIEnsemble:
    """The published five-replica ensemble, in eval mode, gradients off.

    Parameters
    ----------
    device : str or torch.device, optional

    Returns
    -------
    SpliceAIEnsemble
        ``model(X)`` maps ``(N, 4, L)`` to ``(N, 3, L - 10000)``; ``model.replicas[i]``
        is replica ``i``.
    """
    model = SpliceAIEnsemble(replicas=REPLICAS)
    model.load_state_dict(ensemble_state_dict(), strict=True)
    return _frozen(model, device)


def _frozen(model: torch.nn.Module, device: str | torch.device) -> torch.nn.Module:
    model = model.to(device).eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model
