"""Predict with SpliceAI in the dashboard (AppTest), and the zoo when its weights package is missing."""

import json

import pytest

from genodash.errors import ModelError
from genodash.models import load_model, read_card, unavailable_reason
from genodash.spliceai import weights

from .conftest import ROOT

needs_weights = pytest.mark.skipif(
    weights.unavailable_reason() is not None,
    reason=f"SpliceAI weights not installed ({weights.INSTALL_COMMAND})",
)


@needs_weights
def test_predict_page_shows_acceptor_and_donor_tracks(app_test):
    at = app_test()
    at.run()
    at.sidebar.selectbox(key="model_name").set_value("spliceai").run()
    assert not at.exception and not at.sidebar.error and not at.sidebar.warning
    caption = " ".join(c.value for c in at.caption)
    assert "shorter than 10,001 nt are padded with N" in caption
    next(b for b in at.button if b.label == "Load example").click().run()
    assert at.text_area(key="predict_text").value.startswith(">HBB_U01317.1")
    next(b for b in at.button if b.label == "Run").click().run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    row = table.iloc[0]
    # HBB with 1 kb flanks: exon 2 spans 1273-1495 of the example
    assert (
        row["length"] == 3606 and row["acceptor max position"] == 1273 and row["donor max position"] == 1495
    )
    assert row["acceptor max probability"] > 0.9 and row["donor max probability"] > 0.9
    assert any("padded with 5,000 N on both sides" in i.value for i in at.info)
    [chart] = at.get("plotly_chart")
    names = {trace["name"] for trace in json.loads(chart.proto.spec)["data"]}
    assert names == {"acceptor", "donor"}


@needs_weights
def test_explain_page_does_not_preselect_ism_that_spliceai_cannot_afford(app_test):
    at = app_test()
    at.run()
    at.sidebar.selectbox(key="model_name").set_value("spliceai").run()
    at.switch_page("pages/explain.py").run()
    assert not at.exception
    # integrated gradients with ten shuffled references: 500 gradient passes of 15 kb (seconds each)
    assert at.multiselect[1].value == ["saliency"]
    assert any(c.value.startswith("ISM is not preselected: spliceai") and "45,000 full passes" in c.value
               for c in at.caption)  # fmt: skip
    assert any(c.value.startswith("Integrated gradients is not preselected") and "zeros reference" in c.value
               for c in at.caption)  # fmt: skip
    assert at.selectbox[0].value == "acceptor"  # not the background class "neither"


def test_missing_weights_package_is_shown_not_crashed(app_test, monkeypatch):
    monkeypatch.setattr(weights, "package_dir", lambda: None)
    card = read_card(ROOT / "models" / "spliceai" / "card.json")
    assert "pip install --no-deps spliceai==1.3.1" in unavailable_reason(card)
    with pytest.raises(
        ModelError, match="model 'spliceai' is unavailable: .*pip install --no-deps spliceai==1.3.1"
    ):
        load_model("spliceai", "cpu")
    at = app_test()
    at.run()
    assert at.sidebar.selectbox(key="model_name").value == "oct4-mafk"
    at.sidebar.selectbox(key="model_name").set_value("spliceai").run()
    assert not at.exception
    [warning] = at.sidebar.warning
    assert (
        "spliceai** is unavailable here" in warning.value
        and "pip install --no-deps spliceai==1.3.1" in warning.value
    )
    at.switch_page("pages/models.py").run()
    assert not at.exception
    assert any("Unavailable on this machine" in w.value for w in at.warning)
    text = " ".join(m.value for m in at.markdown)
    assert "CC BY-NC 4.0" in text
