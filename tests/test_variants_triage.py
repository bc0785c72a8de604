"""genodash.variants.triage: the page's table and its annotated VCF."""

from genodash.genome import Genome
from genodash.variants import parse_text
from genodash.variants.triage import check_entries, reason_counts, score_rows, triage_table, triage_vcf

from .conftest import DATA
from .test_variants import profile_model  # noqa: F401, F811 (fixture)

TEXT = "U01317.1:62279 G>A  # IVS1-1 my note\nchr2:5 A>G\nU01317.1:10 A>C\nnot a variant\n"


def test_table_and_vcf_name_every_entry_and_reason(oct4_mafk):
    with Genome(DATA / "hbb_locus" / "U01317.1.fa") as genome:
        rows = check_entries(parse_text(TEXT), genome, oct4_mafk.card.input_length)
        rows = score_rows(rows, oct4_mafk, genome)
    table = triage_table(rows, oct4_mafk.card.tasks, spliceai=False)
    assert list(table["status"]) == ["scored", "not scored", "not scored", "not scored"]
    assert list(table["reason"]) == ["", "unknown_contig", "ref_mismatch", "unreadable"]
    assert table["delta Oct4"][0] == rows[0].score.delta[0]
    assert reason_counts(rows) == {"unknown_contig": 1, "ref_mismatch": 1, "unreadable": 1}
    vcf = triage_vcf(rows, oct4_mafk.card).splitlines()
    assert vcf[0] == "##fileformat=VCFv4.2"
    assert vcf[-4] == "\t".join(["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"])
    first = vcf[-3].split("\t")
    assert first[:5] == ["U01317.1", "62279", "IVS1-1_my_note", "G", "A"]  # no spaces in the ID column
    assert first[7].startswith("GENODASH=Oct4|")
    assert vcf[-2].endswith("GENODASH_FILTER=unknown_contig")
    assert vcf[-1].endswith("GENODASH_FILTER=ref_mismatch")  # the unreadable line has no VCF record


def test_profile_model_overlay_saliency_and_table(profile_model):  # noqa: F811
    from genodash.variants.figures import profile_overlay
    from genodash.variants.saliency import explain_variant

    with Genome(DATA / "hbb_locus" / "U01317.1.fa") as genome:
        rows = check_entries(parse_text("U01317.1:62205 GA>G\nU01317.1:62206 A>T"), genome, 120)
        rows = score_rows(rows, profile_model, genome)
    deletion = rows[0].score
    table = triage_table(rows, profile_model.card.tasks, spliceai=False)
    assert table["max |delta|"][0] == max(abs(deletion.summary))
    fig = profile_overlay(deletion, 0)
    names = [trace.name for trace in fig.data]
    assert names == ["REF", "ALT", "ALT - REF"]
    # the deleted base is a gap (NaN) in the ALT track, present in REF
    labels = deletion.output_alignment.labels
    gap = labels.index("62206")
    assert fig.data[1].y[gap] != fig.data[1].y[gap]  # NaN
    assert fig.data[0].y[gap] == fig.data[0].y[gap]
    saliency = explain_variant(profile_model, deletion.windows, method="saliency", target="minus", flank=5)
    assert saliency.ref.shape == saliency.alt.shape == (4, len(saliency.alignment.keys))
    assert saliency.output_window is not None and saliency.ism.shape == (4, 22)


def test_server_genomes_are_offered_and_left_untouched(app_test, monkeypatch, tmp_path):
    import shutil

    folder = tmp_path / "genomes"
    folder.mkdir()
    shutil.copy(DATA / "hbb_locus" / "U01317.1.fa", folder / "hbb.fa")
    monkeypatch.setenv("GENODASH_GENOMES_DIR", str(folder))
    at = app_test()
    at.run()
    at.switch_page("pages/variant.py").run()
    at.selectbox(key="variant_reference").set_value("Server: hbb.fa").run()
    at.text_area(key="variant_text").set_value("U01317.1:62279 G>A").run()
    next(b for b in at.button if b.label == "Run").click().run()
    assert not at.exception and not at.error
    assert list(at.dataframe[0].value["status"]) == ["scored"]
    assert sorted(p.name for p in folder.iterdir()) == ["hbb.fa"]


