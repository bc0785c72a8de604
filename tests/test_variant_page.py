"""The Variant page through AppTest: triage, drill-down, saliency, what-if, bad input, user models."""

import gzip
import json

import pytest

from genodash.spliceai import weights
from genodash.ui.markdown import literal

from .conftest import DATA, button, errors

HBB = DATA / "hbb_locus"
needs_weights = pytest.mark.skipif(
    weights.unavailable_reason() is not None,
    reason=f"SpliceAI weights not installed ({weights.INSTALL_COMMAND})",
)


def variant_page(app_test, model=None):
    at = app_test()
    at.run()
    if model is not None:
        at.sidebar.selectbox(key="model_name").set_value(model).run()
    at.switch_page("pages/variant.py").run()
    assert not at.exception
    return at


@pytest.fixture
def deferred(monkeypatch):
    """Deferred download callables registered by the page, by file id (AppTest never clicks them)."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    made = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = original(self, data_callable, mimetype, coordinates, file_name, **kwargs)
        made[file_id] = (file_name, data_callable)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return made


def report_download(at, deferred) -> tuple[str, str]:
    """The report button's file name and the HTML it gives on click."""
    found = [b for b in at.get("download_button") if b.proto.label == "Download report (HTML)"]
    assert len(found) == 1
    name, make = deferred[found[0].proto.deferred_file_id]
    return name, make().decode()


def test_demo_variants_triage_detail_logos_and_what_if(app_test):
    at = variant_page(app_test)
    assert any("press Run" in i.value for i in at.info)  # empty state says what to do
    button(at, "Load the demo variants").click().run()
    extra = "\nU01317.1:10 A>C\nchr7:5 A>G\nnot a variant\nU01317.1:62205 G>GTT\nU01317.1:99999 A>G"
    at.text_area(key="variant_text").set_value(at.text_area(key="variant_text").value + extra).run()
    button(at, "Run").click().run()
    assert not at.exception and not errors(at)
    table = at.dataframe[0].value
    assert len(table) == 15
    reasons = dict(zip(table["variant"], table["reason"], strict=True))
    assert reasons["U01317.1:10 A>C"] == "ref_mismatch"
    assert reasons["chr7:5 A>G"] == "unknown_contig"
    assert reasons["not a variant"] == "unreadable"
    assert reasons["U01317.1:99999 A>G"] == "past_contig_end"
    # four not scored: a list says why for each (the table's detail column is far to the right)
    (why,) = [e for e in at.expander if e.label == "Why 4 variants were not scored"]
    listed = why.markdown[0].value
    assert listed.count("\n- Row ") == 3 and listed.startswith("- Row 11, U01317")
    assert "REF is A but U01317" in listed and "not a variant" in listed
    assert (table["status"] == "scored").sum() == 11
    assert table.loc[table["variant"] == "U01317.1:62205 G>GTT", "kind"].item() == "insertion"
    assert table.loc[table["ID"] == "HBB:IVS1-1G>A", "variant"].item() == "U01317.1:62279 G>A"
    # the first scored variant is shown in detail: REF, ALT and delta per task
    assert at.subheader[1].value == "U01317.1:62279 G>A (HBB:IVS1-1G>A)"
    detail = at.dataframe[1].value
    assert list(detail.columns) == ["task", "REF", "ALT", "ALT - REF"]
    assert list(detail["task"]) == ["Oct4", "MafK"]
    assert detail["ALT - REF"].to_numpy() == pytest.approx((detail["ALT"] - detail["REF"]).to_numpy())
    assert len(at.get("image")) == 3  # REF, ALT, ALT - REF logos
    assert len(at.get("plotly_chart")) == 2  # REF/ALT bars and the ISM heatmap
    # the what-if starts at the middle column with a base that changes it, never the one already there
    hbs = table.index[table["variant"] == "U01317.1:62206 A>T"].item()
    at.selectbox(key="variant_pick").set_value(hbs).run()
    # chosen in the picker: the table is drawn anew with no row ticked, so one click on any row switches
    assert (
        at.session_state["variant_table_generation"] == 1 and at.session_state["variant_table_click"] is None
    )
    assert next(s for s in at.selectbox if s.label == "What-if: position").value == 62206
    assert next(s for s in at.selectbox if s.label == "New base").value == "C"  # not its REF, A
    # drill down into the insertion: its logos are aligned on one axis, with inserted columns
    at.selectbox(key="variant_pick").set_value(13).run()
    assert not at.exception and not errors(at)
    assert at.subheader[1].value == "U01317.1:62205 G>GTT"
    assert len(at.get("image")) == 3
    # what-if: pick a substitution from the heatmap's positions and score it instead
    next(s for s in at.selectbox if s.label == "What-if: position").set_value(62207).run()
    next(s for s in at.selectbox if s.label == "New base").set_value("C").run()
    button(at, "Score this substitution").click().run()
    assert not at.exception and not errors(at)
    assert at.subheader[1].value.startswith("U01317.1:62207 G>C")
    assert any("What-if" in i.value for i in at.info)
    button(at, "Back to U01317.1:62205 G>GTT").click().run()
    assert at.subheader[1].value == "U01317.1:62205 G>GTT"


