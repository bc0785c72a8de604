"""Page tests without a browser (AppTest): what a user sees on every page."""

import gzip

from .conftest import DATA, errors


def run_button(at):
    return next(b for b in at.button if b.label == "Run")


def test_predict_example_gives_table_chart_and_download(app_test):
    at = app_test()
    at.run()
    assert not at.exception
    assert at.sidebar.selectbox(key="model_name").value == "oct4-mafk"
    next(b for b in at.button if b.label == "Load example").click().run()
    assert at.text_area(key="predict_text").value.startswith(">Oct4_heldout")
    run_button(at).click().run()
    assert not at.exception and not errors(at)
    table = at.dataframe[0].value
    assert len(table) == 6
    oct4 = table[table["name"].str.startswith("Oct4")]["Oct4 probability"]
    mafk = table[table["name"].str.startswith("MafK")]["MafK probability"]
    assert oct4.median() > 0.5 and mafk.median() > 0.5
    assert len(at.get("plotly_chart")) == 1
    assert any("Download table" in str(d.proto.label) for d in at.get("download_button"))
    # results survive another rerun, and the model choice persists
    at.run()
    assert len(at.dataframe) == 1
    assert at.sidebar.selectbox(key="model_name").value == "oct4-mafk"


def test_bad_input_shows_a_message_and_keeps_the_text(app_test):
    at = app_test()
    at.run()
    text = ">peak_1\nACGTNNacgt\n>oops\nACGT-ACGT\nAC7\n"
    at.text_area(key="predict_text").input(text).run()
    run_button(at).click().run()
    assert not at.exception
    [message] = errors(at)
    assert "record 'oops', line 4, column 5" in message and "gap '-'" in message
    assert "digit '7'" in message
    assert at.text_area(key="predict_text").value == text
    assert not at.dataframe


def test_what_was_entered_survives_visits_to_other_pages(app_test):
    at = app_test()
    at.run()
    at.text_area(key="predict_text").input(">a\nACGT\n").run()
    at.switch_page("pages/explain.py").run()
    at.text_area(key="explain_text").input(">b\nGGCC\n").run()
    at.switch_page("pages/variant.py").run()
    at.text_area(key="variant_text").input("U01317.1:62279 G>A").run()
    at.switch_page("pages/your_model.py").run()
    at.text_input(key="user_name").input("my-cnn").run()
    at.switch_page("pages/models.py").run()
    for page, key, value in [
        ("predict", "predict_text", ">a\nACGT\n"),
        ("explain", "explain_text", ">b\nGGCC\n"),
        ("variant", "variant_text", "U01317.1:62279 G>A"),
    ]:
        at.switch_page(f"pages/{page}.py").run()
        assert not at.exception
        assert at.text_area(key=key).value == value, page
    at.switch_page("pages/your_model.py").run()
    assert at.text_input(key="user_name").value == "my-cnn"


def test_empty_run_explains_what_to_do(app_test):
    at = app_test()
    at.run()
    run_button(at).click().run()
    assert not at.exception
    assert any("Nothing to run yet" in w.value for w in at.warning)


def test_gzip_fasta_upload_is_predicted(app_test):
    at = app_test()
    at.run()
    content = gzip.compress((DATA / "janggu" / "sample2_test.fa").read_bytes())
    at.file_uploader(key="predict_upload").upload("mafk_test.fa.gz", content, "application/gzip").run()
    assert any("mafk_test.fa.gz" in c.value for c in at.caption)
    run_button(at).click().run()
    assert not at.exception and not errors(at)
    table = at.dataframe[0].value
    assert len(table) == 100
    assert (table["MafK probability"] > 0.5).mean() > 0.9
    assert len(at.get("plotly_chart")) == 1


def test_binary_upload_is_refused_clearly(app_test):
    at = app_test()
    at.run()
    at.file_uploader(key="predict_upload").upload("weights.fa", b"\x00\x01binary\x00", "text/plain").run()
    run_button(at).click().run()
    assert not at.exception
    assert any("binary file, not FASTA" in e for e in errors(at))


def test_models_page_shows_cards(app_test):
    at = app_test()
    at.run()
    at.switch_page("pages/models.py").run()
    assert not at.exception
    assert at.title[0].value == "Models"
    text = " ".join(m.value for m in at.markdown)
    assert "janggu==0.10.2" in text and "Licence" in text
    assert "scalar, 1 task (motif_positive)" in text and "scalar, 2 tasks (Oct4, MafK)" in text
    assert len(at.dataframe) >= 1  # held-out metrics (oct4-mafk and the other zoo models)


