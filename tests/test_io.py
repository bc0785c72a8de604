import bz2
import gzip
import io

import pytest

from genodash.errors import FastaError
from genodash.io import Record, decode_text, parse_fasta, read_fasta, write_fasta

from .conftest import DATA


def test_reads_the_real_peak_files():
    records = read_fasta(DATA / "janggu" / "sample_test.fa")
    assert len(records) == 100
    assert records[0].name == "chr4:126246986-126247186"
    assert all(len(r.sequence) == 200 for r in records)


def test_multi_line_records_descriptions_and_case():
    records = parse_fasta(">a some description\nacgu\nNN\n\n>b\nACGT\n")
    assert records == [Record("a", "ACGTNN"), Record("b", "ACGT")]


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings_and_bom(newline):
    text = "\ufeff>x" + newline + "ACGT" + newline + "GG" + newline
    assert parse_fasta(text) == [Record("x", "ACGTGG")]
    assert parse_fasta(text.encode("utf-8")) == [Record("x", "ACGTGG")]


def test_headerless_blocks_are_separate_sequences():
    assert parse_fasta("ACGT\nAC\n\n  TTTT  \n") == [Record("seq1", "ACGTAC"), Record("seq2", "TTTT")]


def test_gzip_and_multi_member_gzip():
    blob = gzip.compress(b">x\nACGT\n") + gzip.compress(b">y\nGG\n") + gzip.compress(b"")
    assert parse_fasta(blob) == [Record("x", "ACGT"), Record("y", "GG")]


def test_gzip_bomb_is_refused_with_the_limit():
    bomb = gzip.compress(b"A" * (8 * 2**20))
    with pytest.raises(FastaError, match="expands to more than 4 MiB"):
        parse_fasta(bomb, max_bytes=4 * 2**20)


def test_truncated_and_corrupt_gzip():
    blob = gzip.compress(b">x\n" + b"ACGT" * 1000)
    with pytest.raises(FastaError, match="truncated"):
        parse_fasta(blob[: len(blob) // 2])
    corrupt = blob[:20] + bytes(b ^ 0xFF for b in blob[20:40]) + blob[40:]
    with pytest.raises(FastaError, match="corrupt|truncated"):
        parse_fasta(corrupt)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("", "the input is empty"),
        ("  \n\n", "the input is empty"),
        (">a\n>b\nACGT\n", r"record 'a' \(header at line 1\) has no sequence"),
        ("ACGT\n>b\nACGT\n", "line 1 holds sequence before the first '>' header"),
        (">p\nMEEPQSDPSV\n", r"record 'p', line 2, column 2 .*protein"),
        (">g\nAC-GT\n", r"record 'g', line 2, column 3 \(sequence position 3\): gap '-'"),
        (">d\nACGT\n1 acgt\n", r"record 'd', line 3, column 1 \(sequence position 5\): digit '1'"),
        (">z\nACGTZ\n", r"'Z' is not a nucleotide letter"),
        (b"\x00\x01\x02ACGT", "binary file"),
        (b"\xff\xfe>a\nACGT", "not text"),
        (bz2.compress(b">a\nACGT\n"), "bzip2 file"),
        (b"PK\x03\x04rest", "zip file"),
    ],
)
def test_bad_input_messages(data, message):
    with pytest.raises(FastaError, match=message):
        parse_fasta(data)


def test_genbank_and_embl_numbered_lines_are_read_when_the_numbers_are_positions():
    genbank = ">hbb\n        1 acatttgctt ctgacacaac\n       21 tgtgttcact\n"
    embl = ">hbb\n     acatttgctt ctgacacaac        20\n     tgtgttcact        30\n"
    expected = "ACATTTGCTTCTGACACAACTGTGTTCACT"
    assert [r.sequence for r in parse_fasta(genbank)] == [expected]
    assert [r.sequence for r in parse_fasta(embl)] == [expected]
    assert [r.sequence for r in parse_fasta(genbank.split("\n", 1)[1])] == [expected]  # headerless
    # a number that is not the line's position is reported, where it is on the line as typed
    with pytest.raises(FastaError) as info:
        parse_fasta(">hbb\n        1 acatttgctt ctgacacaac\n       22 tgtgttcact\n")
    message = str(info.value)
    assert "record 'hbb', line 3, column 8 (sequence position 21): digit '2'" in message
    assert "only when it is that line's first or last position" in message
    # columns count spaces as typed; positions count bases only
    with pytest.raises(FastaError, match=r"line 2, column 10 \(sequence position 7\): digit '7'; sequence"):
        parse_fasta(">x\n  ACGT AC7T\n")


