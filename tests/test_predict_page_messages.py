"""Messages of the Predict page (and the Variant page's empty state) through AppTest."""

import pytest

from genodash.spliceai import weights
from genodash.ui import state

from .conftest import button, errors

needs_weights = pytest.mark.skipif(
    weights.unavailable_reason() is not None,
    reason=f"SpliceAI weights not installed ({weights.INSTALL_COMMAND})",
)
VCF = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\nchr1\t10\t.\tA\tG\t.\t.\t.\n"


def infos(at):
    return [i.value for i in at.info]


def predict_page(app_test, model=None):
    at = app_test()
    at.run()
    if model is not None:
        at.sidebar.selectbox(key="model_name").set_value(model).run()
    assert not at.exception
    return at


def test_uploaded_plain_text_is_neither_fasta_nor_dna(app_test):
    at = predict_page(app_test)
    note = b"this is a plain text note\nnot a fasta at all\n"
    at.file_uploader(key="predict_upload").upload("note.txt", note, "text/plain").run()
    button(at, "Run").click().run()
    assert not at.exception
    [message] = errors(at)
    assert "file note.txt" in message and "neither FASTA (no '>name' header line)" in message
    assert "line 1 reads 'this is a plain text note'" in message
    assert "seq1" not in message and "protein" not in message
    assert not at.dataframe


def test_pasted_vcf_gets_one_message_pointing_to_the_variant_page(app_test):
    at = predict_page(app_test)
    at.text_area(key="predict_text").input(VCF).run()
    button(at, "Run").click().run()
    assert not at.exception
    [message] = errors(at)
    assert "this is a VCF" in message and "Variant page" in message
    assert "not a nucleotide" not in message
    assert at.text_area(key="predict_text").value == VCF


def test_plain_sequence_without_header_still_runs_and_one_is_singular(app_test):
    at = predict_page(app_test)
    at.text_area(key="predict_text").input("ACGT" * 50 + "\n").run()
    button(at, "Run").click().run()
    assert not at.exception and not errors(at)
    assert [s.value for s in at.subheader] == ["Predictions for 1 sequence"]
    assert list(at.dataframe[0].value["name"]) == ["seq1"]


def test_empty_state_describes_this_models_example_and_errors_get_no_hint(app_test):
    at = predict_page(app_test)
    [hint] = infos(at)
    assert "Try **Load example** for this model's 6 example sequences (Oct4_heldout_" in hint
    at.text_area(key="predict_text").input(">a\nAC-GT\n").run()
    button(at, "Run").click().run()
    assert len(errors(at)) == 1
    assert not infos(at)  # the message says what is wrong; no "Results appear here" under it


@needs_weights
def test_spliceai_hint_names_its_gene_not_held_out_peaks(app_test):
    at = predict_page(app_test, "spliceai")
    [hint] = infos(at)
    assert "human beta-globin gene" in hint and "held-out" not in hint


@pytest.fixture
def downloads(monkeypatch):
    """Every download's file name and bytes, as the page hands them to Streamlit."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    made = []
    original = MediaFileManager.add

    def record(self, path_or_data, mimetype, coordinates, file_name=None, **kwargs):
        made.append((file_name, path_or_data))
        return original(self, path_or_data, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add", record)
    return made


@needs_weights
def test_spliceai_table_and_csv_leave_out_the_neither_class(app_test, downloads):
    at = predict_page(app_test, "spliceai")
    button(at, "Load example").click().run()
    button(at, "Run").click().run()
    assert not at.exception and not errors(at)
    columns = list(at.dataframe[0].value.columns)
    assert columns[4:] == [
        "acceptor max probability",
        "acceptor max position",
        "donor max probability",
        "donor max position",
    ]
    assert any("background class **neither**" in c.value for c in at.caption)
    [csv] = [data for name, data in downloads if name and name.endswith(".csv")]
    assert csv.decode().splitlines()[0] == ",".join(columns)
    info = " ".join(infos(at))
    assert "1 of 1 sequence is shorter" in info and "1 of 1 sequences" not in info


def test_failed_run_keeps_the_previous_results_with_a_caption(app_test):
    at = predict_page(app_test)
    button(at, "Load example").click().run()
    button(at, "Run").click().run()
    assert len(at.dataframe[0].value) == 6
    at.text_area(key="predict_text").input(">a\nAC-GT\n").run()
    button(at, "Run").click().run()
    assert not at.exception
    [message] = errors(at)
    assert "gap '-'" in message
    assert len(at.dataframe[0].value) == 6  # the previous results are still there
    stale = "results of the previous successful run"
    assert any(stale in c.value for c in at.caption)
    assert at.text_area(key="predict_text").value == ">a\nAC-GT\n"
    # a later good run replaces them and drops the caption
    at.text_area(key="predict_text").input("ACGT" * 50).run()
    button(at, "Run").click().run()
    assert not errors(at) and len(at.dataframe[0].value) == 1
    assert not any(stale in c.value for c in at.caption)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "file empty.vcf is empty"), (b"hello\nthis is not a vcf\n", "Is this a VCF?")],
)
def test_variant_error_is_not_followed_by_the_empty_state_hint(app_test, content, message):
    at = app_test()
    at.run()
    at.switch_page("pages/variant.py").run()
    at.radio(key="variant_source").set_value("Upload a VCF").run()
    at.file_uploader(key="variant_vcf_upload").upload("empty.vcf", content, "text/plain").run()
    button(at, "Run").click().run()
    assert not at.exception
    [error] = errors(at)
    assert message in error
    assert not any("press Run" in i for i in infos(at))


def test_uploaded_vcf_file_gets_the_message_pointing_to_the_variant_page(app_test):
    """A .vcf file is accepted by the uploader, so the reader (not the browser) says what to do."""
    at = app_test()
    at.run()
    uploader = at.file_uploader(key=state.PREDICT_UPLOAD)
    assert ".vcf" in list(uploader.proto.type)
    uploader.upload("calls.vcf", VCF.encode(), "text/plain").run()
    button(at, "Run").click().run()
    assert not at.exception
    [message] = errors(at)
    assert "this is a VCF" in message and "Variant page" in message
