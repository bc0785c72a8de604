"""The model zoo: cards, listing and safe loading.

Layout of a model folder (``models/<name>/``)::

    card.json             the ModelCard fields below (JSON)
    weights.safetensors   the weights, safetensors only (nothing is unpickled)

Extra zoo folders can be named in ``$GENODASH_MODELS_DIR`` (separated by ``os.pathsep``).

Weights whose licence forbids shipping them (SpliceAI: CC BY-NC 4.0) come from an
installed package instead: the card names a ``weights_source``, an entry of
:data:`WEIGHT_SOURCES` that says whether it is usable here (and if not, how to
install it) and reads the weights. :func:`unavailable_reason` tells the pages.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors_bytes
from torch import nn

from genodash.architectures import build_architecture
from genodash.device import choose_device
from genodash.errors import ModelError, check
from genodash.spliceai import weights as spliceai_weights

#: The shipped zoo, beside the package.
ZOO_DIR = Path(__file__).resolve().parent.parent / "models"
MODELS_DIR_ENV = "GENODASH_MODELS_DIR"
OUTPUT_KINDS = ("scalar", "profile")
#: What a page shows for a free-text card field left empty (e.g. no licence given in the form).
NOT_STATED = "not stated on the model card"
ACTIVATIONS = ("sigmoid", "softmax", "probability", "none")
LENGTH_POLICIES = ("centre", "tile")


@dataclass(frozen=True)
class WeightSource:
    """Weights read from an installed package rather than from the model folder.

    Attributes
    ----------
    description : str
        Where the weights come from and their licence, for the Models page.
    unavailable : callable
        ``unavailable() -> str | None``: why the weights cannot be read here, naming
        the install command; ``None`` when they can.
    load : callable
        ``load() -> dict[str, torch.Tensor]``: the architecture's full state dict.
    """

    description: str
    unavailable: Callable[[], str | None]
    load: Callable[[], dict[str, torch.Tensor]]


#: Card ``weights_source`` -> where its weights come from.
WEIGHT_SOURCES: dict[str, WeightSource] = {
    "spliceai==1.3.1": WeightSource(
        description=(
            f"read at run time from the installed PyPI package spliceai=={spliceai_weights.PACKAGE_VERSION} "
            f"(spliceai/models/spliceai1-5.h5, SHA-256 checked); not shipped with genodash: "
            f"licence {spliceai_weights.LICENSE}. Install: {spliceai_weights.INSTALL_COMMAND}"
        ),
        unavailable=spliceai_weights.unavailable_reason,
        load=spliceai_weights.ensemble_state_dict,
    ),
}


@dataclass(frozen=True)
class ModelCard:
    """What a user needs to know about a model, and what the loader needs to build it.

    Attributes
    ----------
    name, version, description : str
    architecture : str
        A key of :data:`genodash.architectures.ARCHITECTURES`.
    hyperparameters : dict
        Keyword arguments for the architecture.
    tasks : tuple of str
        Names of the ``T`` outputs.
    output_kind : {"scalar", "profile"}
        ``(N, T)`` or ``(N, T, L_out)`` predictions.
    output_activation : {"sigmoid", "softmax", "probability", "none"}
        Turns the model's raw outputs (logits) into the values shown to users;
        ``probability``: the model already outputs probabilities.
    input_length : int
        Sequence length the model was trained on, including any flank.
    flank : int
        Nucleotides cropped from each side by a profile model (0 for scalar models).
    length_policy : {"centre", "tile"}
        How other lengths are handled. ``centre``: centre-cropped, or padded with N on
        both sides. ``tile`` (profile models): every position is predicted; the sequence
        gets ``flank`` N on both sides and is cut into overlapping inputs of ``input_length``.
    alphabet : str
        Channel order of the input; genodash uses ``"ACGT"``.
    training_data, provenance, license, citation : str
    metrics : dict
        Held-out metrics measured by the training script.
    weights_file : str
        File name of the safetensors weights inside the model folder.
    weights_sha256 : str
        SHA-256 of the weights file, checked at load time.
    weights_source : str
        A key of :data:`WEIGHT_SOURCES` when the weights come from an installed
        package (then ``weights_file`` is not used); ``""`` for the model folder.
    """

    name: str
    version: str
    description: str
    architecture: str
    hyperparameters: dict
    tasks: tuple[str, ...]
    output_kind: str
    output_activation: str
    input_length: int
    flank: int = 0
    length_policy: str = "centre"
    alphabet: str = "ACGT"
    training_data: str = ""
    provenance: str = ""
    metrics: dict = field(default_factory=dict)
    license: str = ""
    citation: str = ""
    weights_file: str = "weights.safetensors"
    weights_sha256: str = ""
    weights_source: str = ""

    def stated(self, field_name: str) -> str:
        """A free-text field (``license``, ``citation``, ...) for display: its text, or :data:`NOT_STATED`."""
        return str(getattr(self, field_name)).strip() or NOT_STATED

    @classmethod
    def from_dict(cls, data: dict) -> ModelCard:
        """Validate a card dictionary (e.g. parsed JSON).

        Raises
        ------
        ModelError
            A missing or unknown field, or a value outside what is allowed.
        """
        check(isinstance(data, dict), "a model card must be a JSON object", ModelError)
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        check(not unknown, f"model card has unknown fields: {', '.join(unknown)}", ModelError)
        required = [
            "name",
            "version",
            "description",
            "architecture",
            "hyperparameters",
            "tasks",
            "output_kind",
            "output_activation",
            "input_length",
        ]
        missing = [key for key in required if key not in data]
        check(not missing, f"model card lacks required fields: {', '.join(missing)}", ModelError)
        card = cls(**{**data, "tasks": tuple(data["tasks"])})
        check(len(card.tasks) > 0, "model card field 'tasks' is empty", ModelError)
        check(
            card.output_kind in OUTPUT_KINDS,
            f"output_kind is {card.output_kind!r}; allowed: {', '.join(OUTPUT_KINDS)}",
            ModelError,
        )
        check(
            card.output_activation in ACTIVATIONS,
            f"output_activation is {card.output_activation!r}; allowed: {', '.join(ACTIVATIONS)}",
            ModelError,
        )
        check(
            card.length_policy in LENGTH_POLICIES,
            f"length_policy is {card.length_policy!r}; allowed: {', '.join(LENGTH_POLICIES)}",
            ModelError,
        )
        check(
            isinstance(card.input_length, int) and card.input_length > 2 * card.flank >= 0,
            f"input_length {card.input_length!r} must be an integer above twice the flank ({card.flank!r})",
            ModelError,
        )
        check(
            not card.weights_source or card.weights_source in WEIGHT_SOURCES,
            f"weights_source is {card.weights_source!r}; allowed: {', '.join(WEIGHT_SOURCES)}",
            ModelError,
        )
        check(
            card.alphabet == "ACGT",
            f"alphabet is {card.alphabet!r}; genodash feeds channels in the order 'ACGT'",
            ModelError,
        )
        return card

    def to_dict(self) -> dict:
        """The card as a JSON-ready dictionary."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__} | {"tasks": list(self.tasks)}