def test_at_most_five_problems_are_listed():
    text = "".join(f">r{i}\nAC1\n" for i in range(9))
    with pytest.raises(FastaError, match="first five problems") as info:
        parse_fasta(text)
    assert str(info.value).count("\n- ") == 5


def test_iupac_codes_are_kept():
    assert parse_fasta(">a\nACGTRYN\n")[0].sequence == "ACGTRYN"


def test_read_fasta_sources(tmp_path):
    path = tmp_path / "x.fa.gz"
    path.write_bytes(gzip.compress(b">x\nACGT\n"))
    expected = [Record("x", "ACGT")]
    assert read_fasta(path) == expected
    assert read_fasta(str(path)) == expected
    assert read_fasta(io.BytesIO(path.read_bytes())) == expected
    assert read_fasta(io.StringIO(">x\nACGT\n")) == expected
    assert read_fasta(">x\nACGT\n") == expected
    assert read_fasta("ACGT") == [Record("seq1", "ACGT")]
    with pytest.raises(FastaError, match="no such file"):
        read_fasta(tmp_path / "missing.fa")


def test_size_limit_before_decompression():
    with pytest.raises(FastaError, match="the limit is 1 MiB"):
        decode_text(b"A" * (2 * 2**20), max_bytes=2**20)


def test_write_fasta_round_trip():
    records = [Record("a", "ACGT" * 40), Record("b", "GG")]
    text = write_fasta(records, width=60)
    assert max(len(line) for line in text.splitlines()) == 60
    assert parse_fasta(text) == records


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("this is a plain text note\nnot a fasta at all\n", "line 1 reads 'this is a plain text note'"),
        (b"hello world\n", "line 1 reads 'hello world'"),
        ("\n\nnot a fasta at all\n", "line 3 reads 'not a fasta at all'"),
        ("x" * 60, "line 1 reads 'x{40}...'"),
        ("MEEPQSDPSVEPPLSQETFSDLWKLL\n", r"'MEEPQSDPSVEPPLSQETFSDLWKLL' \(is this a protein sequence\?\)"),
    ],
)
def test_headerless_text_that_is_not_dna_says_so_once(data, message):
    with pytest.raises(FastaError, match=message) as info:
        parse_fasta(data)
    text = str(info.value)
    assert text.startswith("this is neither FASTA (no '>name' header line) nor a plain DNA sequence")
    assert "seq1" not in text and "column" not in text


@pytest.mark.parametrize(
    ("data", "line"),
    [
        ("##fileformat=VCFv4.2\n##contig=<ID=1>\n#CHROM\tPOS\tID\tREF\tALT\n1\t10\t.\tA\tG\n", 1),
        (gzip.compress(b"##fileformat=VCFv4.3\n#CHROM\tPOS\tID\tREF\tALT\n"), 1),
        ("#CHROM\tPOS\tID\tREF\tALT\tQUAL\n1\t10\t.\tA\tG\t.\n", 1),
        ("##source=x\n#CHROM\tPOS\tID\tREF\tALT\n", 2),
    ],
)
def test_a_vcf_is_named_as_such_in_one_message(data, line):
    with pytest.raises(FastaError, match=f"this is a VCF of variants \\(line {line} reads") as info:
        parse_fasta(data)
    assert "Variant page" in str(info.value) and "not a nucleotide" not in str(info.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ACGT ACGT acgu\n", [Record("seq1", "ACGTACGTACGT")]),
        ("nnnnACGTRYKM\n\nggcc\n", [Record("seq1", "NNNNACGTRYKM"), Record("seq2", "GGCC")]),
        ("; a comment\nACGT\n", [Record("seq1", "ACGT")]),
    ],
)
def test_plain_sequences_without_header_still_read(text, expected):
    assert parse_fasta(text) == expected


def test_mostly_dna_first_line_keeps_the_precise_column_message():
    with pytest.raises(FastaError, match=r"record 'seq1', line 1, column 5 .*'X' is not a nucleotide letter"):
        parse_fasta("ACGTXACGT\n")
