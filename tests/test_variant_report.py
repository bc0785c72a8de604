"""genodash.variants.report: the one-page HTML report of one variant, and its download on the Variant page."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from genodash.errors import InputError
from genodash.genome import Genome
from genodash.models import ZOO_DIR, read_card
from genodash.spliceai import weights
from genodash.spliceai.scoring import DeltaScores, VariantScores
from genodash.variants import parse_text
from genodash.variants.checking import CheckedVariant
from genodash.variants.output import fmt
from genodash.variants.record import Rejection, Variant
from genodash.variants.report import (
    RESEARCH_STAMP,
    ReportContext,
    ReportFigure,
    annotation_name,
    data_uri,
    hgvs_like,
    variant_report,
)
from genodash.variants.splicing import MASK_EXPLAINED, score_splicing, strength
from genodash.variants.triage import TriageRow, check_entries, score_rows

from .conftest import DATA
from .test_variant_page import button, deferred, errors, report_download, variant_page  # noqa: F401, F811 (fixture)
from .test_variants import profile_model  # noqa: F401 (fixture)

HBB = DATA / "hbb_locus"
DEMO = ReportContext(
    "Demo: human beta-globin locus (U01317.1, 73 kb)",
    "shipped with genodash (U01317.1.fa)",
    annotation="annotation_spliceai.txt",
    distance=50,
    mask=False,
    created=datetime(2025, 1, 2, 3, 4, tzinfo=UTC),
)
#: tags and attributes a report may contain: no script, link, iframe, object, event handler...
ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "main", "div", "h1", "h2", "p", "span", "b",
    "code", "br", "section", "table", "tr", "th", "td", "dl", "dt", "dd", "ul", "li", "figure", "img",
    "footer",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"lang", "charset", "name", "content", "class", "style", "src", "alt"}


class Tags(HTMLParser):
    """Every start tag of a document, with its attributes."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def assert_safe_and_self_contained(doc: str) -> None:
    tags = Tags(doc).tags
    assert {tag for tag, _ in tags} <= ALLOWED_TAGS
    assert {name for _, attrs in tags for name in attrs} <= ALLOWED_ATTRIBUTES
    links = [attrs[a] for _, attrs in tags for a in ("src", "href") if a in attrs]
    assert all(link.startswith("data:image/") for link in links)
    assert not any("http" in link for link in links)
    assert "url(" not in doc and "@import" not in doc  # nothing fetched from CSS either


def words(doc: str) -> str:
    """The text a reader sees (tags and the style sheet removed), whitespace collapsed."""
    body = re.sub(r"</?(?:span|b|code)\b[^>]*>", "", doc.split("</style>", 1)[-1])  # inline tags
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def spliceai_row(chrom="U01317.1", note="HBB:IVS1-110G>A", gene="HBB", messages=()) -> TriageRow:
    """IVS1-110 with the delta scores SpliceAI gives it (no model run)."""
    variant = Variant(chrom, 62387, "G", "A", note, "line 9")
    scores = DeltaScores("A", gene, 0.4542, 0.0550, 0.0001, 0.0001, 2, 21, 21, 50)
    return TriageRow(
        variant, CheckedVariant(variant, "U01317.1", 73308), splice=VariantScores((scores,), messages)
    )


@pytest.fixture(scope="module")
def spliceai_card():
    return read_card(ZOO_DIR / "spliceai" / "card.json")


# ------------------------------------------------------------------------------ pieces


@pytest.mark.parametrize(
    ("pos", "ref", "alt", "expected"),
    [
        (62388, "G", "A", "U01317.1:g.62388G>A"),
        (62205, "GA", "G", "U01317.1:g.62206del"),
        (62205, "GAT", "G", "U01317.1:g.62206_62207del"),
        (62205, "G", "GTT", "U01317.1:g.62205_62206insTT"),
        (62205, "GA", "CT", "U01317.1:g.62205_62206delinsCT"),
        (62205, "GAC", "GTC", "U01317.1:g.62206A>T"),
    ],
)
def test_hgvs_like(pos, ref, alt, expected):
    assert hgvs_like(Variant("U01317.1", pos - 1, ref, alt)) == expected


def test_annotation_name_never_shows_a_server_path():
    assert annotation_name("/srv/genodash/genomes/hg38.spliceai.txt") == "hg38.spliceai.txt"
    assert annotation_name("C:\\data\\genes.txt") == "genes.txt"
    assert annotation_name("grch38").startswith("grch38 (GENCODE V24")


