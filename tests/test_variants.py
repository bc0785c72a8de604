"""genodash.variants: parsing typed text and VCFs, checking against a reference, windows, scoring."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from genodash.errors import InputError
from genodash.genome import Genome
from genodash.models import ModelCard, build_model_from_state
from genodash.predict import apply_activation, predict
from genodash.sequence import one_hot_encode
from genodash.variants import (
    REASONS,
    CheckedVariant,
    Rejection,
    Variant,
    VcfStream,
    align,
    build_windows,
    check_variant,
    parse_line,
    parse_text,
    score_one,
    score_variants,
)
from genodash.variants.parsing import looks_like_vcf, variants_only

from .conftest import DATA

HBB = DATA / "hbb_locus"
FASTA = HBB / "U01317.1.fa"
VCF = HBB / "hbb_variants.vcf"
CONTIG = "U01317.1"


def read_fasta(path: Path) -> dict[str, str]:
    """Contig name -> sequence, with plain Python (independent of genodash and pyfaidx)."""
    out: dict[str, list[str]] = {}
    name = None
    for line in path.read_text().splitlines():
        if line.startswith(">"):
            name = line[1:].split()[0]
            out[name] = []
        elif line.strip():
            out[name].append(line.strip())
    return {k: "".join(v) for k, v in out.items()}


SEQ = read_fasta(FASTA)[CONTIG]


def write_fasta(path: Path, contigs: dict[str, str]) -> Path:
    path.write_text("".join(f">{name} test\n{seq}\n" for name, seq in contigs.items()))
    return path


@pytest.fixture(scope="module")
def hbb():
    with Genome(FASTA) as genome:
        yield genome
    assert not Path(f"{FASTA}.fai").exists()  # the index never lands beside the shipped file


def only(entries):
    [entry] = entries
    return entry


def checked_at(genome: Genome, pos: int, ref: str, alt: str) -> CheckedVariant:
    """A variant at 1-based ``pos`` of the HBB contig, checked (must pass)."""
    result = check_variant(Variant(CONTIG, pos - 1, ref, alt), genome)
    assert isinstance(result, CheckedVariant), result
    return result


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    "text",
    [
        "chr17:43045712 G>A",
        "chr17:43,045,712 G>A",
        "chr17:43045712:G>A",
        "chr17:43045712  G > A",
        "chr17:43045712 g>a",
        "17-43045712-G-A",
        "17:43045712:G:A",
        "17_43045712_G_A",
        "17\t43045712\t.\tG\tA\t.\t.\t.",
        "17 43045712 . G A . . .",
        "17 43045712 . g a",
        "  chr17:43045712 G>A  ",
    ],
)
def test_every_accepted_form_gives_the_same_variant(text):
    v = only(parse_line(text, "line 7"))
    assert isinstance(v, Variant), v
    chrom = "chr17" if text.strip().startswith("chr") else "17"
    assert (v.chrom, v.start, v.pos, v.ref, v.alt, v.source) == (
        chrom,
        43045711,
        43045712,
        "G",
        "A",
        "line 7",
    )
    assert v.end == 43045712 and v.label == f"{chrom}:43045712 G>A" and v.kind == "SNV"


def test_vcf_line_keeps_id_and_indel_alleles():
    v = only(parse_line("chr1\t1,000\trs99\tcag\tC\t50\tPASS\tDP=3", "line 1"))
    assert (v.chrom, v.start, v.ref, v.alt, v.id) == ("chr1", 999, "CAG", "C", "rs99")
    assert v.end == 1002 and v.kind == "deletion"
    assert only(parse_line("1 5 . A ACC", "x")).kind == "insertion"
    assert only(parse_line("1 5 . AC GT", "x")).kind == "MNV"
    assert only(parse_line("1 5 . AC GTT", "x")).kind == "complex"


def test_a_trailing_note_on_a_typed_line_becomes_the_id():
    v = only(parse_line("chr11:5,227,002 T>A   # HbS, sickle cell", "line 1"))
    assert (v.chrom, v.pos, v.ref, v.alt, v.id) == ("chr11", 5227002, "T", "A", "HbS, sickle cell")
    assert only(parse_line("11-5227002-T-A#x", "line 1")).id == "x"
    assert only(parse_line("11-5227002-T-A #", "line 1")).id == "."
    assert [e.id for e in parse_line("chr1:5 G>A,T # two", "l")] == ["two", "two"]


def test_multi_allelic_entries_split_one_variant_per_alt():
    typed = parse_line("chr17:43045712 G>A,T", "line 1")
    vcf = parse_line("17\t43045712\trs1\tG\tA,T\t.\t.\t.", "line 2")
    assert [(v.chrom, v.start, v.ref, v.alt) for v in typed] == [
        ("chr17", 43045711, "G", "A"),
        ("chr17", 43045711, "G", "T"),
    ]
    assert [(v.alt, v.id, v.source) for v in vcf] == [("A", "rs1", "line 2"), ("T", "rs1", "line 2")]
    # one bad ALT among good ones rejects only that allele
    mixed = parse_line("1\t10\t.\tG\tA,*,<DEL>,G", "line 3")
    assert [e.alt if isinstance(e, Variant) else e.reason for e in mixed] == [
        "A",
        "spanning_deletion",
        "symbolic",
        "ref_equals_alt",
    ]


def test_parse_text_skips_blank_and_comment_lines_and_numbers_sources():
    text = "# my variants\n\nchr1:100 A>G\n   \n#chr1:5 A>G\n1-200-C-T,G\n\ufeffchr2:3 T>C\n"
    entries = parse_text(text)
    assert [(e.chrom, e.pos, e.alt, e.source) for e in entries] == [
        ("chr1", 100, "G", "line 3"),
        ("1", 200, "T", "line 6"),
        ("1", 200, "G", "line 6"),
        ("chr2", 3, "C", "line 7"),
    ]
    assert parse_text("") == [] and parse_line("##fileformat=VCFv4.2", "line 1") == []
    assert variants_only(parse_text("chr1:1 A>G\nnonsense")) == [Variant("chr1", 0, "A", "G", ".", "line 1")]


@pytest.mark.parametrize(
    ("text", "reason", "detail"),
    [
        ("hello world", "unreadable", "not a variant; write chr17:43045712 G>A"),
        ("chr1:12x A>G", "unreadable", "not a variant"),
        ("chr1 100", "unreadable", "not a variant"),
        ("chr1:0 A>G", "unreadable", "position 0 is below 1"),
        ("1\t0\t.\tA\tG", "unreadable", "position 0 is below 1"),
        ("chr1:, A>G", "unreadable", "position ',' is not a whole number"),
        ("1\t5\t.\tA\t.", "no_alt", "ALT is '.'"),
        ("1\t5\t.\tA\t<DEL>", "symbolic", "ALT '<DEL>' is symbolic"),
        ("chr1:5 A><INS>", "symbolic", "ALT '<INS>' is symbolic"),
        ("1\t5\t.\tA\t]chr1:3]A", "breakend", "ALT ']chr1:3]A' is a breakend"),
        ("1\t5\t.\tA\tA[chr2:5[", "breakend", "ALT 'A[chr2:5[' is a breakend"),
        ("1\t5\t.\tA\t*", "spanning_deletion", "ALT '*'"),
        ("1\t5\t.\tAX\tA", "invalid_bases", "REF 'AX' has letters other than ACGTN: X"),
        ("chr1:5 A>X", "invalid_bases", "ALT 'X' is not ACGTN: X"),
        ("1\t5\t.\tA\tA12", "invalid_bases", "ALT 'A12' is not ACGTN: 12"),
        ("1\t5\t.\tR\tA", "invalid_bases", "REF 'R' has letters other than ACGTN: R"),
        ("chr1:5 A>A", "ref_equals_alt", "REF and ALT are both A"),
        ("1\t5\t.\tac\tAC", "ref_equals_alt", "REF and ALT are both AC"),
    ],
)
def test_every_rejection_reason_names_the_line(text, reason, detail):
    entry = only(parse_text("\n\n" + text))
    assert isinstance(entry, Rejection), entry
    assert entry.reason == reason and reason in REASONS
    assert detail in entry.detail, entry.detail
    assert entry.source == "line 3" and entry.message.startswith("line 3 (")


def test_every_parsing_reason_is_produced():
    texts = [
        "junk",
        "1\t5\t.\tA\t.",
        "1\t5\t.\tA\t<DUP>",
        "1\t5\t.\tA\tA]2:4]",
        "1\t5\t.\tA\t*",
        "1\t5\t.\tA\tZ",
        "1\t5\t.\tA\tA",
    ]
    reasons = {e.reason for e in parse_text("\n".join(texts))}
    checking = {"unknown_contig", "past_contig_end", "ref_mismatch", "too_long"}
    assert reasons == set(REASONS) - checking


# ---------------------------------------------------------------- VCF files

HEADER = (
    "##fileformat=VCFv4.2\n"
    "##contig=<ID=1,length=1000>\n"
    '##INFO=<ID=DP,Number=1,Type=Integer,Description="Depth">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tALICE\tBOB\n"
)
BODY = (
    "1\t10\trs1\tA\tG\t50\tPASS\tDP=7\tGT:GQ\t0|1:99\t1/1:42\n"
    "\n"
    "1\t20\trs2\tC\tT,CA\t.\t.\t.\tGT\t0/1\t1/2\n"
    "1\t30\n"
    "2\t40\t.\tG\t<DEL>\t.\t.\tSVTYPE=DEL\tGT\t0/1\t./.\n"
    "2\t50\t.\tT\tA\t.\t.\t.\tGT\t1|0\t0|0\n"
)
VCF_TEXT = HEADER + BODY
GENOTYPES = ("0|1:99", "1/1:42", "0/1", "1/2", "./.", "1|0", "0|0", "GT:GQ", "ALICE", "BOB")


def bgzip_bytes(data: bytes, tmp_path: Path) -> bytes:
    bgzf = pytest.importorskip("Bio.bgzf", reason="Biopython's bgzf is needed to write bgzip")
    path = tmp_path / "x.vcf.gz"
    with bgzf.BgzfWriter(str(path), "wb") as handle:
        handle.write(data)
    out = path.read_bytes()
    path.unlink()
    assert out[12:14] == b"BC"  # the BGZF extra field: really bgzip, not plain gzip
    return out


@pytest.mark.parametrize("compression", ["plain", "gzip", "bgzip"])
@pytest.mark.parametrize("as_bytes", [False, True])
def test_vcf_stream_plain_gzip_bgzip_files_and_bytes(tmp_path, compression, as_bytes):
    data = VCF_TEXT.encode()
    if compression == "gzip":
        data = gzip.compress(data)
    elif compression == "bgzip":
        data = bgzip_bytes(data, tmp_path)
    path = tmp_path / ("in.vcf" if compression == "plain" else "in.vcf.gz")
    path.write_bytes(data)
    with VcfStream(data if as_bytes else path) as stream:
        assert stream.name == ("uploaded VCF" if as_bytes else path.name)
        assert stream.header.meta == HEADER.splitlines()[:3]
        assert stream.header.columns == ["#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO"]
        assert stream.header.samples == 2
        rows = list(stream)
    numbers = [n for n, _, _ in rows]
    assert numbers == [5, 7, 8, 9, 10]  # 1-based file lines; the blank line 6 is skipped
    for _, fields, _ in rows[:1] + rows[1:2] + rows[3:]:
        assert len(fields) == 8
    text = repr(rows)
    assert not any(g in text for g in GENOTYPES), "genotype columns must never be yielded"
    entries = [e for _, _, es in rows for e in es]
    summary = [
        (e.chrom, e.pos, e.ref, e.alt, e.id, e.source) if isinstance(e, Variant) else e.reason
        for e in entries
    ]
    assert summary == [
        ("1", 10, "A", "G", "rs1", "line 5"),
        ("1", 20, "C", "T", "rs2", "line 7"),
        ("1", 20, "C", "CA", "rs2", "line 7"),
        "unreadable",
        "symbolic",
        ("2", 50, "T", "A", ".", "line 10"),
    ]
    short = entries[3]
    assert short.source == "line 8" and "2 tab-separated columns; VCF needs 8" in short.detail


def test_vcf_stream_entries_from_an_open_stream_and_the_demo_file():
    import io

    with VcfStream(io.BytesIO(VCF_TEXT.encode()), name="mine.vcf") as stream:
        assert stream.name == "mine.vcf"
        assert [e.source for e in stream.entries()] == [
            "line 5",
            "line 7",
            "line 7",
            "line 8",
            "line 9",
            "line 10",
        ]
    with VcfStream(VCF) as stream:
        variants = list(stream.entries())
        assert stream.header.samples == 0 and len(stream.header.meta) == 4
    assert len(variants) == 10 and all(isinstance(v, Variant) for v in variants)
    assert (variants[0].id, variants[0].pos, variants[0].ref, variants[0].alt) == (
        "HBB:IVS1-1G>A",
        62279,
        "G",
        "A",
    )
    assert variants[-1].kind == "deletion" and variants[-1].source == "line 15"


def test_vcf_stream_is_lazy():
    lines = VCF_TEXT + "".join(f"1\t{i}\t.\tA\tG\t.\t.\t.\tGT\t0/1\t0/0\n" for i in range(100, 5100))
    stream = VcfStream(lines.encode())
    first = next(iter(stream))
    assert first[0] == 5 and stream._number == 5  # nothing read ahead beyond the line yielded
    stream.close()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "uploaded VCF is empty"),
        (
            b"chr1:5 A>G\n",
            "uploaded VCF line 1: expected '##' header lines and then '#CHROM'; got 'chr1:5 A>G'",
        ),
        (b"##fileformat=VCFv4.2\n1\t5\t.\tA\tG\n", "uploaded VCF line 2: expected '##' header lines"),
        (b"##fileformat=VCFv4.2\n##source=x\n", "uploaded VCF has no '#CHROM' header line"),
        (gzip.compress(b"##fileformat=VCFv4.2\n" * 500)[:-40], "damaged or truncated gzip"),
        (b"\x1f\x8bnot really gzip at all", "damaged or truncated gzip near line 1"),
        (b"\xff\xfe\x00\x00binary", "uploaded VCF line 1 is not UTF-8 text"),
        (
            HEADER.encode() + b"1\t5\t.\tA\tG\n1\t6\t.\tA\tG\t.\t.\tNOTE=caf\xe9\n",
            "uploaded VCF line 6 is not UTF-8 text",
        ),
        (gzip.compress(HEADER.encode() + b"1\t5\t.\t\xe9\tG\n"), "uploaded VCF line 5 is not UTF-8 text"),
    ],
)
def test_unusable_vcfs_raise_input_error_naming_the_problem(data, message):
    with pytest.raises(InputError, match=re.escape(message)):
        with VcfStream(data) as stream:
            list(stream)


def test_byte_order_mark_and_windows_line_endings_are_read(tmp_path):
    data = "\ufeff".encode() + VCF_TEXT.replace("\n", "\r\n").encode()
    assert looks_like_vcf(data.decode("utf-8"))
    for source in (data, gzip.compress(data)):
        with VcfStream(source) as stream:
            assert stream.header.meta[0] == "##fileformat=VCFv4.2" and stream.header.samples == 2
            assert stream.header.columns[-1] == "INFO"
            entries = list(stream.entries())
        assert [(e.pos, e.alt) for e in entries if isinstance(e, Variant)] == [
            (10, "G"),
            (20, "T"),
            (20, "CA"),
            (50, "A"),
        ]


@pytest.mark.parametrize(
    "data",
    [b"", b"not a vcf\n", b"##fileformat=VCFv4.2\n", b"\xff\xfe", b"\x1f\x8b\x08broken"],
    ids=["empty", "not-vcf", "no-chrom", "not-utf8", "damaged-gzip"],
)
def test_a_rejected_vcf_file_is_closed(tmp_path, data):
    import warnings

    path = tmp_path / "bad.vcf"
    path.write_bytes(data)
    opened = []
    real_open = Path.open

    def spy(self, *args, **kwargs):
        handle = real_open(self, *args, **kwargs)
        opened.append(handle)
        return handle

    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(Path, "open", spy)
            with pytest.raises(InputError):
                VcfStream(path)
    assert len(opened) == 1 and opened[0].closed


def test_missing_vcf_file_and_looks_like_vcf(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        VcfStream(tmp_path / "nope.vcf")
    assert looks_like_vcf("##fileformat=VCFv4.2\n#CHROM") and looks_like_vcf("\n#CHROM\tPOS")
    assert not looks_like_vcf("chr1:5 A>G")


# ---------------------------------------------------------------- genome and checking


def test_genome_reads_the_hbb_fasta_as_plain_python_does(hbb):
    assert hbb.lengths == {CONTIG: 73_308} and len(SEQ) == 73_308
    assert hbb.fetch(CONTIG, 62279, 62279) == SEQ[62278] == "G"
    assert hbb.fetch(CONTIG, 1, 60) == SEQ[:60] and hbb.fetch(CONTIG, 73_300, 73_308) == SEQ[-9:]


def test_demo_variants_all_pass_the_check(hbb):
    with VcfStream(VCF) as stream:
        results = [check_variant(v, hbb, max_allele=200) for v in stream.entries()]
    assert all(isinstance(r, CheckedVariant) for r in results), results
    assert {(r.contig, r.contig_length) for r in results} == {(CONTIG, 73_308)}
    for r in results:
        v = r.variant
        assert SEQ[v.start : v.end] == v.ref


def test_ref_mismatch_names_expected_found_and_position(hbb):
    r = check_variant(Variant(CONTIG, 62278, "A", "T", source="line 4"), hbb)
    assert isinstance(r, Rejection) and r.reason == "ref_mismatch"
    assert r.source == "line 4" and r.entry == "U01317.1:62279 A>T"
    assert r.detail == "REF is A but U01317.1.fa has G at U01317.1:62,279"
    two = check_variant(Variant(CONTIG, 62204, "GT", "G"), hbb)
    assert two.reason == "ref_mismatch" and f"has {SEQ[62204:62206]} at" in two.detail
    assert two.source == "U01317.1:62205 GT>G"  # no source: the label names it


def test_unknown_contig_lists_the_references_contigs(hbb, tmp_path):
    r = check_variant(Variant("chr11", 5, "A", "G", source="line 2"), hbb)
    assert r.reason == "unknown_contig"
    assert r.detail == "contig 'chr11' is not in U01317.1.fa (which has U01317.1)"
    names = {f"c{i}": "ACGT" for i in range(7)}
    with Genome(write_fasta(tmp_path / "many.fa", names)) as genome:
        r = check_variant(Variant("X", 0, "A", "G"), genome)
    assert r.detail.endswith("(which has c0, c1, c2, c3, c4, ...)")


def test_past_contig_end_and_too_long(hbb):
    last = check_variant(Variant(CONTIG, 73_307, SEQ[-1], "A"), hbb)
    assert isinstance(last, CheckedVariant)
    past = check_variant(Variant(CONTIG, 73_308, "A", "G"), hbb)
    assert past.reason == "past_contig_end" and "past the end of the contig (73,308 nt)" in past.detail
    overhang = check_variant(Variant(CONTIG, 73_306, "AAAA", "A"), hbb)
    assert overhang.reason == "past_contig_end" and "U01317.1:73,310" in overhang.detail
    ref = SEQ[999:1011]
    assert isinstance(check_variant(Variant(CONTIG, 999, ref, ref[0]), hbb, max_allele=12), CheckedVariant)
    long_ref = check_variant(Variant(CONTIG, 999, ref, ref[0]), hbb, max_allele=11)
    assert (
        long_ref.reason == "too_long"
        and "an allele of 12 nt does not fit the model's 11 nt input" in long_ref.detail
    )
    long_alt = check_variant(Variant(CONTIG, 999, ref[0], ref[0] + "A" * 11), hbb, max_allele=11)
    assert long_alt.reason == "too_long"
    assert check_variant(Variant(CONTIG, 999, ref[0], ref[0] + "A" * 11), hbb).variant.alt.endswith("A")


def test_ref_check_ignores_soft_masking(tmp_path):
    with Genome(write_fasta(tmp_path / "soft.fa", {"chr1": "ACGTacgtAC"})) as genome:
        assert genome.fetch("chr1", 5, 8) == "acgt"  # stored as in the file
        ok = check_variant(Variant("chr1", 4, "ACG", "A"), genome)
        assert isinstance(ok, CheckedVariant) and ok.contig == "chr1"
        mixed = check_variant(Variant("chr1", 2, "GTAC", "G"), genome)
        assert isinstance(mixed, CheckedVariant)
        bad = check_variant(Variant("chr1", 4, "C", "A"), genome)
        assert bad.reason == "ref_mismatch" and "has A at chr1:5" in bad.detail


@pytest.mark.parametrize(
    ("fasta_names", "vcf_name", "expected"),
    [
        (["1", "MT"], "chr1", "1"),
        (["chr1", "chrM"], "1", "chr1"),
        (["chr1", "chrM"], "MT", "chrM"),
        (["chr1", "chrM"], "M", "chrM"),
        (["1", "MT"], "chrM", "MT"),
        (["1", "MT"], "M", "MT"),
        (["1", "M"], "chrM", "M"),
        (["1", "M"], "MT", "M"),
        (["chr1", "chrMT"], "chrM", "chrMT"),
        (["1", "2", "MT"], "chr2", "2"),
        (["chr1", "1", "chrM", "MT"], "1", "1"),  # exact names win
        (["chr1", "1", "chrM", "MT"], "chr1", "chr1"),
        (["chr1", "1", "chrM", "MT"], "MT", "MT"),
        (["chr1", "1", "chrM", "MT"], "chrM", "chrM"),
        (["1", "MT"], "chr2", None),
        (["1", "MT"], "chrX", None),
    ],
)
def test_contig_names_map_chr_and_mito_spellings(tmp_path, fasta_names, vcf_name, expected):
    seqs = {name: "ACGTACGTAC" for name in fasta_names}
    with Genome(write_fasta(tmp_path / "g.fa", seqs)) as genome:
        assert genome.resolve(vcf_name) == expected
        r = check_variant(Variant(vcf_name, 2, "G", "T"), genome)
        if expected is None:
            assert r.reason == "unknown_contig" and all(n in r.detail for n in fasta_names)
        else:
            assert isinstance(r, CheckedVariant) and r.contig == expected and r.variant.chrom == vcf_name
            assert r.contig_length == 10


@pytest.mark.parametrize("compression", ["plain", "gzip", "bgzip"])
def test_genome_from_bytes_indexes_in_a_temporary_directory(tmp_path, compression):
    text = ">chr1 first\nACGTACGTAC\nGGGG\n>MT\nacgtN\n"
    data = text.encode()
    if compression == "gzip":
        data = gzip.compress(data)
    elif compression == "bgzip":
        data = bgzip_bytes(data, tmp_path)
    before = sorted(tmp_path.iterdir())
    genome = Genome.from_bytes(data, name="my genome.fa")
    try:
        folder = genome.path.parent
        assert folder.is_dir() and not folder.is_relative_to(tmp_path)
        assert genome.name == "my genome.fa"
        assert genome.lengths == {"chr1": 14, "MT": 5}
        assert genome.fetch("chr1", 9, 14) == "ACGGGG" and genome.fetch("MT", 1, 5) == "acgtN"
        assert genome.resolve("chrM") == "MT"
        r = check_variant(Variant("chrX", 0, "A", "G"), genome)
        assert "is not in my genome.fa" in r.detail
    finally:
        genome.close()
    assert not folder.exists()
    assert sorted(tmp_path.iterdir()) == before


def test_genome_from_a_user_file_writes_nothing_beside_it(tmp_path):
    path = write_fasta(tmp_path / "user.fa", {"chr1": "ACGT" * 20})
    with Genome(path) as genome:
        index_dir = Path(genome._tmp.name)
        assert genome.fetch("chr1", 1, 4) == "ACGT"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["user.fa"]
    assert not index_dir.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "reference FASTA 'up.fa' is empty"),
        (b"ACGTACGT\n", "reference FASTA 'up.fa' does not start with a '>' header line"),
        (b"##fileformat=VCFv4.2\n", "does not start with a '>' header line"),
        (gzip.compress(b"just text\n"), "does not start with a '>' header line"),
        (
            gzip.compress(b">chr1\n" + b"ACGT" * 5000 + b"\n")[:-30],
            "reference FASTA 'up.fa' is a damaged gzip file",
        ),
        (b"\x1f\x8b\x08garbage", "is a damaged gzip file"),
    ],
)
def test_genome_from_bad_bytes_is_an_input_error(data, message):
    import tempfile

    before = set(Path(tempfile.gettempdir()).glob("genodash-ref-*"))
    with pytest.raises(InputError, match=re.escape(message)):
        Genome.from_bytes(data, name="up.fa")
    assert set(Path(tempfile.gettempdir()).glob("genodash-ref-*")) <= before  # nothing left behind


def test_genome_from_bytes_cannot_index_names_the_upload_not_the_temp_path():
    with pytest.raises(InputError) as info:
        Genome.from_bytes(b">a\nACGT\n>a\nACGT\n", name="dup.fa")
    assert "'dup.fa'" in str(info.value) and "reference.fa" not in str(info.value)


# ---------------------------------------------------------------- windows


def test_snv_windows_by_hand(hbb):
    length = 200
    checked = checked_at(hbb, 62279, "G", "A")
    w = build_windows(checked, hbb, length)
    s = 62278
    start = s - length // 2
    assert w.window_start == start and w.padded == 0
    assert w.ref_seq == SEQ[start : start + length]
    assert w.alt_seq == SEQ[start:s] + "A" + SEQ[s + 1 : start + length]
    assert len(w.ref_seq) == len(w.alt_seq) == length
    assert w.ref_columns == w.alt_columns == (100, 101)
    assert w.ref_seq[100] == "G" and w.alt_seq[100] == "A"
    assert w.ref_keys == w.alt_keys == tuple((start + j, 0) for j in range(length))
    a = align(w)
    assert (a.ref_index == np.arange(length)).all() and (a.alt_index == np.arange(length)).all()
    assert a.labels[100] == "62279" and a.labels[0] == str(start + 1)


def test_odd_window_length_and_mnv(hbb):
    w = build_windows(checked_at(hbb, 62279, "G", "A"), hbb, 11)
    assert w.ref_seq == SEQ[62273:62284] and w.ref_seq[5] == "G" and w.alt_seq[5] == "A"
    ref = SEQ[62278:62280]
    mnv = checked_at(hbb, 62279, ref, "CC")
    w = build_windows(mnv, hbb, 10)
    start = 62278 + 1 - 5
    assert w.window_start == start and w.ref_seq == SEQ[start : start + 10]
    assert w.alt_seq == SEQ[start:62278] + "CC" + SEQ[62280 : start + 10]
    assert w.ref_columns == w.alt_columns == (4, 6)
    assert w.alt_keys == w.ref_keys


def test_deletion_windows_shift_the_right_flank(hbb):
    length = 40
    checked = checked_at(hbb, 62205, "GA", "G")  # HBB codon 6 delA, VCF anchored
    assert SEQ[62204:62206] == "GA"
    w = build_windows(checked, hbb, length)
    s = 62204
    start = s + 1 - length // 2
    left = s - start
    assert (w.window_start, left, w.ref_columns, w.alt_columns) == (start, 19, (19, 21), (19, 20))
    assert w.ref_seq == SEQ[start : start + length]
    assert w.alt_seq == SEQ[start:s] + "G" + SEQ[s + 2 : s + 2 + length - left - 1]
    assert len(w.alt_seq) == length and w.alt_seq[:left] == w.ref_seq[:left]
    assert w.alt_seq[left + 1 : length - 1] == w.ref_seq[left + 2 :]  # the reference shifted by one
    a = align(w)
    deleted = a.keys.index((s + 1, 0))
    assert a.ref_index[deleted] == left + 1 and a.alt_index[deleted] == -1
    assert (a.ref_index >= 0).all() and (a.alt_index == -1).sum() == 1
    assert len(a.keys) == length  # ALT columns beyond the REF window are not kept
    assert a.alt_index[a.keys.index((s + 2, 0))] == left + 1
    assert a.labels[deleted] == "62206"


def test_insertion_windows_and_gap_columns(hbb):
    length = 30
    base = SEQ[62204]
    checked = checked_at(hbb, 62205, base, base + "TT")
    w = build_windows(checked, hbb, length)
    s = 62204
    start = s - length // 2
    left = 15
    assert w.window_start == start and w.ref_seq == SEQ[start : start + length]
    assert w.alt_seq == SEQ[start : s + 1] + "TT" + SEQ[s + 1 : start + length - 2]
    assert w.ref_columns == (15, 16) and w.alt_columns == (15, 18)
    assert w.alt_keys[left : left + 3] == ((s, 0), (s, 1), (s, 2))
    assert w.alt_seq[left + 3 :] == w.ref_seq[left + 1 : length - 2]
    a = align(w)
    assert len(a.keys) == length + 2
    for k in (1, 2):
        col = a.keys.index((s, k))
        assert a.ref_index[col] == -1 and a.alt_index[col] == left + k
        assert a.labels[col] == f"62205+{k}"
    assert a.labels[a.keys.index((s, 0))] == "62205"
    # the last two REF columns fall off the ALT window: gaps in ALT
    assert list(a.alt_index[-2:]) == [-1, -1] and list(a.ref_index[-2:]) == [length - 2, length - 1]
    assert a.keys == tuple(sorted(a.keys))
    # take: window values on the aligned axis, zeros in the gaps
    values = np.arange(1, length + 1, dtype=np.float32)[None, :].repeat(2, 0) * np.array(
        [[1], [10]], dtype=np.float32
    )
    on_ref = a.take(values, "ref")
    on_alt = a.take(values, "alt")
    assert on_ref.shape == on_alt.shape == (2, length + 2) and on_ref.dtype == np.float32
    assert on_ref[0, a.keys.index((s, 1))] == 0 and on_ref[1, a.keys.index((s, 0))] == 10 * (left + 1)
    assert on_alt[0, a.keys.index((s, 2))] == left + 3 and (on_alt[:, -2:] == 0).all()
    # a sub-range keeps the insertion columns inside it
    sub = align(w, left - 2, left + 3)
    assert sub.keys == ((s - 2, 0), (s - 1, 0), (s, 0), (s, 1), (s, 2), (s + 1, 0), (s + 2, 0))
    assert list(sub.ref_index) == [13, 14, 15, -1, -1, 16, 17]
    assert list(sub.alt_index) == [13, 14, 15, 16, 17, 18, 19]


def test_windows_near_contig_ends_are_padded_with_n(hbb):
    w = build_windows(checked_at(hbb, 3, SEQ[2], "A" if SEQ[2] != "A" else "C"), hbb, 20)
    assert w.window_start == -8 and w.padded == 8
    assert (
        w.ref_seq == "N" * 8 + SEQ[:12]
        and w.alt_seq[:10] == "N" * 8 + SEQ[:2]
        and w.alt_seq[11:] == SEQ[3:12]
    )
    assert w.ref_keys[0] == (-8, 0)
    end = checked_at(hbb, 73_308, SEQ[-1], "A" if SEQ[-1] != "A" else "C")
    w = build_windows(end, hbb, 20)
    assert w.window_start == 73_297 and w.padded == 9
    assert w.ref_seq == SEQ[73_297:] + "N" * 9 and len(w.alt_seq) == 20 and w.alt_seq.endswith("N" * 9)
    deletion = checked_at(hbb, 73_307, SEQ[-2:], SEQ[-2])
    w = build_windows(deletion, hbb, 20)
    assert w.ref_seq == SEQ[73_297:] + "N" * 9 and w.padded == 9
    assert w.alt_seq == SEQ[73_297:73_307] + "N" * 10
    middle = 36_654
    both = build_windows(
        checked_at(hbb, middle, SEQ[middle - 1], "A" if SEQ[middle - 1] != "A" else "C"), hbb, 100_000
    )
    assert (
        both.padded == 100_000 - 73_308
        and both.ref_seq == "N" * 13_347 + SEQ + "N" * 13_345
        and len(both.ref_seq) == len(both.alt_seq) == 100_000
    )


def test_windows_read_lower_case_reference_as_upper(tmp_path):
    with Genome(write_fasta(tmp_path / "soft.fa", {"1": "acgtACGTacgtACGTacgt"})) as genome:
        checked = check_variant(Variant("chr1", 9, "C", "T"), genome)  # 'c' in the file
        w = build_windows(checked, genome, 8)
    assert w.ref_seq == "CGTACGTA" and w.alt_seq == "CGTATGTA"


# ---------------------------------------------------------------- scoring, scalar model


def hbb_checked(genome: Genome) -> list[CheckedVariant]:
    """The ten demo variants plus SNVs every 997 nt, all checked."""
    with VcfStream(VCF) as stream:
        variants = list(stream.entries())
    for pos in range(1_000, 73_000, 997):
        ref = SEQ[pos - 1]
        variants.append(
            Variant(CONTIG, pos - 1, ref, "ACGT"[("ACGT".index(ref) + 1) % 4], source=f"snv {pos}")
        )
    checked = [check_variant(v, genome) for v in variants]
    assert all(isinstance(c, CheckedVariant) for c in checked)
    return checked


def expected_scalar(loaded, seqs: list[str]) -> np.ndarray:
    X = one_hot_encode(seqs)
    return (
        apply_activation(predict(loaded.model, X), loaded.card.output_activation).numpy().astype(np.float64)
    )


def test_snv_score_equals_the_model_on_hand_built_windows(oct4_mafk, hbb):
    checked = checked_at(hbb, 62279, "G", "A")
    score = score_one(oct4_mafk, checked, hbb)
    start = 62278 - 100
    ref_seq = SEQ[start : start + 200]
    alt_seq = ref_seq[:100] + "A" + ref_seq[101:]
    ref, alt = expected_scalar(oct4_mafk, [ref_seq, alt_seq])
    assert score.tasks == ("Oct4", "MafK") and score.variant is checked.variant
    assert score.ref.shape == score.alt.shape == score.delta.shape == score.summary.shape == (2,)
    np.testing.assert_allclose(score.ref, ref, atol=1e-6)
    np.testing.assert_allclose(score.alt, alt, atol=1e-6)
    np.testing.assert_allclose(score.delta, score.alt - score.ref, atol=1e-12)
    np.testing.assert_array_equal(score.summary, score.delta)
    assert score.output_alignment is None and np.abs(score.delta).max() > 0


def test_batches_give_the_values_one_by_one_gives_in_input_order(oct4_mafk, hbb):
    checked = hbb_checked(hbb)
    calls = []
    batched = list(
        score_variants(oct4_mafk, checked, hbb, batch_size=16, progress=lambda d, t: calls.append((d, t)))
    )
    n = len(checked)
    assert [s.variant for s in batched] == [c.variant for c in checked]
    assert calls == [(16 * (i + 1), n) for i in range(n // 16)] + ([(n, n)] if n % 16 else [])
    assert calls[-1] == (n, n)
    singles = [score_one(oct4_mafk, c, hbb) for c in checked[:12]]
    for one, many in zip(singles, batched[:12], strict=False):
        torch.testing.assert_close(
            torch.from_numpy(many.ref), torch.from_numpy(one.ref), rtol=1e-5, atol=1e-5
        )
        torch.testing.assert_close(
            torch.from_numpy(many.alt), torch.from_numpy(one.alt), rtol=1e-5, atol=1e-5
        )
    ref_seqs = [s.windows.ref_seq for s in batched]
    alt_seqs = [s.windows.alt_seq for s in batched]
    expected = expected_scalar(oct4_mafk, ref_seqs + alt_seqs)
    torch.testing.assert_close(
        torch.from_numpy(np.stack([s.ref for s in batched])),
        torch.from_numpy(expected[:n]),
        rtol=1e-5,
        atol=1e-5,
    )
    torch.testing.assert_close(
        torch.from_numpy(np.stack([s.alt for s in batched])),
        torch.from_numpy(expected[n:]),
        rtol=1e-5,
        atol=1e-5,
    )
    # the deletion's ALT window really is shorter-by-one on the right
    deletion = batched[9]
    assert deletion.variant.kind == "deletion" and deletion.windows.alt_seq != deletion.windows.ref_seq


def test_scoring_is_a_lazy_generator(oct4_mafk, hbb):
    checked = hbb_checked(hbb)[:10]
    pulled = []

    def source():
        for c in checked:
            pulled.append(c)
            yield c

    calls = []
    scores = score_variants(
        oct4_mafk, source(), hbb, batch_size=3, progress=lambda d, t: calls.append((d, t))
    )
    assert pulled == []  # nothing happens until asked
    first = next(scores)
    assert first.variant is checked[0].variant and len(pulled) == 3
    assert [next(scores).variant for _ in range(2)] == [c.variant for c in checked[1:3]]
    assert len(pulled) == 3  # the first batch is out; the second is not read yet
    fourth = next(scores)
    assert fourth.variant is checked[3].variant and len(pulled) == 6 and calls == [(3, 3)]
    rest = list(scores)
    assert len(rest) == 6 and len(pulled) == 10
    assert calls == [(3, 3), (6, 6), (9, 9), (10, 10)]  # no total known: done stands in
    with_total = []
    list(
        score_variants(
            oct4_mafk,
            iter(checked),
            hbb,
            batch_size=4,
            total=10,
            progress=lambda d, t: with_total.append((d, t)),
        )
    )
    assert with_total == [(4, 10), (8, 10), (10, 10)]
    assert list(score_variants(oct4_mafk, [], hbb)) == []


# ---------------------------------------------------------------- scoring, profile model

PROFILE_LENGTH, PROFILE_FLANK = 120, 10


@pytest.fixture(scope="module")
def profile_model():
    from genodash.architectures import build_architecture

    hyper = {"filters": 8, "n_dilated": 2, "first_kernel": 7, "profile_kernel": 9, "flank": PROFILE_FLANK}
    card = ModelCard(
        name="tiny-bpnet",
        version="0",
        description="test",
        architecture="bpnet",
        hyperparameters=hyper,
        tasks=("plus", "minus"),
        output_kind="profile",
        output_activation="none",
        input_length=PROFILE_LENGTH,
        flank=PROFILE_FLANK,
        length_policy="tile",
    )
    torch.manual_seed(0)
    state = build_architecture("bpnet", {"n_tasks": 2, **hyper}).state_dict()
    return build_model_from_state(card, state, "cpu")


def profile_outputs(loaded, seqs):
    with torch.inference_mode():
        return loaded.model(one_hot_encode(seqs)).numpy().astype(np.float64)


def check_summary(score):
    both = (score.output_alignment.ref_index >= 0) & (score.output_alignment.alt_index >= 0)
    for t in range(score.delta.shape[0]):
        values = score.delta[t, both]
        expected = values[np.abs(values).argmax()]
        assert score.summary[t] == pytest.approx(expected, abs=1e-9)
        assert abs(score.summary[t]) == pytest.approx(np.abs(values).max(), abs=1e-9)


def test_profile_snv_delta_track(profile_model, hbb):
    checked = checked_at(hbb, 62279, "G", "A")
    score = score_one(profile_model, checked, hbb)
    out_len = PROFILE_LENGTH - 2 * PROFILE_FLANK
    start = 62278 - PROFILE_LENGTH // 2
    ref_seq = SEQ[start : start + PROFILE_LENGTH]
    alt_seq = ref_seq[:60] + "A" + ref_seq[61:]
    ref, alt = profile_outputs(profile_model, [ref_seq, alt_seq])
    assert score.ref.shape == score.alt.shape == score.delta.shape == (2, out_len)
    np.testing.assert_allclose(score.ref, ref, atol=1e-5)
    np.testing.assert_allclose(score.delta, alt - ref, atol=1e-5)
    a = score.output_alignment
    assert a.keys[0] == (start + PROFILE_FLANK, 0) and len(a.keys) == out_len
    assert (a.ref_index == np.arange(out_len)).all() and (a.alt_index == np.arange(out_len)).all()
    check_summary(score)
    assert np.abs(score.summary).max() > 0


def test_profile_deletion_delta_track_is_aligned(profile_model, hbb):
    checked = checked_at(hbb, 62205, "GA", "G")
    score = score_one(profile_model, checked, hbb)
    out_len = PROFILE_LENGTH - 2 * PROFILE_FLANK
    s = 62204
    start = s + 1 - PROFILE_LENGTH // 2
    ref_seq = SEQ[start : start + PROFILE_LENGTH]
    alt_seq = SEQ[start:s] + "G" + SEQ[s + 2 : s + 2 + PROFILE_LENGTH - (s - start) - 1]
    ref, alt = profile_outputs(profile_model, [ref_seq, alt_seq])
    a = score.output_alignment
    assert score.delta.shape == (2, len(a.keys)) and len(a.keys) == out_len
    first = start + PROFILE_FLANK  # genomic position of output column 0 (REF)
    assert a.keys == tuple((first + j, 0) for j in range(out_len))
    for col, (g, _) in enumerate(a.keys):
        j = g - first  # REF output column
        assert a.ref_index[col] == j
        if g == s + 1:
            assert a.alt_index[col] == -1  # the deleted base has no ALT output
            continue
        alt_col = j if g <= s else j - 1  # ALT columns right of the deletion hold the next base
        assert a.alt_index[col] == alt_col
        np.testing.assert_allclose(score.delta[:, col], alt[:, alt_col] - ref[:, j], atol=1e-5)
    check_summary(score)


def test_profile_insertion_keeps_inserted_columns(profile_model, hbb):
    base = SEQ[62204]
    score = score_one(profile_model, checked_at(hbb, 62205, base, base + "CAT"), hbb)
    a = score.output_alignment
    out_len = PROFILE_LENGTH - 2 * PROFILE_FLANK
    assert len(a.keys) == out_len + 3 and score.delta.shape == (2, out_len + 3)
    inserted = [a.keys.index((62204, k)) for k in (1, 2, 3)]
    assert (a.ref_index[inserted] == -1).all() and (a.alt_index[inserted] >= 0).all()
    assert (a.alt_index[-3:] == -1).all()  # REF columns pushed out of the ALT output
    assert ((a.ref_index < out_len) & (a.alt_index < out_len)).all()
    check_summary(score)
