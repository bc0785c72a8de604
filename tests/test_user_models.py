"""Bring your own model: safe upload, strict loading, export."""

import io
import json
import pickle
import zipfile

import pytest
import torch
from safetensors.torch import save

from genodash.architectures import build_architecture
from genodash.errors import ModelError
from genodash.user_models import (
    CONVERSION_SNIPPET,
    export_model_zip,
    load_user_model,
    parse_card,
    weights_problem,
)

CARD = {
    "name": "toy-gc",
    "architecture": "conv_pool_cnn",
    "hyperparameters": {"filters": 8, "filters2": 8, "hidden": 8},
    "tasks": ["gc_rich"],
    "input_length": 60,
    "output_kind": "scalar",
    "output_activation": "sigmoid",
}


def trained_toy_model():
    """A real (tiny) model trained here to call GC-rich sequences, saved with safetensors."""
    torch.manual_seed(0)
    model = build_architecture("conv_pool_cnn", {"n_tasks": 1, **CARD["hyperparameters"]})
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(60):
        gc = torch.rand(64) < 0.5
        rich, poor = torch.tensor([0.1, 0.4, 0.4, 0.1]), torch.tensor([0.4, 0.1, 0.1, 0.4])
        probs = torch.where(gc[:, None], rich, poor)
        idx = torch.multinomial(probs, 60, replacement=True)
        X = torch.nn.functional.one_hot(idx, 4).permute(0, 2, 1).float()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(model(X)[:, 0], gc.float())
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return save({k: v.contiguous() for k, v in model.eval().state_dict().items()})


@pytest.fixture(scope="module")
def toy_weights():
    return trained_toy_model()


def test_load_user_model_works_and_predicts(toy_weights):
    loaded = load_user_model(toy_weights, json.dumps(CARD), filename="toy.safetensors")
    assert loaded.card.name == "toy-gc" and len(loaded.card.weights_sha256) == 64
    from genodash.sequence import one_hot_encode

    with torch.inference_mode():
        out = torch.sigmoid(loaded.model(one_hot_encode(["GC" * 30, "AT" * 30])))[:, 0]
    assert out[0] > 0.8 and out[1] < 0.2


def test_pickles_are_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    payload = pickle.dumps(Exploit())
    for filename in ("evil.safetensors", "model.pt"):
        with pytest.raises(ModelError, match="never loads pickles") as info:
            load_user_model(payload, CARD, filename=filename)
        assert "save_file(" in str(info.value)
        assert f"```python\n{CONVERSION_SNIPPET}\n```" in str(info.value)  # shown as code, not as Markdown
    assert not marker.exists()
    # a PyTorch zip checkpoint (torch.save) is refused by its bytes, whatever its name
    buffer = io.BytesIO()
    torch.save({"w": torch.zeros(1)}, buffer)
    assert "PyTorch checkpoint" in weights_problem("weights.safetensors", buffer.getvalue())


def test_wrong_shapes_missing_and_extra_keys(toy_weights):
    from safetensors.torch import load

    state = load(toy_weights)
    state["conv1.weight"] = torch.zeros(8, 4, 5)
    del state["fc2.bias"]
    state["head.extra"] = torch.zeros(3)
    with pytest.raises(ModelError) as info:
        load_user_model(save(state), CARD)
    text = str(info.value)
    assert "missing tensors: fc2.bias" in text and "unexpected tensors: head.extra" in text
    assert "conv1.weight: weights have (8, 4, 5), the architecture needs (8, 4, 19)" in text
    assert "Check the card against the model that made the weights: one name in tasks per output" in text