def test_figures_are_data_uris_and_other_formats_are_refused():
    assert data_uri(ReportFigure("REF", b"<svg/>", "svg")) == "data:image/svg+xml;base64,PHN2Zy8+"
    with pytest.raises(InputError, match="figure format must be one of png, svg, got 'gif'"):
        data_uri(ReportFigure("REF", b"GIF89a", "gif"))


def test_unscored_row_or_missing_settings_make_no_report(spliceai_card):
    rejection = Rejection("line 1", "U01317.1:10 A>C", "ref_mismatch", "REF differs")
    with pytest.raises(InputError, match="U01317.1:10 A>C was not scored"):
        variant_report(TriageRow(rejection, rejection=rejection), spliceai_card, DEMO)
    with pytest.raises(InputError, match=r"needs the distance \(-D\)"):
        variant_report(spliceai_row(), spliceai_card, replace(DEMO, distance=None))


# ------------------------------------------------------------------------------ reports


def test_spliceai_report_has_scores_words_licence_settings_guide_and_stamp(spliceai_card):
    doc = variant_report(spliceai_row(), spliceai_card, DEMO)
    text = words(doc)
    assert doc.startswith("<!DOCTYPE html>") and "@media print" in doc
    assert text.count(RESEARCH_STAMP) == 2  # top and footer
    assert "U01317.1:62388 G>A HBB:IVS1-110G>A U01317.1:g.62388G>A" in text
    assert f"HBB DS_AG acceptor gain 0.45 {strength(0.4542)} +2 U01317.1:62390" in text
    assert (
        f"Largest score: DS_AG 0.45 {strength(0.4542)}: acceptor gain in HBB at U01317.1:62390 (DP +2)"
        in text
    )
    assert "background-color: #ffdd57" in doc  # the 0.45 cell is coloured as 'moderate'
    # a control with no effect (HbS): the headline says so instead of naming a "low" largest score
    variant = Variant("U01317.1", 62205, "A", "T", "HbS", "line 1")
    hbs = DeltaScores("T", "HBB", 0.0, 0.0, 0.0, 0.01, 8, -37, -17, 34)
    row = TriageRow(variant, CheckedVariant(variant, "U01317.1", 73308), splice=VariantScores((hbs,)))
    assert (
        "No splicing change predicted: every delta score is below 0.2 "
        "(largest DS_DL 0.01, donor loss in HBB)." in words(variant_report(row, spliceai_card, DEMO))
    )
    assert "Model spliceai, version 1.3.1 Licence Weights: CC BY-NC 4.0 (non-commercial use only)" in text
    assert weights.LICENSE in text and "Citation Jaganathan K" in text
    assert "Distance (-D) 50 nt searched" in text and "Mask (-M) 0: unmasked scores" in text
    assert "Annotation annotation_spliceai.txt" in text and "This report: unmasked (-M 0)" in text
    assert MASK_EXPLAINED in text and "0.5 recommended" in text and "Offset (DP)" in text
    # SpliceAI's positions are exon bases: IVS1-1 (the intron's G of GT at 62279) loses the donor at
    # 62278 (tests/test_variants_splicing.py), the exon's last base; acceptors are the exon's first
    assert "acceptor (the first base of an exon, just after the intron's AG)" in text
    assert "donor (the last base of an exon, just before the intron's GT)" in text
    assert "genodash 0.1.0 on cpu · generated 2025-01-02 03:04 UTC" in text
    assert "Saliency logos were not computed" in text
    assert_safe_and_self_contained(doc)
    assert len(doc.encode()) < 20_000  # compact: one printed page


def test_spliceai_report_with_logos_and_masked_scores(spliceai_card):
    logos = [ReportFigure(w, b"\x89PNG fake " + w.encode()) for w in ("REF", "ALT", "ALT - REF")]
    context = replace(DEMO, mask=True, distance=500)
    doc = variant_report(spliceai_row(), spliceai_card, context, logos=logos, logo_note="saliency at +2")
    assert doc.count('<img src="data:image/png;base64,') == 3
    assert "not computed" not in doc and "saliency at +2" in doc
    assert "Distance (-D) 500 nt" in words(doc) and "Mask (-M) 1: masked scores" in words(doc)
    assert_safe_and_self_contained(doc)