def test_vcf_keeps_alleles_that_are_not_sequence_as_the_command_line_does(oct4_mafk):
    """Symbolic, breakend and ``*`` alleles are not scored, but stay in the annotated VCF with a reason."""
    text = (
        "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
        "U01317.1\t62279\tivs1-1\tG\tA\t.\t.\t.\n"
        "U01317.1\t62300\tdel1\tC\t<DEL>\t.\t.\t.\n"
        "U01317.1\t62301\tspan\tA\t*,G\t.\t.\t.\n"
        "U01317.1\t62302\tbnd\tT\tT[U01317.1:70000[\t.\t.\t.\n"
    )
    with Genome(DATA / "hbb_locus" / "U01317.1.fa") as genome:
        rows = check_entries(parse_text(text), genome, oct4_mafk.card.input_length)
        rows = score_rows(rows, oct4_mafk, genome)
    records = [line.split("\t") for line in triage_vcf(rows, oct4_mafk.card).splitlines() if line[0] != "#"]
    assert [r[:5] for r in records] == [
        ["U01317.1", "62279", "ivs1-1", "G", "A"],
        ["U01317.1", "62300", "del1", "C", "<DEL>"],
        ["U01317.1", "62301", "span", "A", "*"],
        ["U01317.1", "62301", "span", "A", "G"],
        ["U01317.1", "62302", "bnd", "T", "T[U01317.1:70000["],
    ]
    filters = [r[7].split("GENODASH_FILTER=")[-1] if "FILTER=" in r[7] else "" for r in records]
    assert filters[1:3] == ["symbolic", "spanning_deletion"] and filters[4] == "breakend"
    assert records[0][7].startswith("GENODASH=Oct4|")
    table = triage_table(rows, oct4_mafk.card.tasks, spliceai=False)
    assert list(table["ID"]) == ["ivs1-1", "del1", "span", "span", "bnd"]  # also for the rows not scored


def test_vcf_input_keeps_its_header_ids_and_info_per_allele(oct4_mafk):
    """As genodash score: the input's ## lines head the output, each allele keeps its record's INFO."""
    from genodash.variants.output import info_numbers
    from genodash.variants.parsing import VcfStream
    from genodash.variants.triage import VcfInput, vcf_record_sites

    text = (
        "##fileformat=VCFv4.2\n##reference=U01317.1.fa\n##contig=<ID=U01317.1,length=73308>\n"
        '##INFO=<ID=AF,Number=A,Type=Float,Description="allele frequency">\n'
        '##INFO=<ID=NOTE,Number=1,Type=String,Description="a note">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tS1\n"
        "U01317.1\t62279\tivs1-1\tG\tA,T\t50\tPASS\tAF=0.1,0.2;NOTE=x\tGT\t0/1\n"
        "U01317.1\t62300\tdel1\tC\t<DEL>\t.\t.\tNOTE=sv\tGT\t0/1\n"
    )
    entries, sites = [], {}
    with VcfStream(text.encode()) as stream:
        numbers = info_numbers(stream.header.meta)
        for _, fields, line_entries in stream:
            entries += line_entries
            sites.update(vcf_record_sites(fields, line_entries, numbers))
        vcf = VcfInput(tuple(stream.header.meta), sites)
    with Genome(DATA / "hbb_locus" / "U01317.1.fa") as genome:
        rows = score_rows(check_entries(entries, genome, oct4_mafk.card.input_length), oct4_mafk, genome)
    lines = triage_vcf(rows, oct4_mafk.card, vcf).splitlines()
    assert lines[:3] == [
        "##fileformat=VCFv4.2",
        "##reference=U01317.1.fa",
        "##contig=<ID=U01317.1,length=73308>",
    ]
    assert any(line.startswith("##INFO=<ID=AF,") for line in lines)
    records = [line.split("\t") for line in lines if not line.startswith("#")]
    assert [r[:7] for r in records] == [
        ["U01317.1", "62279", "ivs1-1", "G", "A", "50", "PASS"],
        ["U01317.1", "62279", "ivs1-1", "G", "T", "50", "PASS"],
        ["U01317.1", "62300", "del1", "C", "<DEL>", ".", "."],
    ]
    assert records[0][7].startswith("AF=0.1;NOTE=x;GENODASH=Oct4|")  # its own allele's frequency
    assert records[1][7].startswith("AF=0.2;NOTE=x;GENODASH=Oct4|")
    assert records[2][7] == "NOTE=sv;GENODASH_FILTER=symbolic"
    assert all("0/1" not in line for line in lines)  # genotypes never copied
