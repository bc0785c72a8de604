import pytest
import torch

from genodash.errors import InputError
from genodash.predict import apply_activation, predict


def random_batch(n, length=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, 4, (n, length), generator=g)
    return torch.nn.functional.one_hot(idx, 4).permute(0, 2, 1).float()


def test_any_batch_size_gives_the_same_result(oct4_mafk):
    X = random_batch(37)
    reference = predict(oct4_mafk.model, X, batch_size=37)
    for size in (1, 5, 64):
        torch.testing.assert_close(
            predict(oct4_mafk.model, X, batch_size=size), reference, rtol=1e-5, atol=1e-5
        )
    assert reference.shape == (37, 2) and reference.device.type == "cpu"


def test_inputs_and_model_unchanged(oct4_mafk):
    X = random_batch(4)
    X_before = X.clone()
    state_before = {k: v.clone() for k, v in oct4_mafk.model.state_dict().items()}
    predict(oct4_mafk.model, X)
    assert torch.equal(X, X_before)
    for key, value in oct4_mafk.model.state_dict().items():
        assert torch.equal(value, state_before[key])
    assert not oct4_mafk.model.training


def test_progress_reports_every_batch(oct4_mafk):
    calls = []
    predict(oct4_mafk.model, random_batch(10), batch_size=4, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(4, 10), (8, 10), (10, 10)]


def test_bad_shapes_and_batch_sizes(oct4_mafk):
    with pytest.raises(InputError, match=r"shape \(N, 4, L\), got \(2, 200\)"):
        predict(oct4_mafk.model, torch.zeros(2, 200))
    with pytest.raises(InputError, match="batch_size must be at least 1"):
        predict(oct4_mafk.model, random_batch(1), batch_size=0)


def test_explicit_device_leaves_the_model_alone(oct4_mafk):
    out = predict(oct4_mafk.model, random_batch(3), device="cpu")
    assert out.shape == (3, 2)


def test_activations():
    Y = torch.tensor([[0.0, 2.0]])
    torch.testing.assert_close(apply_activation(Y, "sigmoid"), torch.sigmoid(Y))
    torch.testing.assert_close(apply_activation(Y, "softmax").sum(dim=1), torch.ones(1))
    assert apply_activation(Y, "none") is Y
    with pytest.raises(InputError, match="activation 'relu' is unknown"):
        apply_activation(Y, "relu")


def test_concurrent_predictions_on_one_shared_model(oct4_mafk):
    from concurrent.futures import ThreadPoolExecutor

    X = random_batch(16)
    expected = predict(oct4_mafk.model, X)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: predict(oct4_mafk.model, X, batch_size=3), range(12)))
    for result in results:
        torch.testing.assert_close(result, expected, rtol=1e-5, atol=1e-5)


def test_n_sequences_is_singular_for_one():
    from genodash.batch_prediction import n_sequences

    assert [n_sequences(n) for n in (0, 1, 2, 1000)] == [
        "0 sequences",
        "1 sequence",
        "2 sequences",
        "1,000 sequences",
    ]


def profile_result(tasks):
    """A BatchPrediction of a 3-task profile model (SpliceAI's task names), built by hand."""
    import pandas as pd

    from genodash.batch_prediction import BatchPrediction

    table = pd.DataFrame({"name": ["a"], "length": [5]})
    value_columns = []
    for t, task in enumerate(tasks):
        value_columns.append(f"{task} max probability")
        table[value_columns[-1]] = [0.1 * (t + 1)]
        table[f"{task} max position"] = [t + 1]
    raw = torch.zeros(1, len(tasks), 5)
    return BatchPrediction("m", (), (), raw, raw, table, tuple(value_columns), tasks=tuple(tasks))


def test_summary_table_leaves_out_the_background_class():
    result = profile_result(["neither", "acceptor", "donor"])
    assert result.hidden_tasks() == ("neither",)
    shown = result.summary_table()
    assert list(shown.columns) == [
        "name",
        "length",
        "acceptor max probability",
        "acceptor max position",
        "donor max probability",
        "donor max position",
    ]
    assert "neither max probability" in result.table  # the full table keeps every task


def test_summary_table_keeps_every_other_task():
    result = profile_result(["acceptor", "donor"])
    assert result.hidden_tasks() == ()
    assert result.summary_table().equals(result.table)