def test_the_inspected_variant_survives_a_visit_to_another_page(app_test):
    at = variant_page(app_test)
    button(at, "Load the demo variants").click().run()
    button(at, "Run").click().run()
    picker = next(s for s in at.selectbox if s.label.startswith("Inspect variant"))
    picker.set_value(2).run()  # the third variant
    shown = at.subheader[1].value
    assert shown.startswith("U01317.1:") and "IVS1-1G" not in shown
    at.switch_page("pages/models.py").run()
    at.switch_page("pages/variant.py").run()
    assert not at.exception
    assert next(s for s in at.selectbox if s.label.startswith("Inspect variant")).value == 2
    assert at.subheader[1].value == shown


def test_filter_keeps_only_matching_rows(app_test):
    at = variant_page(app_test)
    at.text_area(key="variant_text").set_value("U01317.1:62279 G>A\nU01317.1:10 A>C\n").run()
    button(at, "Run").click().run()
    next(t for t in at.text_input if t.label.startswith("Filter")).input("ref_mismatch").run()
    table = at.dataframe[0].value
    assert list(table["variant"]) == ["U01317.1:10 A>C"]
    # one variant not scored: the summary above the table says exactly why (the detail column is far right)
    summary = next(c.value for c in at.caption if c.value.startswith("1 of 2 scored"))
    assert summary.endswith(literal("Row 2: REF is A but U01317.1.fa has T at U01317.1:10."))


def test_vcf_upload_gzip_with_genotypes_never_shows_them(app_test, deferred):
    vcf = (
        "##fileformat=VCFv4.2\n##contig=<ID=U01317.1,length=73308>\n"
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tPATIENT_A\tPATIENT_B\n"
        "U01317.1\t62279\t.\tG\tA,T\t.\t.\tNOTE=family\tGT:GQ\t0/1:SECRET_GQ_99\t1/1:SECRET_GQ_42\n"
        "U01317.1\t62283\t.\tG\t<DEL>\t.\t.\t.\tGT\t0/1\t0/0\n"
    )
    at = variant_page(app_test)
    at.radio(key="variant_source").set_value("Upload a VCF").run()
    at.file_uploader(key="variant_vcf_upload").upload("calls.vcf.gz", gzip.compress(vcf.encode())).run()
    button(at, "Run").click().run()
    assert not at.exception and not errors(at)
    table = at.dataframe[0].value
    assert list(table["variant"]) == ["U01317.1:62279 G>A", "U01317.1:62279 G>T", "U01317.1:62283 G><DEL>"]
    assert list(table["reason"]) == ["", "", "symbolic"]
    shown = " ".join(str(e.value) for e in at.main if hasattr(e, "value")) + table.to_csv()
    assert "SECRET" not in shown and "PATIENT" not in shown and "0/1" not in shown
    # the annotated VCF keeps the upload's header lines and INFO, never its genotypes
    (button_,) = [b for b in at.get("download_button") if b.proto.label == "Annotated VCF (sites only)"]
    _, make = deferred[button_.proto.deferred_file_id]
    annotated = make().decode()
    assert "##contig=<ID=U01317.1,length=73308>" in annotated and "NOTE=family;GENODASH=" in annotated
    assert "SECRET" not in annotated and "PATIENT" not in annotated and "0/1" not in annotated


def test_not_a_vcf_is_a_clear_message_and_the_text_is_kept(app_test):
    at = variant_page(app_test)
    at.text_area(key="variant_text").set_value("U01317.1:62279 G>A").run()
    at.radio(key="variant_source").set_value("Upload a VCF").run()
    at.file_uploader(key="variant_vcf_upload").upload("notes.vcf", b"hello\nthis is not a vcf\n").run()
    button(at, "Run").click().run()
    assert not at.exception
    assert any("line 1" in e and "Is this a VCF?" in e for e in errors(at))
    at.radio(key="variant_source").set_value("Type or paste").run()
    assert at.text_area(key="variant_text").value == "U01317.1:62279 G>A"