def test_explain_page_logos_track_heatmap_agreement(app_test):
    at = app_test()
    at.run()
    at.switch_page("pages/explain.py").run()
    assert not at.exception
    assert any("Choose sequences and methods" in i.value for i in at.info)
    next(b for b in at.button if b.label == "Load example").click().run()
    at.multiselect[1].set_value(["saliency", "deep_lift_shap", "ism"]).run()
    run_button(at).click().run()
    assert not at.exception and not errors(at)
    assert len(at.get("image")) == 3  # one logo per method
    assert len(at.get("plotly_chart")) == 2  # track and ISM heatmap
    agreement = at.dataframe[0].value
    assert set(agreement["method A"]) | set(agreement["method B"]) == {"saliency", "deep_lift_shap", "ism"}
    assert any(c.value.startswith("Rank correlation: Spearman") for c in at.caption)  # how to read it
    # oct4-mafk's max pools lose part of the output change under DeepLIFT's rules: the page says so,
    # and names the layers, instead of failing silently
    (deeplift_warning,) = [w.value for w in at.warning if "deep_lift_shap**: Completeness" in w.value]
    assert "Completeness check failed" in deeplift_warning and "pool1 (MaxPool1d)" in deeplift_warning
    # how much gradient correction would remove, per gradient method (the default references cancel it
    # for DeepLiftShap)
    (note,) = [c.value for c in at.caption if c.value.startswith("Gradient correction (now off)")]
    assert "saliency " in note and "deep_lift_shap " in note and "cancels for deep_lift_shap" in note
    # the window slider redraws the logos without recomputing
    run_id = at.session_state["explain_result"].run_id
    at.slider[-1].set_value((11, 60)).run()
    assert not at.exception
    assert at.session_state["explain_result"].run_id == run_id
    assert any("positions 11-60" in caption for img in at.get("image") for caption in img.captions)
    # new sequences pasted: the results on screen say they are from the last Run
    assert not any("from the last Run" in i.value for i in at.info)
    at.text_area(key="explain_text").set_value(">mine\n" + "ACGT" * 50 + "\n").run()
    assert not at.exception
    assert any("from the last Run: its sequences are no longer among those above" in i.value for i in at.info)


def test_explain_what_if_scores_one_substitution_and_adds_the_mutant(app_test):
    at = app_test()
    at.run()
    at.switch_page("pages/explain.py").run()
    next(b for b in at.button if b.label == "Load example").click().run()
    at.multiselect[1].set_value(["ism"]).run()
    run_button(at).click().run()
    assert not at.exception and not errors(at)
    text = at.text_area(key="explain_text").value
    first = text.splitlines()[1]  # the first example's sequence: the one explained
    next(n for n in at.number_input if n.label == "Position").set_value(58).run()
    # the base already there (a dotted heatmap cell): a hint, not an error
    at.selectbox(key="what_if_base").set_value(first[57]).run()
    next(b for b in at.button if b.label == "Run the mutant").click().run()
    assert not errors(at) and any(f"Position 58 is {first[57]} already" in i.value for i in at.info)
    base = "T" if first[57] != "T" else "A"
    at.selectbox(key="what_if_base").set_value(base).run()
    next(b for b in at.button if b.label == "Run the mutant").click().run()
    assert not at.exception and not errors(at)
    table = at.dataframe[-1].value
    assert list(table["task"]) == ["Oct4", "MafK"] and {"before", "after", "change"} <= set(table.columns)
    assert (table["change"] != 0).any()
    # the direct pass agrees with the ISM cell
    (agree,) = [c.value for c in at.caption if c.value.startswith("ISM's heatmap gave")]
    assert "(the same)" in agree
    next(b for b in at.button if b.label == "Add the mutant to the sequences above").click().run()
    assert not at.exception
    grown = at.text_area(key="explain_text").value
    assert grown.startswith(text.rstrip("\n")) and f"_58{first[57]}>" in grown
    assert len(at.multiselect[0].options) == 7  # six examples and the mutant
    # chosen next to the original: one Run explains both
    original = text.splitlines()[0][1:]
    assert at.multiselect[0].value == [f"1. {original}", f"7. {original}_58{first[57]}>{base}"]
    run_button(at).click().run()
    assert not at.exception and not errors(at)
    assert len(at.session_state["explain_result"].records) == 2
    # two sequences: the mutant's logo is drawn under the original's, on one scale, with its downloads
    assert next(b for b in at.selectbox if b.label == "Compare its logos with").value == 1  # the mutant
    captions = [c for img in at.get("image") for c in img.captions]
    assert len(captions) == 2 and f"_58{first[57]}>{base}: positions" in captions[1]
    labels = [str(d.proto.label) for d in at.get("download_button")]
    assert "Compared logo (PNG)" in labels and "Compared logo (SVG)" in labels


def test_explain_what_if_after_switching_models_says_what_to_do(app_test):
    at = app_test()
    at.run()
    at.switch_page("pages/explain.py").run()
    next(b for b in at.button if b.label == "Load example").click().run()
    at.multiselect[1].set_value(["saliency"]).run()
    run_button(at).click().run()
    assert not at.exception and not errors(at)
    at.sidebar.selectbox(key="model_name").set_value("koo-task3").run()
    assert not at.exception and not errors(at)
    assert any("These results are from model **oct4-mafk**" in w.value for w in at.warning)
    assert not any(b.label == "Run the mutant" for b in at.button)
    assert any(
        "A what-if runs the model these results are from, oct4-mafk: choose it again in the sidebar, or "
        "press Run above to explain with koo-task3 first." == i.value
        for i in at.info
    )


