import pytest

from genodash import batch_prediction
from genodash.batch_prediction import predict_records
from genodash.errors import InputError
from genodash.io import Record
from genodash.predict import predict
from genodash.sequence import one_hot_encode


def test_table_and_values(oct4_mafk):
    records = [
        Record("long", "ACGT" * 60),
        Record("short", "ACGTN" * 10),
        Record("exact", "GATTACA" * 28 + "ACGT"),
    ]
    result = predict_records(oct4_mafk, records)
    table = result.table
    assert list(table["name"]) == ["long", "short", "exact"]
    assert list(table["handling"]) == ["cropped", "padded", "kept"]
    assert list(table["ambiguous bases"]) == [0, 10, 0]
    assert result.value_columns == ("Oct4 probability", "MafK probability")
    assert result.values.shape == (3, 2)
    assert "1 sequence longer than 200 nt was centre-cropped" in result.length_note()
    assert "1 sequence shorter than 200 nt was padded with N" in result.length_note()
    # the exact-length sequence gives what predict() gives directly
    direct = predict(oct4_mafk.model, one_hot_encode(records[2].sequence)).sigmoid()
    assert table.loc[2, "Oct4 probability"] == pytest.approx(float(direct[0, 0]), abs=1e-6)


def test_highest_ranks_records_by_one_task(oct4_mafk):
    records = [Record(f"r{i}", seq * 50) for i, seq in enumerate(["ACGT", "ATGC", "GATT", "TTGC", "ATTT"])]
    result = predict_records(oct4_mafk, records)
    for t, task in enumerate(result.tasks):
        order = result.values[:, t].argsort(descending=True, stable=True).tolist()
        assert result.highest(task, 5) == order
        assert result.highest(task, 2) == order[:2]
    assert result.highest("Oct4", 2) != result.highest("MafK", 2)  # a real ranking, per task


def test_limits(oct4_mafk, monkeypatch):
    with pytest.raises(InputError, match="no sequences"):
        predict_records(oct4_mafk, [])
    monkeypatch.setattr(batch_prediction, "MAX_TOTAL_BASES", 100)
    with pytest.raises(InputError, match="holds 200 nt; this server predicts at most 100 nt"):
        predict_records(oct4_mafk, [Record("a", "A" * 200)])