def test_card_problems(toy_weights):
    with pytest.raises(ModelError, match="alphabet is 'TGCA'"):
        load_user_model(toy_weights, {**CARD, "alphabet": "TGCA"})
    with pytest.raises(ModelError, match="not on the allow-list"):
        load_user_model(toy_weights, {**CARD, "architecture": "my_custom_net"})
    with pytest.raises(ModelError, match="model name '../evil'"):
        parse_card({**CARD, "name": "../evil"})
    with pytest.raises(ModelError, match="not valid JSON at line 1"):
        parse_card('{"name": ')
    with pytest.raises(ModelError, match="cannot name a weights_source"):
        parse_card({**CARD, "weights_source": "spliceai==1.3.1"})
    with pytest.raises(ModelError, match="declares"):
        load_user_model(toy_weights, {**CARD, "tasks": ["a"], "output_kind": "profile"})


def test_size_limit_and_empty():
    assert "is empty" in weights_problem("w.safetensors", b"")
    assert "not a safetensors file" in weights_problem("w.safetensors", b"0123456789abcdef")


def test_truncated_weights_are_named_as_cut_short(toy_weights):
    """An interrupted upload says so, with the sizes, before the safetensors library's own wording."""
    assert weights_problem("w.safetensors", toy_weights) is None
    in_tensors = weights_problem("w.safetensors", toy_weights[:-10])
    assert in_tensors.startswith("w.safetensors is cut short in its tensors")
    assert f"should hold {len(toy_weights):,} bytes but has {len(toy_weights) - 10:,}" in in_tensors
    assert "cut short inside its header" in weights_problem("w.safetensors", toy_weights[:40])
    with pytest.raises(ModelError, match="cut short in its tensors"):
        load_user_model(toy_weights[: len(toy_weights) // 2], CARD)
    huge_header = (10**12).to_bytes(8, "little") + b'{"a": 1}'
    assert "lacks the safetensors header" in weights_problem("w.safetensors", huge_header)


def test_export_round_trip(toy_weights, tmp_path, monkeypatch):
    from genodash.models import load_model

    loaded = load_user_model(toy_weights, CARD)
    archive = zipfile.ZipFile(io.BytesIO(export_model_zip(loaded.card, toy_weights)))
    archive.extractall(tmp_path)
    monkeypatch.setenv("GENODASH_MODELS_DIR", str(tmp_path))
    installed = load_model("toy-gc", "cpu")
    assert installed.card.weights_sha256 == loaded.card.weights_sha256


def test_size_limit_message(monkeypatch):
    from genodash import user_models

    monkeypatch.setattr(user_models, "MAX_WEIGHTS_BYTES", 2**20)
    message = user_models.weights_problem("big.safetensors", b"\0" * (3 * 2**20))
    assert message == "big.safetensors is 3 MiB; the limit is 1 MiB"


def test_models_module_entry_point(toy_weights):
    from genodash.models import load_user_model as from_models

    assert from_models(toy_weights, CARD).card.name == "toy-gc"


def test_card_hash_must_match_the_weights(toy_weights):
    import hashlib

    digest = hashlib.sha256(toy_weights).hexdigest()
    with pytest.raises(ModelError) as info:
        load_user_model(toy_weights, {**CARD, "weights_sha256": "0" * 64}, filename="toy.safetensors")
    text = str(info.value)
    assert "toy.safetensors" in text and digest[:12] in text and "000000000000" in text
    # the right hash (in any case) is accepted, and so is a card without one
    loaded = load_user_model(toy_weights, {**CARD, "weights_sha256": digest.upper()})
    assert loaded.card.weights_sha256 == digest
    assert load_user_model(toy_weights, CARD).card.weights_sha256 == digest


def test_card_only_problems_are_found_by_parse_card():
    with pytest.raises(ModelError, match="weights_sha256 'abc' is not a SHA-256"):
        parse_card({**CARD, "weights_sha256": "abc"})
    with pytest.raises(ModelError, match="not on the allow-list"):
        parse_card({**CARD, "architecture": "my_custom_net"})
    with pytest.raises(ModelError, match="bad hyper-parameters .* unexpected keyword argument 'filter'"):
        parse_card({**CARD, "hyperparameters": {"filter": 8}})
    with pytest.raises(ModelError, match="hyperparameters must be a JSON object"):
        parse_card({**CARD, "hyperparameters": [8]})
