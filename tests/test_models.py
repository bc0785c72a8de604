import json
import pickle
import shutil

import pytest
import torch
from safetensors.torch import save

from genodash.errors import ModelError
from genodash.models import (
    ModelCard,
    build_model,
    example_fasta,
    list_models,
    load_model,
    read_card,
)

from .conftest import ROOT

ZOO = ROOT / "models"


def card_dict(**changes):
    data = json.loads((ZOO / "oct4-mafk" / "card.json").read_text())
    data.update(changes)
    return data


def test_zoo_lists_the_shipped_model():
    assert "oct4-mafk" in list_models()


def test_load_model_eval_cpu_frozen(oct4_mafk):
    assert oct4_mafk.card.tasks == ("Oct4", "MafK")
    assert not oct4_mafk.model.training
    assert oct4_mafk.device == torch.device("cpu")
    assert all(not p.requires_grad for p in oct4_mafk.model.parameters())


def test_card_metrics_are_recorded():
    card = read_card(ZOO / "oct4-mafk" / "card.json")
    assert card.metrics["test_auroc_Oct4_vs_MafK_peaks"] > 0.95
    assert card.license and card.citation and len(card.weights_sha256) == 64


def test_unknown_model_lists_the_valid_ones():
    with pytest.raises(ModelError, match="no model named 'nope'; available: .*oct4-mafk"):
        load_model("nope")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"output_kind": "track"}, "output_kind is 'track'; allowed: scalar, profile"),
        ({"alphabet": "TGCA"}, "alphabet is 'TGCA'"),
        ({"surprise": 1}, "unknown fields: surprise"),
        ({"tasks": []}, "'tasks' is empty"),
        ({"input_length": 10, "flank": 5}, "above twice the flank"),
    ],
)
def test_card_validation(changes, message):
    with pytest.raises(ModelError, match=message):
        ModelCard.from_dict(card_dict(**changes))


def test_card_missing_fields_and_bad_json(tmp_path):
    data = card_dict()
    del data["tasks"]
    with pytest.raises(ModelError, match="lacks required fields: tasks"):
        ModelCard.from_dict(data)
    bad = tmp_path / "card.json"
    bad.write_text('{"name": "x",\n "version": }')
    with pytest.raises(ModelError, match="not valid JSON at line 2"):
        read_card(bad)


def weights_of(loaded):
    return {k: v.clone() for k, v in loaded.model.state_dict().items()}


def test_strict_loading_names_mismatching_tensors(oct4_mafk):
    card = oct4_mafk.card
    state = weights_of(oct4_mafk)
    state["conv1.weight"] = torch.zeros(8, 4, 19)
    del state["fc2.bias"]
    state["extra.weight"] = torch.zeros(1)
    with pytest.raises(ModelError) as info:
        build_model(card, save(state), "cpu")
    text = str(info.value)
    assert "missing tensors: fc2.bias" in text
    assert "unexpected tensors: extra.weight" in text
    assert "conv1.weight: weights have (8, 4, 19), the architecture needs (64, 4, 19)" in text


def test_trial_forward_checks_declared_output(oct4_mafk):
    card = ModelCard.from_dict(card_dict(output_kind="profile"))
    with pytest.raises(ModelError, match=r"gave output \(1, 2\), but the card declares \(1, 2, 200\)"):
        build_model(card, save(weights_of(oct4_mafk)), "cpu")


def test_pickle_is_refused_and_never_run(oct4_mafk, tmp_path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (open, (str(marker), "w"))

    with pytest.raises(ModelError, match="not a valid safetensors file"):
        build_model(oct4_mafk.card, pickle.dumps(Exploit()), "cpu")
    assert not marker.exists()


def test_checksum_mismatch_is_reported(tmp_path, monkeypatch):
    copy = tmp_path / "zoo" / "tampered"
    shutil.copytree(ZOO / "oct4-mafk", copy)
    card = json.loads((copy / "card.json").read_text())
    card["name"] = "tampered"
    card["weights_sha256"] = "0" * 64
    (copy / "card.json").write_text(json.dumps(card))
    monkeypatch.setenv("GENODASH_MODELS_DIR", str(tmp_path / "zoo"))
    assert "tampered" in list_models()
    with pytest.raises(ModelError, match="checksum .* differs from the card's 000000000000"):
        load_model("tampered")


def test_examples_parse_and_card_round_trip():
    assert example_fasta("oct4-mafk").startswith(">Oct4_heldout")
    card = read_card(ZOO / "oct4-mafk" / "card.json")
    assert ModelCard.from_dict(card.to_dict()) == card
