import weakref

import pytest
import torch

from genodash import explanations
from genodash.attribution_figures import ism_heatmap, track_figure
from genodash.errors import InputError
from genodash.explanations import explain_records
from genodash.io import Record, read_fasta
from genodash.pass_timing import PassSeconds, pass_seconds

from .conftest import ROOT


@pytest.fixture(scope="module")
def example(oct4_mafk):
    records = read_fasta(ROOT / "models" / "oct4-mafk" / "examples.fa")[:1]
    long = Record("long", "ACGT" * 5 + records[0].sequence + "TTTT" * 5)  # 240 nt: cropped by 20 each side
    return explain_records(oct4_mafk, [records[0], long], methods=["saliency", "ism"], target="Oct4")


def test_results_shapes_agreement_and_coordinates(example):
    assert example.target == "Oct4"
    assert example.attributions["ism"].projected.shape == (2, 4, 200)
    assert len(example.agreement) == 1
    assert example.first_position(0) == 1 and example.first_position(1) == 21
    table = example.matrix_table("saliency")
    assert list(table.columns) == ["sequence", "position", "base", "A", "C", "G", "T"]
    long_rows = table[table["sequence"] == "long"]
    assert long_rows["position"].iloc[0] == 21 and len(long_rows) == 200
    # the cropped sequence's window is the original peak: identical attributions
    torch.testing.assert_close(
        example.attributions["saliency"].projected[0], example.attributions["saliency"].projected[1]
    )


def test_agreement_panel_per_sequence_and_mean(example):
    """The panel gives the shown sequence's own figures next to the mean over all sequences."""
    from genodash.agreement import method_agreement

    table = example.agreement_table(1)
    assert list(table.columns) == [
        "method A", "method B", "rank correlation", "top 20 overlap",
        "rank correlation, mean of 2", "top 20 overlap, mean of 2",
    ]  # fmt: skip
    own = method_agreement({m: a.position_importance()[1:2] for m, a in example.attributions.items()})
    assert table["rank correlation"][0] == round(own["rank correlation"][0], 2)
    assert table["rank correlation, mean of 2"][0] == round(example.agreement["rank correlation"][0], 2)


def test_peak_window_and_figures(example):
    start, width = example.peak_window(0, 50)
    assert width == 50 and 0 <= start <= 150
    assert len(track_figure(example, 0).data) == 2
    heat = ism_heatmap(
        example.attributions["ism"].hypothetical[0, :, :30], example.fitted[0].sequence[:30], 1
    )
    assert heat.data[0].z.shape == (4, 30)


def test_limits(oct4_mafk, monkeypatch):
    record = Record("a", "ACGT" * 50)
    with pytest.raises(InputError, match="explain at most 20"):
        explain_records(oct4_mafk, [record] * 21, methods=["saliency"])
    with pytest.raises(InputError, match="unknown methods: shap"):
        explain_records(oct4_mafk, [record], methods=["shap"])
    assert explanations.default_methods(oct4_mafk) == ["saliency", "integrated_gradients", "ism"]
    assert explanations.slow_passes(oct4_mafk, "ism") == 0  # a fast windowed path
    monkeypatch.setattr(explanations, "MAX_SLOW_ISM_MUTANTS", 10)
    monkeypatch.delattr(type(oct4_mafk.model), "ism_split")
    monkeypatch.setattr(explanations, "_fast_paths", weakref.WeakKeyDictionary())  # forget the split
    # timings as measured on an idle machine (the real timing is tested on its own below)
    monkeypatch.setattr(explanations, "pass_seconds", lambda model, length: PassSeconds(0.0005, 0.002))
    assert explanations.slow_passes(oct4_mafk, "ism", 2) == 1200
    assert explanations.slow_passes(oct4_mafk, "saliency", 2) == 0
    assert explanations.default_methods(oct4_mafk) == ["saliency", "integrated_gradients"]
    with pytest.raises(InputError, match="ism of 1 sequence.* needs 600 full passes"):
        explain_records(oct4_mafk, [record], methods=["ism"])
    with pytest.raises(InputError, match="occlusion of 1 sequence.* needs 200 full passes"):
        explain_records(oct4_mafk, [record], methods=["occlusion"])