@dataclass(frozen=True, eq=False)
class LoadedModel:
    """A model ready for inference, with its card.

    Attributes
    ----------
    model : torch.nn.Module
        In eval mode on ``device``; shared, so never modify it.
    card : ModelCard
    device : torch.device
    lock : threading.RLock
        Hold it around anything that adds hooks or otherwise mutates ``model``
        (Captum DeepLift); plain inference needs no lock.
    """

    model: nn.Module
    card: ModelCard
    device: torch.device
    lock: threading.RLock = field(default_factory=threading.RLock)


def zoo_dirs() -> list[Path]:
    """Folders searched for models: the shipped zoo, then ``$GENODASH_MODELS_DIR``."""
    extra = [Path(p) for p in os.environ.get(MODELS_DIR_ENV, "").split(os.pathsep) if p]
    return [ZOO_DIR, *extra]


def read_card(path: str | os.PathLike) -> ModelCard:
    """Read and validate ``card.json`` at ``path``.

    Raises
    ------
    ModelError
        Unreadable JSON (with line and column) or an invalid card.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelError(
            f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from exc
    return ModelCard.from_dict(data)


def list_models() -> dict[str, Path]:
    """Models in the zoo.

    Returns
    -------
    dict of str to Path
        Model name -> its folder, sorted by name; the first folder wins on a clash.
    """
    found: dict[str, Path] = {}
    for root in zoo_dirs():
        if not root.is_dir():
            continue
        for card in sorted(root.glob("*/card.json")):
            found.setdefault(card.parent.name, card.parent)
    return dict(sorted(found.items()))


def check_state_dict(model: nn.Module, state: dict[str, torch.Tensor]) -> None:
    """Compare weights with what the architecture expects, naming every mismatch.

    Raises
    ------
    ModelError
        Missing or unexpected tensors, or a tensor of the wrong shape.
    """
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    wrong = [
        f"{key}: weights have {tuple(state[key].shape)}, the architecture needs {tuple(expected[key].shape)}"
        for key in sorted(set(expected) & set(state))
        if state[key].shape != expected[key].shape
    ]
    problems = []
    if missing:
        problems.append("missing tensors: " + ", ".join(missing))
    if extra:
        problems.append("unexpected tensors: " + ", ".join(extra))
    problems += wrong
    check(
        not problems,
        "the weights do not fit the architecture that the card describes:\n- "
        + "\n- ".join(problems)
        + "\n\nCheck the card against the model that made the weights: one name in tasks per output, "
        "and the architecture's hyperparameters (e.g. filters, kernel sizes) as that model was built.",
        ModelError,
    )


def build_model(card: ModelCard, weights: bytes, device: str | torch.device | None = None) -> LoadedModel:
    """Build a model from its card and safetensors bytes, strictly, and try it.

    Parameters
    ----------
    card : ModelCard
    weights : bytes
        The content of a ``.safetensors`` file.
    device : str or torch.device, optional
        See :func:`genodash.device.choose_device`.

    Returns
    -------
    LoadedModel

    Raises
    ------
    ModelError
        Not safetensors, weights that do not fit, or a trial forward pass whose
        output shape differs from what the card declares.
    """
    try:
        state = load_safetensors_bytes(weights)
    except (SafetensorError, ValueError, RuntimeError) as exc:
        raise ModelError(f"the weights are not a valid safetensors file ({exc})") from exc
    return build_model_from_state(card, state, device)


def build_model_from_state(
    card: ModelCard, state: dict[str, torch.Tensor], device: str | torch.device | None = None
) -> LoadedModel:
    """Build a model from its card and a state dict, strictly, and try it (see :func:`build_model`)."""
    module = build_architecture(card.architecture, {"n_tasks": len(card.tasks), **card.hyperparameters})
    check_state_dict(module, state)
    module.load_state_dict(state, strict=True)
    target = choose_device(device)
    module = module.to(target).eval()
    for parameter in module.parameters():
        parameter.requires_grad_(False)
    trial = torch.zeros(1, 4, card.input_length, device=target)
    with torch.inference_mode():
        out = module(trial)
    if card.output_kind == "scalar":
        expected = (1, len(card.tasks))
    else:
        expected = (1, len(card.tasks), card.input_length - 2 * card.flank)
    check(
        tuple(out.shape) == expected,
        f"model '{card.name}': a trial input of shape (1, 4, {card.input_length}) gave output "
        f"{tuple(out.shape)}, but the card declares {expected}",
        ModelError,
    )
    return LoadedModel(module, card, target)


def load_model(name: str, device: str | torch.device | None = None) -> LoadedModel:
    """Load a zoo model by name.

    Parameters
    ----------
    name : str
        A key of :func:`list_models`.
    device : str or torch.device, optional
        ``None`` or ``"auto"``: CUDA, else MPS, else CPU (or ``$GENODASH_DEVICE``).

    Returns
    -------
    LoadedModel
        The model in eval mode on the device, gradients of parameters off.

    Raises
    ------
    ModelError
        Unknown name (listing the valid ones), a checksum mismatch, or any
        problem of :func:`build_model`.
    """
    models = list_models()
    check(
        name in models,
        f"no model named {name!r}; available: {', '.join(models) or 'none'}",
        ModelError,
    )
    folder = models[name]
    card = read_card(folder / "card.json")
    if card.weights_source:
        source = WEIGHT_SOURCES[card.weights_source]
        reason = source.unavailable()
        check(reason is None, f"model '{name}' is unavailable: {reason}", ModelError)
        return build_model_from_state(card, source.load(), device)
    weights_path = folder / card.weights_file
    check(weights_path.is_file(), f"model '{name}': weights file {weights_path} is missing", ModelError)
    weights = weights_path.read_bytes()
    if card.weights_sha256:
        digest = hashlib.sha256(weights).hexdigest()
        check(
            digest == card.weights_sha256,
            f"model '{name}': weights checksum {digest[:12]}... differs from the card's "
            f"{card.weights_sha256[:12]}...; the file is damaged or was replaced",
            ModelError,
        )
    return build_model(card, weights, device)


def unavailable_reason(card: ModelCard) -> str | None:
    """Why a model cannot be loaded on this machine, with the command that fixes it; ``None`` if it can.

    Only models whose weights come from an installed package (``weights_source``)
    can be unavailable; a missing or damaged weights file is reported by :func:`load_model`.
    """
    return WEIGHT_SOURCES[card.weights_source].unavailable() if card.weights_source else None


def example_fasta(name: str) -> str | None:
    """The model's example sequences (``examples.fa`` in its folder) as FASTA text, if any."""
    folder = list_models().get(name)
    path = folder / "examples.fa" if folder else None
    return path.read_text(encoding="utf-8") if path and path.is_file() else None


def load_user_model(weights: bytes, card: ModelCard | bytes | str | dict) -> LoadedModel:
    """Load a model a user brings: safetensors bytes and a card (see :mod:`genodash.user_models`).

    Nothing is unpickled: the weights must be safetensors, the card's architecture
    must be on the allow-list, every tensor is checked, and a trial prediction must
    match the card.
    """
    from genodash.user_models import load_user_model as load_checked

    return load_checked(weights, card)