def test_explain_uses_predict_sequences_and_refuses_empty_choice(app_test):
    at = app_test()
    at.run()
    next(b for b in at.button if b.label == "Load example").click().run()
    run_button(at).click().run()
    at.switch_page("pages/explain.py").run()
    assert at.radio(key="explain_source").value.startswith("Sequences from Predict (6)")
    at.multiselect[0].set_value([]).run()
    run_button(at).click().run()
    assert not at.exception
    assert any("Choose at least one sequence" in w.value for w in at.warning)
    # one click chooses the sequences Predict scored highest for the chosen output, highest first
    next(s for s in at.selectbox if s.label == "Output to explain").set_value("MafK").run()
    next(b for b in at.button if b.label == "Choose the 6 highest for MafK").click().run()
    predicted = at.session_state["predict_result"]
    by_mafk = predicted.table.sort_values("MafK probability", ascending=False)
    assert at.multiselect[0].value == [f"{i + 1}. {name}" for i, name in by_mafk["name"].items()]
    # pressed again after a change by hand: the same six again
    at.multiselect[0].unselect(at.multiselect[0].value[2]).run()
    assert len(at.multiselect[0].value) == 5
    assert at.multiselect[0].label == "Sequences to explain (5 chosen, up to 20)"
    next(b for b in at.button if b.label == "Choose the 6 highest for MafK").click().run()
    assert len(at.multiselect[0].value) == 6
    run_button(at).click().run()
    assert not at.exception and not errors(at)
    assert [r.name for r in at.session_state["explain_result"].records] == list(by_mafk["name"])
    # the choice survives a visit to another page
    at.multiselect[0].unselect(at.multiselect[0].value[0]).run()
    at.switch_page("pages/models.py").run()
    at.switch_page("pages/explain.py").run()
    assert at.multiselect[0].value == [f"{i + 1}. {name}" for i, name in by_mafk["name"].items()][1:]
    # the pick belongs to Predict's sequences: new sequences start with their first as before
    at.radio(key="explain_source").set_value("New sequences").run()
    next(b for b in at.button if b.label == "Load example").click().run()
    assert len(at.multiselect[0].value) == 1


def test_explain_unreadable_paste_points_at_the_problem_not_at_choosing(app_test):
    at = app_test()
    at.run()
    at.switch_page("pages/explain.py").run()
    text = ">mine\nACGTACGTAC7T\n"
    at.text_area(key="explain_text").input(text).run()
    [message] = errors(at)
    assert "digit '7'" in message and "line 2, column 11" in message
    assert not at.info  # before Run too: no "choose sequences" hint under the error
    run_button(at).click().run()
    assert not at.exception and errors(at) == [message]
    assert [w.value for w in at.warning] == [
        "Nothing to explain yet: fix the text box first (the red message above says where)."
    ]
    assert not at.info  # no "choose sequences" hint contradicting it
    assert at.text_area(key="explain_text").value == text


def test_your_model_upload_then_explain(app_test):
    import json

    from .test_user_models import CARD, trained_toy_model

    at = app_test()
    at.run()
    at.switch_page("pages/your_model.py").run()
    assert not at.exception
    # a pickle is refused with the reason and the conversion snippet
    at.file_uploader(key="user_weights").upload("model.pt", b"\x80\x04\x95junk", "application/octet-stream")
    at.radio(key="user_card_how").set_value("Upload card.json").run()
    at.file_uploader(key="user_card_file").upload(
        "card.json", json.dumps(CARD).encode(), "application/json"
    ).run()
    next(b for b in at.button if b.label == "Check and add the model").click().run()
    assert not at.exception
    assert any("never loads pickles" in e and "save_file" in e for e in errors(at))
    # real safetensors weights are added for this session and selected in the sidebar
    at.file_uploader(key="user_weights").upload("toy.safetensors", trained_toy_model()).run()
    next(b for b in at.button if b.label == "Check and add the model").click().run()
    assert not at.exception and not errors(at)
    assert at.sidebar.selectbox(key="model_name").value == "toy-gc"
    assert any("toy-gc" in m.value for m in at.markdown)
    # and it works on Explain
    at.switch_page("pages/explain.py").run()
    at.text_area(key="explain_text").input(">gc\n" + "GCGCATGC" * 7 + "GCGC\n").run()
    at.multiselect[1].set_value(["saliency", "ism"]).run()
    run_button(at).click().run()
    assert not at.exception and not errors(at)
    assert len(at.get("image")) == 2
    # another session never sees it
    other = app_test()
    other.run()
    assert "toy-gc" not in other.sidebar.selectbox(key="model_name").options