def test_ism_disagreement_messages_name_the_sequences(example):
    """A method whose top positions miss ISM's gets a warning naming the sequence."""
    import dataclasses

    from genodash.attribution import Attribution

    ism = example.attributions["ism"]
    importance = ism.position_importance().abs()  # (N, L)
    shifted = importance.roll(importance.shape[1] // 2, dims=1)  # the same peaks, half a sequence away
    values = shifted[:, None].expand(-1, 4, -1) * example.X
    fake = Attribution("saliency", values, values, None, None, ())
    broken = dataclasses.replace(example, attributions={"ism": ism, "saliency": fake})
    (message,) = broken.ism_disagreement_messages()
    assert message.startswith(f"**saliency** disagrees with ISM on {len(example.records)} of")
    # by name only: the picker numbers records of the whole input, not of the chosen ones
    assert f"({example.records[0].name}, {example.records[1].name})" in message
    assert "1. " not in message
    agreeing = dataclasses.replace(example, attributions={"ism": ism, "saliency": ism})
    assert agreeing.ism_disagreement_messages() == []


def test_gradient_correction_note_gives_the_angle_and_when_it_cancels(example, oct4_mafk):
    """The note reports each gradient method's median off-simplex angle; ISM has none."""
    saliency = example.attributions["saliency"]
    assert saliency.off_simplex.shape == (2,) and example.attributions["ism"].off_simplex is None
    assert 0 < float(saliency.off_simplex.min()) < 90
    note = example.gradient_correction_note()
    assert f"saliency {float(saliency.off_simplex.median()):.0f}°" in note
    assert "now off" in note and "ism" not in note and "cancels" not in note
    record = example.records[0]
    shuffled = explain_records(
        oct4_mafk, [record], methods=["saliency", "integrated_gradients"], target="Oct4",
        n_baselines=2, n_steps=5, gradient_correction=True,
    )  # fmt: skip
    note = shuffled.gradient_correction_note()
    assert "now on" in note and "cancels for integrated_gradients" in note
    # the angle is of the raw gradients: the same with the correction off
    torch.testing.assert_close(shuffled.attributions["saliency"].off_simplex, saliency.off_simplex[:1])
    assert "(except at N positions)" in note
    uniform = explain_records(
        oct4_mafk, [record], methods=["integrated_gradients"], baseline="uniform", n_steps=5
    ).gradient_correction_note()
    assert "With uniform references it cancels for integrated_gradients, so" in uniform
    zeros = explain_records(
        oct4_mafk, [record], methods=["integrated_gradients"], baseline="zeros", n_steps=5
    )
    assert "cancels" not in zeros.gradient_correction_note()
    assert explain_records(oct4_mafk, [record], methods=["ism"]).gradient_correction_note() is None


def test_cost_estimates_keep_slow_methods_out(oct4_mafk, monkeypatch):
    """Without a fast path, a method's passes times one measured pass decide preselection and refusal."""
    record = Record("a", "ACGT" * 50)
    monkeypatch.delattr(type(oct4_mafk.model), "ism_split")  # no fast path (as SpliceAI)
    monkeypatch.setattr(explanations, "_fast_paths", weakref.WeakKeyDictionary())  # forget the split
    monkeypatch.setattr(explanations, "pass_seconds", lambda model, length: PassSeconds(0.3, 1.0))
    assert explanations.full_passes(oct4_mafk, "integrated_gradients") == (0, 500)  # 50 steps x 10 shuffles
    assert explanations.full_passes(oct4_mafk, "integrated_gradients", baseline="zeros") == (0, 50)
    assert explanations.full_passes(oct4_mafk, "deep_lift_shap", 3) == (0, 60)
    assert explanations.full_passes(oct4_mafk, "ism") == (600, 0)
    assert explanations.estimated_seconds(oct4_mafk, "integrated_gradients") == 500.0
    assert explanations.estimated_seconds(oct4_mafk, "ism") == pytest.approx(180.0)
    assert explanations.default_methods(oct4_mafk) == ["saliency"]  # IG 500 s and ISM 180 s are not
    with pytest.raises(
        InputError,
        match=r"integrated_gradients of 2 sequence.* needs 1,000 full passes .*"
        r"about 17 min here \(the limit is 10 min\); choose the zeros or uniform reference",
    ):
        explain_records(oct4_mafk, [record] * 2, methods=["saliency", "integrated_gradients"])
    assert explanations.duration(42) == "42 s" and explanations.duration(7200) == "2.0 h"
    note = explanations.time_estimate_note(oct4_mafk, ["saliency", "integrated_gradients"], 1)
    assert note == (
        "Estimated time for 1 sequence(s): about 8 min (saliency 1 s, integrated_gradients 8 min); "
        "methods above 10 min are refused."
    )
    assert explanations.time_estimate_note(oct4_mafk, ["saliency"], 1) is None  # quick: nothing to say
    assert explanations.ig_not_preselected_note(oct4_mafk).endswith(
        "about 8 min per sequence on oct4-mafk here; with the zeros reference (Settings), about 50 s."
    )


def test_pass_seconds_is_measured_once_per_model(oct4_mafk):
    first = pass_seconds(oct4_mafk.model, 200)
    assert 0 < first.forward and 0 < first.gradient < 5
    assert pass_seconds(oct4_mafk.model, 200) is first  # remembered
    assert pass_seconds(oct4_mafk.model, 100) is not first  # per input length


def test_settings_in_words_and_first_informative_task(example):
    text = example.settings_text(hypothetical=True)
    assert text.startswith(f"Settings: {example.model_name}, output {example.target}; methods ")
    assert "hypothetical contributions shown" in text and "gradient correction off" in text
    assert explanations.first_informative_task(["neither", "acceptor", "donor"]) == 1
    assert explanations.first_informative_task(["Oct4", "MafK"]) == 0
