"""`genodash spliceai`: the official command line's output, real thalassemia variants, bad input."""

import gzip
import subprocess
import sys
from pathlib import Path

import pytest
from Bio import bgzf

from genodash.cli import main
from genodash.spliceai.weights import INSTALL_COMMAND, unavailable_reason

from .conftest import DATA, ROOT

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "spliceai"
HBB = DATA / "hbb_locus"
pytestmark = pytest.mark.skipif(
    unavailable_reason() is not None, reason=f"SpliceAI weights not installed ({INSTALL_COMMAND})"
)


def spliceai_fields(vcf_text):
    """ID -> list of SpliceAI annotations (dicts, with the record's POS) of a VCF text."""
    keys = ["ALLELE", "SYMBOL", "DS_AG", "DS_AL", "DS_DG", "DS_DL", "DP_AG", "DP_AL", "DP_DG", "DP_DL"]
    out = {}
    for line in vcf_text.splitlines():
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        info = dict(item.split("=", 1) for item in fields[7].split(";") if "=" in item)
        out[fields[2]] = [
            {"POS": int(fields[1])}
            | {k: (v if k in ("ALLELE", "SYMBOL") else float(v)) for k, v in zip(keys, entry.split("|"))}
            for entry in info.get("SpliceAI", "").split(",")
            if entry
        ]
    return out


def test_output_is_identical_to_the_official_command_line(tmp_path, capsys):
    if not (REFERENCE / "out.vcf").is_file():
        pytest.skip(f"reference outputs {REFERENCE} are not here")
    out = tmp_path / "out.vcf"
    args = ["spliceai", "-I", str(REFERENCE / "in.vcf"), "-O", str(out)]
    args += ["-R", str(REFERENCE / "genome.fa"), "-A", str(REFERENCE / "annot.txt")]
    assert main(args) == 0
    assert out.read_text() == (REFERENCE / "out.vcf").read_text()
    err = capsys.readouterr().err
    assert "14 records, 13 annotated" in err and "Traceback" not in err


def test_thalassemia_splice_variants_bgzip_in_and_out(tmp_path, capsys):
    """Known HBB variants (data/hbb_locus): donor losses, new acceptors and donor, three controls."""
    fasta = tmp_path / "U01317.1.fa.gz"
    with bgzf.BgzfWriter(str(fasta), "wb") as handle:
        handle.write((HBB / "U01317.1.fa").read_bytes())
    vcf = tmp_path / "hbb.vcf.gz"
    vcf.write_bytes(gzip.compress((HBB / "hbb_variants.vcf").read_bytes()))
    out = tmp_path / "hbb.out.vcf.gz"
    args = [
        "spliceai",
        "-I",
        str(vcf),
        "-O",
        str(out),
        "-R",
        str(fasta),
        "-A",
        str(HBB / "annotation_spliceai.txt"),
    ]
    assert main([*args, "--batch-size", "4"]) == 0
    assert out.read_bytes()[12:14] == b"BC"  # bgzip, as pysam writes .gz
    text = gzip.decompress(out.read_bytes()).decode()
    print(text)
    s = {key: value[0] for key, value in spliceai_fields(text).items()}
    assert len(s) == 10 and all(v["SYMBOL"] == ("HBD" if "HBD" in k else "HBB") for k, v in s.items())
    # SpliceAI puts a donor at the last exon base and an acceptor at the first exon base:
    # HBB exon 1 ends at 62278, exon 2 starts at 62409, exon 2 ends at 62631
    for donor_destroyed, last_exon_base in (("HBB:IVS1-1G>A", 62278), ("HBB:IVS2-1G>A", 62631)):
        v = s[donor_destroyed]
        assert v["DS_DL"] >= 0.9 and v["POS"] + v["DP_DL"] == last_exon_base
    for donor_weakened in ("HBB:IVS1-5G>C", "HBB:IVS1-6T>C"):
        v = s[donor_weakened]
        assert v["DS_DL"] >= 0.3 and v["POS"] + v["DP_DL"] == 62278
    ivs1_110 = s["HBB:IVS1-110G>A"]
    new_exon_start = ivs1_110["POS"] + ivs1_110["DP_AG"]  # the record: a new acceptor 19 nt upstream
    assert ivs1_110["DS_AG"] >= 0.3 and 17 <= 62409 - new_exon_start <= 21
    assert s["HBB:IVS1-116T>G"]["DS_AG"] >= 0.5
    assert s["HBB:IVS2-745C>G"]["DS_DG"] >= 0.5
    for control in ("HBB:c.20A>T(HbS)", "HBD:nonsense", "HBB:codon6delA"):
        assert max(s[control][k] for k in ("DS_AG", "DS_AL", "DS_DG", "DS_DL")) <= 0.05
    assert sorted(p.name for p in tmp_path.iterdir()) == ["U01317.1.fa.gz", "hbb.out.vcf.gz", "hbb.vcf.gz"]