def test_user_text_is_escaped(spliceai_card):
    script = "<script>alert('x')</script>"
    row = spliceai_row(
        chrom="chr<b>1</b>",
        note=f"IVS1-110 {script}",
        gene='<img src=x onerror="alert(1)">',
        messages=(script,),
    )
    card = replace(spliceai_card, name=f"my {script}", version="<i>2</i>", license=script, citation=script)
    context = replace(
        DEMO, reference='ref"><script>1</script>.fa', annotation=f"genes{script}.txt", device=script
    )
    logos = [ReportFigure(f"REF {script}", b"\x89PNG")]
    doc = variant_report(row, card, context, logos=logos, logo_note=script)
    assert "<script" not in doc.lower() and "<b>1" not in doc and "<i>2" not in doc
    assert "IVS1-110 &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in doc
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in doc
    assert_safe_and_self_contained(doc)


def test_scalar_model_report_has_ref_alt_and_delta(oct4_mafk):
    with Genome(HBB / "U01317.1.fa") as genome:
        rows = check_entries(
            parse_text("U01317.1:62388 G>A  # IVS1-110"), genome, oct4_mafk.card.input_length
        )
        row = score_rows(rows, oct4_mafk, genome)[0]
    context = ReportContext("my_ref.fa", "uploaded in this browser session (held in memory, not kept)")
    doc = variant_report(row, oct4_mafk.card, context)
    text = words(doc)
    assert "Predictions of oct4-mafk (sigmoid outputs)" in text
    assert "task REF ALT ALT − REF" in text
    for t, task in enumerate(("Oct4", "MafK")):
        cells = (fmt(row.score.ref[t]), fmt(row.score.alt[t]), fmt(row.score.delta[t]))
        assert f"{task} {cells[0]} {cells[1]} {cells[2]}" in text
    assert "MIT (weights trained here)" in text and "Kopp W" in text and "200 bp centred" in text
    assert "DS_AG" not in text and "-D" not in text and "SpliceAI" not in text
    assert "my_ref.fa (uploaded in this browser session" in text
    assert RESEARCH_STAMP in text and "no agreed cut-offs" in text
    assert_safe_and_self_contained(doc)


def test_profile_model_report_has_largest_change_per_task(profile_model):  # noqa: F811
    with Genome(HBB / "U01317.1.fa") as genome:
        rows = check_entries(parse_text("U01317.1:62205 GA>G"), genome, profile_model.card.input_length)
        row = score_rows(rows, profile_model, genome)[0]
    text = words(variant_report(row, profile_model.card, ReportContext("ref.fa", "uploaded")))
    assert "Profile changes of tiny-bpnet (none outputs)" in text
    assert f"plus {fmt(row.score.summary[0])} minus {fmt(row.score.summary[1])}" in text
    assert "U01317.1:g.62206del" in text and "signed ALT − REF difference of largest magnitude" in text


@pytest.mark.skipif(weights.unavailable_reason() is not None, reason="SpliceAI weights not installed")
def test_ivs1_110_scored_by_spliceai_reads_ds_ag_045(spliceai_card):
    from genodash.spliceai.genes import read_gene_table
    from genodash.spliceai.scorer import SpliceAIScorer

    genes = read_gene_table(HBB / "annotation_spliceai.txt")
    with Genome(HBB / "U01317.1.fa") as genome:
        checked = check_entries(parse_text("U01317.1:62388 G>A  # HBB:IVS1-110G>A"), genome)[0].checked
        result = score_splicing(SpliceAIScorer("cpu"), [checked], genome, genes, distance=50, mask=False)[0]
    row = TriageRow(checked.variant, checked, splice=result)
    text = words(variant_report(row, spliceai_card, DEMO))
    assert f"HBB DS_AG acceptor gain 0.45 {strength(0.45)} +2 U01317.1:62390" in text


# ------------------------------------------------------------------------------ on the page


def test_page_report_download_has_variant_stamp_and_logos(app_test, deferred):  # noqa: F811
    at = variant_page(app_test)
    at.text_area(key="variant_text").set_value("U01317.1:62388 G>A  # IVS1-110 <script>x</script>").run()
    button(at, "Run").click().run()
    assert not at.exception and not errors(at)
    assert len(at.get("image")) == 3  # the logos are on screen, so they go into the report
    name, doc = report_download(at, deferred)
    assert re.fullmatch(r"genodash_report_62388_[0-9a-f]{12}\.html", name)
    assert "U01317.1:62388 G&gt;A" in doc and RESEARCH_STAMP in doc and "oct4-mafk" in doc
    assert "IVS1-110 &lt;script&gt;x&lt;/script&gt;" in doc
    assert doc.count('<img src="data:image/png;base64,') == 3
    assert "Method saliency: attributions of the Oct4 output" in doc
    assert_safe_and_self_contained(doc)
