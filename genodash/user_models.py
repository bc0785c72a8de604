"""Models that users bring: safetensors weights + an allow-listed architecture + a card.

Nothing a user uploads is unpickled or executed: weights must be safetensors (a
JSON header and raw tensors), the architecture is chosen by name from
:data:`genodash.architectures.ARCHITECTURES`, every tensor name and shape is
checked, and a trial forward pass must give the output shape the card declares.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import json
import re
import zipfile
from dataclasses import dataclass, replace

from genodash.architectures import ARCHITECTURES
from genodash.errors import ModelError, check
from genodash.models import LoadedModel, ModelCard, build_model

NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SHA256_PATTERN = re.compile(r"[0-9a-fA-F]{64}")
#: Largest weights file accepted from a browser.
MAX_WEIGHTS_BYTES = 200 * 2**20
#: Largest safetensors header the format allows (the safetensors library refuses longer ones).
MAX_HEADER_BYTES = 100_000_000

CONVERSION_SNIPPET = """\
# in your own Python, where your model class is defined:
import torch
from safetensors.torch import save_file

model = MyModel(...)                       # your architecture
model.load_state_dict(torch.load("model.pt", weights_only=True))
save_file({k: v.contiguous() for k, v in model.state_dict().items()}, "model.safetensors")"""


@dataclass(frozen=True, eq=False)
class UserModel:
    """A model a user added: loaded, plus the uploaded weights (for export).

    Attributes
    ----------
    loaded : LoadedModel
    weights : bytes
        The safetensors content as uploaded.
    """

    loaded: LoadedModel
    weights: bytes


def weights_problem(filename: str, data: bytes) -> str | None:
    """Why uploaded weights cannot be used, in plain words, or ``None`` if they look like safetensors.

    Parameters
    ----------
    filename : str
        The uploaded file's name (its extension is only a hint).
    data : bytes
        The content; recognised by its first bytes, never by running it.

    Returns
    -------
    str or None
    """
    name = filename.lower()
    if not data:
        return f"{filename} is empty"
    if len(data) > MAX_WEIGHTS_BYTES:
        return f"{filename} is {len(data) / 2**20:.0f} MiB; the limit is {MAX_WEIGHTS_BYTES // 2**20} MiB"
    kind = None
    if data[:1] == b"\x80" or name.endswith((".pkl", ".pickle")):
        kind = "a Python pickle"
    elif data[:4] == b"PK\x03\x04" or name.endswith((".pt", ".pth", ".ckpt", ".bin", ".jit")):
        kind = "a PyTorch checkpoint or TorchScript file (pickled code and data)"
    elif data[:4] == b"\x89HDF":
        kind = "an HDF5 (Keras) file"
    if kind is not None:
        return (
            f"{filename} is {kind}. genodash never loads pickles or TorchScript from an upload, "
            "because loading them can run any code on the server. Save the weights as "
            "safetensors (plain tensors, no code) with a few lines of your own Python:\n\n"
            f"```python\n{CONVERSION_SNIPPET}\n```"  # a code block where Markdown shows it (the page)
        )
    if len(data) < 10:
        return f"{filename} is too short to be a safetensors file"
    header = int.from_bytes(data[:8], "little")
    if data[8:9] != b"{" or header > MAX_HEADER_BYTES:
        return f"{filename} is not a safetensors file (it lacks the safetensors header)"
    if 8 + header > len(data):
        return _cut_short(filename, f"more than {8 + header:,}", len(data), "inside its header")
    needed = 8 + header + _tensor_bytes(data[8 : 8 + header])
    if needed > len(data):
        return _cut_short(filename, f"{needed:,}", len(data), "in its tensors")
    return None


def _tensor_bytes(header: bytes) -> int:
    """How many bytes of tensor data a safetensors header promises (0 when it cannot be read)."""
    try:
        entries = json.loads(header)
        return max((int(e["data_offsets"][1]) for k, e in entries.items() if k != "__metadata__"), default=0)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        return 0  # not this check's business: the loader names a malformed header


def _cut_short(filename: str, needed: str, present: int, where: str) -> str:
    """The message for a file that ends early (``needed``: how many bytes it should have, as text)."""
    return (
        f"{filename} is cut short {where}: it should hold {needed} bytes but has {present:,}. "
        "The upload or an earlier copy of the file was probably interrupted; upload the complete file."
    )


def parse_card(data: bytes | str | dict) -> ModelCard:
    """Read a user's card (JSON text, bytes or a dict) into a validated :class:`ModelCard`.

    Everything that depends on the card alone is checked here, so that a caller can
    blame the card (not the weights) for it: the JSON, the fields, the name, the
    architecture (allow-listed) and the names of its hyper-parameters, and the form of
    ``weights_sha256`` (optional; when given, :func:`load_user_model` checks it).

    Parameters
    ----------
    data : bytes, str or dict
        The card as uploaded (JSON) or as built from a form.

    Returns
    -------
    ModelCard
        With ``weights_sha256`` in lower case, or ``""`` when the card gives none.

    Raises
    ------
    ModelError
        Invalid JSON (with line and column), a weights source (only zoo cards may
        name one), any problem of :meth:`ModelCard.from_dict`, an architecture off the
        allow-list, hyper-parameters it does not take, or a ``weights_sha256`` that is
        not 64 hexadecimal digits.
    """
    if isinstance(data, bytes | str):
        try:
            data = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            where = (
                f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
            )
            raise ModelError(f"the card is not valid JSON{where}") from exc
    check(isinstance(data, dict), "the card must be a JSON object", ModelError)
    check(not data.get("weights_source"), "an uploaded card cannot name a weights_source", ModelError)
    data = {"description": "", "version": "0", **data}
    name = data.get("name")
    check(
        isinstance(name, str) and NAME_PATTERN.fullmatch(name) is not None,
        f"model name {name!r} must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
        ModelError,
    )
    digest = data.get("weights_sha256", "")
    check(
        digest == "" or (isinstance(digest, str) and SHA256_PATTERN.fullmatch(digest.strip()) is not None),
        f"weights_sha256 {digest!r} is not a SHA-256 (64 hexadecimal digits); give the SHA-256 of "
        "the weights file, or leave the field out",
        ModelError,
    )
    data["weights_sha256"] = digest.strip().lower()
    check(
        isinstance(data.get("hyperparameters"), dict),
        'the card\'s hyperparameters must be a JSON object, e.g. {"filters": 64}',
        ModelError,
    )
    card = ModelCard.from_dict(data)
    architecture = ARCHITECTURES.get(card.architecture)
    check(
        architecture is not None,
        f"architecture {card.architecture!r} is not on the allow-list; choose one of: "
        + ", ".join(sorted(ARCHITECTURES)),
        ModelError,
    )
    try:
        inspect.signature(architecture).bind(**{"n_tasks": len(card.tasks), **card.hyperparameters})
    except TypeError as exc:
        raise ModelError(f"bad hyper-parameters for architecture {card.architecture!r}: {exc}") from exc
    return card


def load_user_model(
    weights: bytes, card: ModelCard | bytes | str | dict, *, filename: str = "weights"
) -> LoadedModel:
    """Load a user's model strictly and safely.

    Parameters
    ----------
    weights : bytes
        Content of a ``.safetensors`` file.
    card : ModelCard, or its JSON (bytes, str) or dict
    filename : str
        For messages.

    Returns
    -------
    LoadedModel
        On the CPU or the device chosen by ``$GENODASH_DEVICE``, with the weights'
        SHA-256 recorded in the card.

    Raises
    ------
    ModelError
        Not safetensors (with how to convert), weights whose SHA-256 differs from the
        card's ``weights_sha256`` (when the card gives one), tensors that do not fit
        (each named), or an output shape that differs from the card.
    """
    problem = weights_problem(filename, weights)
    check(problem is None, problem or "", ModelError)
    card = card if isinstance(card, ModelCard) else parse_card(card)
    digest = hashlib.sha256(weights).hexdigest()
    expected = card.weights_sha256.strip().lower()
    check(
        not expected or digest == expected,
        f"{filename} has SHA-256 {digest[:12]}..., but the card's weights_sha256 is {expected[:12]}...: "
        "these are not the weights the card was written for. Upload the matching weights, or correct "
        "(or remove) weights_sha256 in the card",
        ModelError,
    )
    card = replace(card, weights_sha256=digest)
    return build_model(card, weights)


def export_model_zip(card: ModelCard, weights: bytes) -> bytes:
    """A zip holding ``<name>/card.json`` and ``<name>/weights.safetensors``.

    Unzipped into ``models/`` (or a folder in ``$GENODASH_MODELS_DIR``) it installs
    the model permanently.
    """
    card = replace(
        card, weights_file="weights.safetensors", weights_sha256=hashlib.sha256(weights).hexdigest()
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{card.name}/card.json", json.dumps(card.to_dict(), indent=2) + "\n")
        archive.writestr(f"{card.name}/weights.safetensors", weights)
    return buffer.getvalue()
