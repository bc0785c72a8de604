"""`genodash score`: a VCF scored with a zoo model into TSV and sites-only VCF, SpliceAI, bad input."""

import gzip
import subprocess
import sys

import pytest

from genodash.cli import main
from genodash.spliceai.weights import INSTALL_COMMAND, unavailable_reason
from genodash.variants import output
from genodash.variants.record import REASONS

from .conftest import DATA, ROOT

HBB = DATA / "hbb_locus"
FASTA = HBB / "U01317.1.fa"
SEQ = "".join(FASTA.read_text().splitlines()[1:]).upper()
HEADER = (
    "##fileformat=VCFv4.2\n"
    '##INFO=<ID=AC,Number=A,Type=Integer,Description="allele count">\n'
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tNA12878\n"
)
#: (record, entries it yields): HBB variants with a genotype column, and rejections of every kind
RECORDS = [
    ("U01317.1\t62279\tivs1\tG\tA\t.\tPASS\tAC=1\tGT\t0/1", 1),
    ("chrU01317.1\t62279\tivs1_chr\tG\tA\t.\tPASS\t.\tGT\t0/1", 1),
    ("U01317.1\t62206\thbs\tA\tT,C\t50\tPASS\tAC=3,4\tGT\t1/2", 2),
    ("U01317.1\t62205\tdel\tGA\tG\t.\t.\t.\tGT\t0/1", 1),
    ("U01317.1\t62206\tmismatch\tG\tT\t.\t.\t.\tGT\t0/1", 1),
    ("chr9\t100\tcontig\tA\tT\t.\t.\t.\tGT\t0/1", 1),
    ("U01317.1\t80000\tpast\tA\tT\t.\t.\t.\tGT\t0/1", 1),
    ("U01317.1\t62206\tsv\tA\t<DEL>,*\t.\t.\t.\tGT\t0/1", 2),
    ("U01317.1\t62206\tbnd\tA\tA[U01317.1:100[\t.\t.\t.\tGT\t0/1", 1),
    ("U01317.1\tnot_a_number\tbadpos\tA\tT\t.\t.\t.\tGT\t0/1", 1),
]
ENTRIES = sum(n for _, n in RECORDS)
WITHOUT_WEIGHTS = pytest.mark.skipif(
    unavailable_reason() is not None,
    reason=f"SpliceAI weights not installed: {unavailable_reason()} ({INSTALL_COMMAND})",
)


@pytest.fixture(scope="module")
def vcf(tmp_path_factory):
    path = tmp_path_factory.mktemp("vcf") / "mixed.vcf"
    path.write_text(HEADER + "\n".join(r for r, _ in RECORDS) + "\n")
    return path


def read_tsv(path):
    lines = path.read_text().splitlines()
    header = lines[0].split("\t")
    return header, [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]


def score(args, capsys):
    code = main(["score", *map(str, args)])
    return code, capsys.readouterr().err