def test_uploaded_reference_maps_chr_names(app_test):
    """An uploaded FASTA whose contig is '11'; variants typed as chr11 are mapped and scored."""
    lines = (HBB / "U01317.1.fa").read_text().splitlines()
    sequence = "".join(lines[1:])[60000:64000]
    fasta = ">11 beta-globin slice\n" + "\n".join(sequence[i : i + 60] for i in range(0, 4000, 60)) + "\n"
    at = variant_page(app_test)
    at.selectbox(key="variant_reference").set_value("Upload a FASTA").run()
    at.file_uploader(key="variant_fasta_upload").upload("slice.fa.gz", gzip.compress(fasta.encode())).run()
    # position 2279 of the slice is IVS1-1 (62279 on U01317.1)
    at.text_area(key="variant_text").set_value("chr11:2279 G>A\nchr11:2279 C>A\nchrX:5 A>G").run()
    button(at, "Run").click().run()
    assert not at.exception and not errors(at)
    table = at.dataframe[0].value
    assert list(table["status"]) == ["scored", "not scored", "not scored"]
    assert list(table["reason"]) == ["", "ref_mismatch", "unknown_contig"]
    assert "has G at 11:2,279" in table["detail"][1]


def test_session_model_works_on_the_variant_page(app_test):
    from .test_user_models import CARD, trained_toy_model

    at = app_test()
    at.run()
    at.switch_page("pages/your_model.py").run()
    at.file_uploader(key="user_weights").upload("toy.safetensors", trained_toy_model())
    at.radio(key="user_card_how").set_value("Upload card.json").run()
    at.file_uploader(key="user_card_file").upload("card.json", json.dumps(CARD).encode()).run()
    button(at, "Check and add the model").click().run()
    assert at.sidebar.selectbox(key="model_name").value == "toy-gc"
    at.switch_page("pages/variant.py").run()
    button(at, "Load the demo variants").click().run()
    button(at, "Run").click().run()
    assert not at.exception and not errors(at)
    assert list(at.dataframe[1].value["task"]) == ["gc_rich"]
    assert len(at.get("image")) == 3


@needs_weights
def test_demo_locus_offers_spliceai_in_one_click(app_test):
    at = variant_page(app_test)  # the default model, oct4-mafk
    (hint,) = [i.value for i in at.info if "comes with splice variants" in i.value]
    assert "**oct4-mafk** scores them as changes in its own outputs" in hint
    button(at, "Load the demo variants").click().run()
    button(at, "Use spliceai").click().run()
    assert not at.exception and not errors(at)
    assert at.sidebar.selectbox(key="model_name").value == "spliceai"
    assert not any("comes with splice variants" in i.value for i in at.info)
    assert any(s.label.startswith("Gene annotation") for s in at.selectbox)
    assert "U01317.1:62279 G>A" in at.text_area(key="variant_text").value  # the demo variants stay


@needs_weights
def test_spliceai_demo_scores_tracks_and_saliency(app_test, deferred):
    at = variant_page(app_test, "spliceai")
    assert any(s.label.startswith("Gene annotation") for s in at.selectbox)
    button(at, "Load the demo variants").click().run()
    button(at, "Run").click().run()
    assert not at.exception and not errors(at)
    table = at.dataframe[0].value.set_index("ID")
    assert table.loc["HBB:IVS1-1G>A", "DS_DL"] == pytest.approx(0.98, abs=0.005)
    assert table.loc["HBB:IVS1-116T>G", "DS_AG"] == pytest.approx(0.93, abs=0.005)
    assert table.loc["HBB:IVS1-110G>A", "DP_AG"] == 2
    assert table.loc["HBB:c.20A>T(HbS)", "max DS"] < 0.2
    detail = at.dataframe[1].value
    row = detail[detail["score"] == "DS_DL"].iloc[0]
    assert row["gene"] == "HBB" and row["strength"] == "very high (>= 0.8)"
    assert row["offset"] == -1 and row["position"] == 62278
    assert any("Masked (-M 1)" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 1  # acceptor/donor tracks of REF and ALT
    _, report = report_download(at, deferred)  # the one-page report, before saliency: no logos
    assert "U01317.1:62279 G&gt;A" in report and "0.98" in report and "50 nt searched" in report
    assert "Saliency logos were not computed" in report and "CC BY-NC 4.0" in report
    button(at, "Compute saliency").click().run()
    assert not at.exception and not errors(at)
    assert len(at.get("image")) == 3
    _, report = report_download(at, deferred)  # now with the logos on screen
    assert report.count('<img src="data:image/png;base64,') == 3 and "not computed" not in report
    # IVS1-1 destroys the donor: the page and the report say why ALT's logo is nearly flat
    assert any(c.value.startswith("This is the lost donor (DS_DL 0.98)") for c in at.caption)
    assert "This is the lost donor (DS_DL 0.98)" in report