def test_bad_records_get_messages_not_tracebacks(tmp_path, capsys):
    records = [
        ("U01317.1", 62279, "A", "T", "ref_mismatch"),
        ("chr11", 62279, "G", "A", "unknown_contig"),
        ("U01317.1", 80000, "G", "A", "past_end"),
        ("U01317.1", 62279, "G", "<DEL>", "symbolic"),
        ("U01317.1", 62279, "G", "A,*", "star"),
    ]
    body = "".join(f"{c}\t{p}\t{i}\t{r}\t{a}\t.\t.\t.\tGT\t0/1\n" for c, p, r, a, i in records)
    header = "##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tpatient\n"
    (tmp_path / "bad.vcf").write_text(header + body)
    table = tmp_path / "genes.txt"  # genes on a contig the FASTA lacks, and past the contig end
    table.write_text(
        (HBB / "annotation_spliceai.txt").read_text()
        + "PAST_END\tU01317.1\t+\t70000\t90000\t70000,\t90000,\n"
        + "ELSEWHERE\t11\t+\t62000\t63000\t62000,\t63000,\n"
    )
    out = tmp_path / "out.vcf"
    args = ["spliceai", "-I", str(tmp_path / "bad.vcf"), "-O", str(out), "-R", str(HBB / "U01317.1.fa")]
    assert main([*args, "-A", str(table), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "Traceback" not in err and "0/1" not in err  # genotypes never echoed
    assert "line 3 (U01317.1:62279 A>T): REF 'A' does not match the reference 'G'" in err
    assert "line 4 (chr11:62279 G>A): contig 'chr11' is not in the reference FASTA" in err
    assert "line 5 (U01317.1:80000 G>A): SpliceAI needs 5,050 nt on each side" in err
    assert "line 6 (U01317.1:62279 G><DEL>): ALT '<DEL>' is symbolic" in err
    assert "line 7 (U01317.1:62279 G>A,*): ALT '*' is symbolic" in err
    lines = [line for line in out.read_text().splitlines() if not line.startswith("#")]
    assert lines[:4] == body.splitlines()[:4]  # unscored records pass through unchanged
    assert "\tSpliceAI=A|HBB|" in lines[4] and lines[4].endswith("GT\t0/1") and "*|" not in lines[4]


def test_unusable_inputs_exit_2_with_a_message(tmp_path, capsys):
    args = ["spliceai", "-I", str(HBB / "hbb_variants.vcf"), "-O", str(tmp_path / "o.vcf")]
    assert main([*args, "-R", str(tmp_path / "missing.fa"), "-A", str(HBB / "annotation_spliceai.txt")]) == 2
    assert "genodash spliceai: error: reference FASTA" in capsys.readouterr().err
    assert main([*args, "-R", str(HBB / "U01317.1.fa"), "-A", str(tmp_path / "nope.txt")]) == 2
    assert "does not exist (use grch37, grch38 or a file)" in capsys.readouterr().err


def test_python_dash_m_and_help():
    out = subprocess.run(
        [sys.executable, "-m", "genodash", "spliceai", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0
    for option in ("-I", "-O", "-R", "-A", "-D", "-M", "--device", "--batch-size"):
        assert option in out.stdout