@pytest.fixture(scope="module")
def tsv(vcf, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "scores.tsv"
    assert main(["score", "-I", str(vcf), "-R", str(FASTA), "-m", "oct4-mafk", "-O", str(out)]) == 0
    return read_tsv(out)


def test_tsv_columns_positions_and_one_row_per_entry(tsv):
    header, rows = tsv
    assert header == [
        *output.SITE_COLUMNS,
        "Oct4_ref",
        "Oct4_alt",
        "Oct4_delta",
        "MafK_ref",
        "MafK_alt",
        "MafK_delta",
    ]
    assert len(rows) == ENTRIES
    scored = [r for r in rows if r["status"] == "scored"]
    assert [r["id"] for r in scored] == ["ivs1", "ivs1_chr", "hbs", "hbs", "del"]
    for row in scored:  # 1-based: REF is the base at pos - 1 of the 0-based string
        pos = int(row["pos"])
        assert SEQ[pos - 1 : pos - 1 + len(row["ref"])] == row["ref"]
        assert row["reason"] == "" and all(row[c] != "" for c in header[10:])
        delta = float(row["Oct4_alt"]) - float(row["Oct4_ref"])
        assert float(row["Oct4_delta"]) == pytest.approx(delta, abs=2e-3)
    assert [r["alt"] for r in rows if r["id"] == "hbs"] == ["T", "C"]
    assert next(r for r in rows if r["id"] == "del")["kind"] == "deletion"


def test_tsv_rejections_have_reason_and_empty_scores(tsv):
    header, rows = tsv
    by_id = {}
    for row in rows:
        by_id.setdefault(row["id"], []).append(row)
    expected = {
        "mismatch": ["ref_mismatch"],
        "contig": ["unknown_contig"],
        "past": ["past_contig_end"],
        "sv": ["symbolic", "spanning_deletion"],
        "bnd": ["breakend"],
        "badpos": ["unreadable"],
    }
    for vid, reasons in expected.items():
        assert [r["reason"] for r in by_id[vid]] == reasons
        for row in by_id[vid]:
            assert row["status"] == "not scored" and row["reason"] in REASONS and row["detail"]
            assert all(row[c] == "" for c in header[10:])
    mismatch = by_id["mismatch"][0]
    assert (mismatch["source"], mismatch["pos"], mismatch["ref"]) == ("line 9", "62206", "G")
    assert "has A at U01317.1:62,206" in mismatch["detail"]
    assert [r["alt"] for r in by_id["sv"]] == ["<DEL>", "*"]


def test_chr_prefixed_contig_is_mapped_and_scored_as_written(tsv):
    _, rows = tsv
    plain = next(r for r in rows if r["id"] == "ivs1")
    prefixed = next(r for r in rows if r["id"] == "ivs1_chr")
    assert prefixed["chrom"] == "chrU01317.1" and prefixed["status"] == "scored"
    assert [prefixed[k] for k in ("Oct4_delta", "MafK_delta")] == [
        plain[k] for k in ("Oct4_delta", "MafK_delta")
    ]


def test_sites_only_vcf_gzip_in_bgzip_out(vcf, tsv, tmp_path, capsys):
    gz = tmp_path / "mixed.vcf.gz"
    gz.write_bytes(gzip.compress(vcf.read_bytes()))
    out = tmp_path / "scores.vcf.gz"
    code, err = score(["-I", gz, "-R", FASTA, "-m", "oct4-mafk", "-O", out], capsys)
    assert code == 0, err
    assert out.read_bytes()[12:14] == b"BC"  # bgzip
    text = gzip.decompress(out.read_bytes()).decode()
    assert "NA12878" not in text and "0/1" not in text and "1/2" not in text and "\tGT" not in text
    lines = text.splitlines()
    assert lines[0] == "##fileformat=VCFv4.2"
    header = [line for line in lines if line.startswith("#")]
    assert header[-1] == "\t".join(output.VCF_COLUMNS)
    assert any(
        line.startswith("##INFO=<ID=GENODASH,") and "oct4-mafk version 1.0.0" in line for line in header
    )
    assert any(line.startswith("##INFO=<ID=GENODASH_FILTER,") for line in header)
    records = [line.split("\t") for line in lines if not line.startswith("#")]
    assert all(len(r) == 8 for r in records)
    assert len(records) == ENTRIES - 1  # the line with POS 'not_a_number' is no VCF record
    assert "not a VCF record" in err
    info = {(r[2], r[4]): dict(i.split("=", 1) for i in r[7].split(";") if "=" in i) for r in records}
    # multi-allelic split, Number=A values cut to each allele
    assert info[("hbs", "T")]["AC"] == "3" and info[("hbs", "C")]["AC"] == "4"
    _, rows = tsv
    hbs_c = next(r for r in rows if r["id"] == "hbs" and r["alt"] == "C")
    oct4 = info[("hbs", "C")]["GENODASH"].split(",")[0].split("|")
    assert oct4 == ["Oct4", hbs_c["Oct4_ref"], hbs_c["Oct4_alt"], hbs_c["Oct4_delta"]]
    assert info[("mismatch", "T")] == {"GENODASH_FILTER": "ref_mismatch"}
    assert info[("sv", "*")] == {"GENODASH_FILTER": "spanning_deletion"}


def test_scores_match_the_library(oct4_mafk, tsv):
    from genodash.genome import Genome
    from genodash.variants import Variant, check_variant, score_one

    _, rows = tsv
    row = next(r for r in rows if r["id"] == "del")
    with Genome(FASTA) as genome:
        checked = check_variant(Variant("U01317.1", 62204, "GA", "G"), genome)
        result = score_one(oct4_mafk, checked, genome)
    assert row["Oct4_delta"] == output.fmt(result.delta[0])
    assert row["MafK_alt"] == output.fmt(result.alt[1])


def test_output_helpers():
    assert output.set_info(".", {"GENODASH": "x"}) == "GENODASH=x"
    assert output.set_info("A=1;GENODASH=old;F", {"GENODASH": "new", "GENODASH_FILTER": None}) == (
        "A=1;GENODASH=new;F"
    )
    assert output.set_info("GENODASH_FILTER=too_long", {"GENODASH_FILTER": None}) == "."
    numbers = {"AC": "A", "AD": "R", "DP": "1"}
    assert output.split_info("AC=1,2;AD=9,8,7;DP=5;DB", 1, 2, numbers) == "AC=2;AD=9,7;DP=5;DB"
    assert output.fmt(0.000123456) == "0.0001235" and output.fmt(12345.6) == "1.235e+04"
    from genodash.variants.record import Rejection

    cells = output.site_cells(Rejection("line 3", "chr1:1,000 A><DEL>", "symbolic", "x"))
    assert cells == ["line 3", "chr1", "1,000", ".", "A", "<DEL>", ""]


@pytest.mark.parametrize(
    ("make_args", "expected"),
    [
        (lambda p, vcf: ["-I", p / "missing.vcf", "-R", FASTA, "-m", "oct4-mafk"], "does not exist"),
        (lambda p, vcf: ["-I", FASTA, "-R", FASTA, "-m", "oct4-mafk"], "Is this a VCF?"),
        (lambda p, vcf: ["-I", vcf, "-R", FASTA, "-m", "no-such-model"], "no model named 'no-such-model'"),
        (lambda p, vcf: ["-I", vcf, "-R", p / "missing.fa", "-m", "oct4-mafk"], "reference FASTA"),
        (lambda p, vcf: ["-I", vcf, "-R", FASTA, "-m", "oct4-mafk", "-O", p / "out.bam"], "--format"),
        (lambda p, vcf: ["-I", vcf, "-R", FASTA, "-m", "oct4-mafk", "--device", "cuda:7"], "device"),
    ],
)
def test_bad_input_exits_2_with_one_line(make_args, expected, vcf, tmp_path, capsys):
    code, err = score(["-O", tmp_path / "out.tsv", *make_args(tmp_path, vcf)], capsys)
    assert code == 2
    assert err.startswith("genodash score: error: ") and expected in err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not (tmp_path / "out.tsv").exists()


def test_subprocess_bad_vcf_and_help(tmp_path):
    bad = tmp_path / "bad.vcf"
    bad.write_bytes(b"\x1f\x8b not really gzip")
    cmd = [sys.executable, "-m", "genodash", "score", "-I", str(bad), "-R", str(FASTA), "-m", "oct4-mafk"]
    done = subprocess.run([*cmd, "-O", str(tmp_path / "o.tsv")], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("genodash score: error: ") and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1
    helped = subprocess.run(
        [sys.executable, "-m", "genodash", "score", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert helped.returncode == 0 and "genotype columns are never copied" in " ".join(helped.stdout.split())


@WITHOUT_WEIGHTS
def test_spliceai_matches_genodash_spliceai(tmp_path, capsys):
    vcf = tmp_path / "hbb.vcf"
    alt = "A" if SEQ[9999] != "A" else "C"  # 10 kb from the contig start, 9 kb before the first gene
    extra = (
        f"U01317.1\t10000\toutside\t{SEQ[9999]}\t{alt}\t.\t.\t.\nU01317.1\t62206\twrong_ref\tG\tA\t.\t.\t.\n"
    )
    vcf.write_text((HBB / "hbb_variants.vcf").read_text() + extra)
    annotation = HBB / "annotation_spliceai.txt"
    official = tmp_path / "spliceai.vcf"
    assert (
        main(["spliceai", "-I", str(vcf), "-R", str(FASTA), "-A", str(annotation), "-O", str(official)]) == 0
    )
    out_vcf, out_tsv = tmp_path / "score.vcf", tmp_path / "score.tsv"
    args = ["-I", vcf, "-R", FASTA, "-m", "spliceai", "-A", annotation]
    code, err = score([*args, "-O", out_vcf], capsys)
    assert code == 0, err
    assert "2 not scored (outside_genes 1, ref_mismatch 1)" in err

    def values(path):
        out = {}
        for line in path.read_text().splitlines():
            if not line.startswith("#"):
                fields = line.split("\t")
                info = dict(i.split("=", 1) for i in fields[7].split(";") if "=" in i)
                out[fields[2]] = info.get("SpliceAI") or info.get("GENODASH_FILTER")
        return out

    ours, theirs = values(out_vcf), values(official)
    assert ours["HBB:IVS1-1G>A"] == "A|HBB|0.00|0.00|0.49|0.98|-39|-1|-17|-1"
    assert ours["outside"] == "outside_genes" and ours["wrong_ref"] == "ref_mismatch"
    assert {k: v for k, v in ours.items() if k not in ("outside", "wrong_ref")} == {
        k: v for k, v in theirs.items() if v is not None
    }
    from genodash.spliceai.scoring import INFO_HEADER

    assert INFO_HEADER in out_vcf.read_text().splitlines()

    code, err = score([*args, "-O", out_tsv, "--quiet"], capsys)
    assert code == 0 and err == ""
    header, rows = read_tsv(out_tsv)
    assert header == [*output.SITE_COLUMNS, *output.SPLICEAI_COLUMNS]
    ivs = next(r for r in rows if r["id"] == "HBB:IVS1-1G>A")
    assert (ivs["gene"], ivs["DP_DL"], round(float(ivs["DS_DL"]), 2)) == ("HBB", "-1", 0.98)
    assert next(r for r in rows if r["id"] == "outside")["reason"] == "outside_genes"


def test_spliceai_needs_a_gene_table(vcf, tmp_path, capsys):
    if unavailable_reason() is not None:
        pytest.skip(f"SpliceAI weights not installed: {unavailable_reason()}")
    code, err = score(["-I", vcf, "-R", FASTA, "-m", "spliceai", "-O", tmp_path / "o.tsv"], capsys)
    assert code == 2 and "-A grch37" in err and err.count("\n") == 1
