"""The Koo CNN architecture and the shipped koo-task3 ground-truth model."""

import numpy as np
import pytest
import torch

from genodash.architectures import Exp, KooCNN, build_architecture
from genodash.errors import ModelError
from genodash.io import parse_fasta
from genodash.metrics import auroc
from genodash.models import example_fasta, load_model
from genodash.predict import predict
from genodash.sequence import one_hot_encode
from genodash.simulate import simulate_task3


@pytest.fixture(scope="module")
def koo():
    return load_model("koo-task3", "cpu")


@pytest.fixture(scope="module")
def fresh():
    """A small set the model never saw: same recipe, another seed."""
    return simulate_task3(seed=2024, n_sequences=400)


def test_architecture_shapes_and_first_activation():
    model = build_architecture("koo_cnn", {"n_tasks": 2}).eval()
    assert isinstance(model, KooCNN) and isinstance(model.act1, Exp)
    assert model(torch.zeros(3, 4, 200)).shape == (3, 2)
    assert model.fc1.in_features == 64 * 3
    relu = build_architecture("koo_cnn", {"n_tasks": 1, "first_activation": "relu", "input_length": 300})
    assert isinstance(relu.act1, torch.nn.ReLU)
    assert relu.eval()(torch.zeros(1, 4, 300)).shape == (1, 1)
    with pytest.raises(ModelError, match="first_activation is 'tanh'; allowed: exponential, relu"):
        build_architecture("koo_cnn", {"n_tasks": 1, "first_activation": "tanh"})


def test_card_describes_a_scalar_sigmoid_model(koo):
    card = koo.card
    assert card.architecture == "koo_cnn" and card.tasks == ("motif_positive",)
    assert card.output_kind == "scalar" and card.output_activation == "sigmoid"
    assert card.input_length == 200
    for key in ("test_auroc", "test_saliency_x_input_auroc_mean", "test_ism_l2_auroc_mean"):
        assert 0.0 <= card.metrics[key] <= 1.0
    assert card.metrics["test_auroc"] > 0.95


def test_classifies_fresh_sequences(koo, fresh):
    logits = predict(koo.model, fresh.X)[:, 0].numpy()
    assert auroc(fresh.labels, logits) > 0.93


def test_mutations_in_motifs_matter_most(koo, fresh):
    """Plain ISM (every substitution through the model) finds the embedded motifs."""
    positives = fresh.positives(12)
    X = positives.X
    n, _, length = X.shape
    mutants = X.repeat_interleave(4 * length, dim=0).view(n, length, 4, 4, length)
    pos = torch.arange(length)
    mutants[:, pos, :, :, pos] = torch.eye(4)
    effects = predict(koo.model, mutants.view(-1, 4, length))[:, 0].view(n, length, 4)
    effects = effects - predict(koo.model, X)[:, 0][:, None, None]
    scores = effects.norm(dim=2).numpy()  # (n, L)
    per_sequence = [auroc(m, s) for s, m in zip(scores, positives.motif_mask)]
    assert np.mean(per_sequence) > 0.8


def test_plain_saliency_finds_the_motifs_as_the_card_says(koo, fresh):
    """Saliency x input from plain autograd (Koo's protocol) ranks motif positions above background."""
    positives = fresh.positives(40)
    X = positives.X.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(koo.model(X)[:, 0].sum(), X)
    scores = (grad * X).sum(dim=1).detach().numpy()
    per_sequence = [auroc(m, s) for s, m in zip(scores, positives.motif_mask)]
    assert np.mean(per_sequence) > 0.8
    stated = koo.card.metrics["test_saliency_x_input_auroc_mean"]
    assert np.mean(per_sequence) == pytest.approx(stated, abs=0.05)


def test_examples_name_positives_and_negatives(koo):
    records = list(parse_fasta(example_fasta("koo-task3")))
    positives = [r for r in records if "positive" in r.name]
    negatives = [r for r in records if "negative" in r.name]
    assert positives and negatives and all(len(r.sequence) == 200 for r in records)
    logits = predict(koo.model, one_hot_encode([r.sequence for r in positives + negatives]))[:, 0]
    assert logits[: len(positives)].min() > logits[len(positives) :].max()
