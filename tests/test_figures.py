from genodash.batch_prediction import predict_records
from genodash.figures import MAX_BARS, prediction_figure
from genodash.io import Record


def test_bars_for_few_violins_for_many(oct4_mafk):
    few = predict_records(oct4_mafk, [Record(f"s{i}", "ACGT" * 50) for i in range(3)])
    fig = prediction_figure(few)
    assert [t.type for t in fig.data] == ["bar", "bar"]
    assert list(fig.layout.xaxis.ticktext) == ["s0", "s1", "s2"]
    many = predict_records(oct4_mafk, [Record(f"s{i}", "ACGT" * 50) for i in range(MAX_BARS + 1)])
    violins = prediction_figure(many).data
    assert [t.type for t in violins] == ["violin", "violin"]
    assert all(t.spanmode == "hard" for t in violins)  # probabilities: no outline past 0 or 1
