"""genodash.variants.triage: the page's table and its annotated VCF."""

from genodash.genome import Genome
from genodash.variants import parse_text
from genodash.variants.triage import check_entries, reason_counts, score_rows, triage_table, triage_vcf

from .conftest import DATA

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
