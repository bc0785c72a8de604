"""SpliceAI variant scoring semantics, gene tables, genome access and VCF text (no model needed)."""

import gzip
import random
import re

import numpy as np
import pytest
from Bio import bgzf

from genodash.errors import InputError
from genodash.genome import Genome
from genodash.spliceai.encoding import spliceai_one_hot
from genodash.spliceai.genes import normalise_chrom, parse_gene_table, read_gene_table
from genodash.spliceai.scoring import DeltaScores, VariantRecord, delta_scores, plan_record
from genodash.spliceai.vcf import VcfReader, annotate_header, annotate_line
from genodash.spliceai.weights import package_dir

TABLE = (
    "#NAME\tCHROM\tSTRAND\tTX_START\tTX_END\tEXON_START\tEXON_END\n"
    "GENA\tchr1\t+\t5500\t7500\t5500,6400,\t6000,7500,\n"
    "GENB\tchr1\t-\t6200\t6800\t6200,\t6800,\n"
)


@pytest.fixture
def genome(tmp_path):
    rng = random.Random(0)
    seq = "".join(rng.choice("ACGT") for _ in range(13_000))
    path = tmp_path / "mini.fa"
    path.write_text(">chr1 test contig\n" + "\n".join(seq[i : i + 60] for i in range(0, len(seq), 60)) + "\n")
    with Genome(path) as g:
        yield g, seq
    assert not (tmp_path / "mini.fa.fai").exists()  # the index never lands beside the user's file


def test_gene_table_coordinates_and_lookup():
    genes = parse_gene_table(TABLE, "test")
    a, b = genes.genes
    assert (a.tx_start, a.tx_end, a.exon_starts, a.exon_ends) == (5501, 7500, (5501, 6401), (6000, 7500))
    assert genes.overlapping("1", 6300) == [0, 1]  # "1" matched to the table's "chr1"
    assert genes.overlapping("chr1", 5500) == [] and genes.overlapping("chr1", 5501) == [0]
    assert a.nearest_boundary(6200) == -200 and a.nearest_boundary(6400) == 1
    assert normalise_chrom("chrX", "1") == "X" and normalise_chrom("X", "chr1") == "chrX"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("#NAME\tCHROM\n", "lacks STRAND, TX_START, TX_END, EXON_START, EXON_END"),
        (TABLE.replace("\t+\t", "\t?\t"), "line 2: strand '?' is not"),
        (TABLE.replace("6000,7500,", "6000,75x0,"), "line 2: EXON_END '6000,75x0,' is not"),
        (TABLE.replace("5500,6400,", "5500,"), "line 2: EXON_START and EXON_END list different"),
    ],
)
def test_gene_table_errors_name_the_line(text, message):
    with pytest.raises(InputError, match=re.escape(message)):
        parse_gene_table(text, "t.txt")


def test_encoding_reproduces_the_original_quirks():
    X = spliceai_one_hot("ACGTNacgtRYKSB").numpy()
    assert X.shape == (4, 14)
    channels = ["ACGT"[c] if X[:, i].any() else "0" for i, c in enumerate(X.argmax(0))]
    # R->C, Y->T, K->N (zeros), S->G, B->A, as spliceai 1.3.1's ord(c) % 5 does
    assert "".join(channels) == "ACGT0ACGTCT0GA"


def y(values):
    out = np.zeros((len(values), 3), dtype=np.float32)
    out[:, 1] = values
    return out


def test_delta_scores_snv_first_maximum_and_mask():
    ref = y([0.1, 0.5, 0.1, 0.1, 0.1])
    alt = y([0.4, 0.1, 0.1, 0.4, 0.1])
    s = delta_scores(ref, alt, 1, 1, boundary=99, mask=False, allele="G", gene="X")
    assert (round(s.ds_ag, 6), s.dp_ag, round(s.ds_al, 6), s.dp_al) == (0.3, -2, 0.4, -1)  # ties: first
    assert s.format() == "G|X|0.30|0.40|0.00|0.00|-2|-1|-2|-2"
    masked = delta_scores(ref, alt, 1, 1, boundary=-2, mask=True, allele="G", gene="X")
    # gain at the annotated boundary and loss elsewhere are masked
    assert masked.format() == "G|X|0.00|0.00|0.00|0.00|-2|-1|-2|-2"


def test_delta_scores_indels_pad_and_collapse():
    ref = y([0.1, 0.2, 0.3, 0.4, 0.5])
    deletion = delta_scores(ref, y([0.1, 0.2, 0.3]), 3, 1, 99, False, "A", "X")  # REF of 3, ALT of 1
    # alt padded with zeros after the kept base: ref - 0 at the deleted positions
    assert (round(deletion.ds_al, 6), deletion.dp_al) == (0.5, 2)
    insertion = delta_scores(ref, y([0.1, 0.2, 0.9, 0.0, 0.4, 0.5, 0.0]), 1, 3, 99, False, "ACC", "X")
    assert (round(insertion.ds_ag, 6), insertion.dp_ag) == (0.6, 0)  # max over inserted positions
    assert DeltaScores("CA", "X").format() == "CA|X|.|.|.|.|.|.|.|."


def test_plan_record_checks_each_record_as_the_original(genome):
    g, seq = genome
    genes = parse_gene_table(TABLE, "t")
    ok = VariantRecord("chr1", 6300, seq[6299], ("A", "CT"), "r1")
    slots, messages = plan_record(ok, g, genes, 50)
    assert [s[:2] if isinstance(s, tuple) else s for s in slots] == [
        (0, 6300),
        (1, 6300),
        (0, 6300),
        (1, 6300),
    ]
    mnv = VariantRecord("chr1", 6300, seq[6299:6301], ("GG",), "r2")
    slots, _ = plan_record(mnv, g, genes, 50)
    assert [s.format() for s in slots] == ["GG|GENA|.|.|.|.|.|.|.|.", "GG|GENB|.|.|.|.|.|.|.|."]
    wrong = "ACGT".replace(seq[6299], "")[0]
    cases = {
        VariantRecord("chr1", 100, seq[99], ("A",), "intergenic"): "",
        VariantRecord("chr1", 6300, wrong, ("A",), "bad ref"): f"REF '{wrong}' does not match the reference",
        VariantRecord("chr2", 6300, "A", ("C",), "contig"): "",  # not in the gene table: no annotation
        VariantRecord("chr1", 6300, seq[6299], (), "no alt"): "no ALT allele",
        VariantRecord("chr1", 6300, seq[6299], ("<DEL>",), "sym"): "ALT '<DEL>' is symbolic",
        VariantRecord("chr1", 6300, seq[6299], ("G]chr2:5]",), "bnd"): "is a breakend",
        VariantRecord("chr1", 6300, seq[6299], ("GRT",), "iupac"): "letters other than A, C, G, T, N (R)",
        VariantRecord("chr1", 6300, seq[6299 : 6299 + 101], ("A",), "long"): "REF is 101 nt, longer than",
    }
    for record, message in cases.items():
        slots, messages = plan_record(record, g, genes, 50)
        assert not any(isinstance(s, tuple) for s in slots), record.label
        assert message in " ".join(messages) and (messages or not message), (record.label, messages)
    near_end = parse_gene_table(TABLE.replace("5500\t7500", "5500\t12990"), "t")
    _, messages = plan_record(VariantRecord("chr1", 12000, seq[11999], ("A",), "end"), g, near_end, 50)
    assert "too close to the contig end" in messages[0]
    other = parse_gene_table(TABLE.replace("chr1", "chr7"), "t")
    _, messages = plan_record(VariantRecord("chr7", 6300, "A", ("C",), "c7"), g, other, 50)
    assert "contig 'chr7' is not in the reference FASTA" in messages[0]


def test_bgzip_genome_and_plain_gzip_refused(tmp_path):
    text = ">chr1\n" + "ACGT" * 30 + "\n>chrM\nGATTACA\n"
    with bgzf.BgzfWriter(str(tmp_path / "g.fa.gz"), "wb") as handle:
        handle.write(text.encode())
    with Genome(tmp_path / "g.fa.gz") as g:
        assert g.lengths == {"chr1": 120, "chrM": 7}
        assert g.fetch("chr1", 5, 8) == "ACGT" and g.resolve("MT") == "chrM" and g.resolve("2") is None
        with pytest.raises(InputError, match="outside the contig"):
            g.fetch("chr1", 118, 121)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.fa.gz"]
    (tmp_path / "p.fa.gz").write_bytes(gzip.compress(text.encode()))
    with pytest.raises(InputError, match="not with bgzip"):
        Genome(tmp_path / "p.fa.gz")


def test_vcf_header_and_info_as_the_original_writes_them(tmp_path):
    path = tmp_path / "in.vcf.gz"
    path.write_bytes(
        gzip.compress(
            b"##fileformat=VCFv4.2\r\n##contig=<ID=chr1>\r\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\r\n"
            b"chr1\t5\t.\tA\tC,<DEL>\t.\t.\tDP=3;SpliceAI=old;X\r\nchr1\tfive\t.\tA\tC\t.\t.\t.\r\n"
        )
    )
    reader = VcfReader(path)
    lines = list(reader)
    reader.close()
    header = annotate_header(reader.header)
    assert header[1] == '##FILTER=<ID=PASS,Description="All filters passed">'
    assert header[-2].startswith("##INFO=<ID=SpliceAI,Number=.,Type=String,") and header[-1].startswith(
        "#CHROM"
    )
    assert annotate_header(header) == header  # nothing added twice
    assert lines[0].record.alts == ("C", "<DEL>") and lines[0].record.label == "line 4 (chr1:5 A>C,<DEL>)"
    assert (
        annotate_line(lines[0].text, "C|G|0.10") == "chr1\t5\t.\tA\tC,<DEL>\t.\t.\tDP=3;SpliceAI=C|G|0.10;X"
    )
    assert annotate_line("1\t2\t.\tA\tC\t.\t.\t.", "v") == "1\t2\t.\tA\tC\t.\t.\tSpliceAI=v"
    assert lines[1].record is None and "POS 'five' is not an integer" in lines[1].problem
    (tmp_path / "bad.vcf").write_text("chr1\t5\t.\tA\tC\n")
    with pytest.raises(InputError, match="line 1: expected a ## header line or #CHROM"):
        VcfReader(tmp_path / "bad.vcf")


@pytest.mark.skipif(package_dir() is None, reason="the spliceai package (gene tables) is not installed")
def test_the_packaged_gene_tables_read():
    for build, n_genes in (("grch37", 20_000), ("grch38", 19_000)):
        genes = read_gene_table(build)
        assert len(genes) > n_genes
        [hbb] = [g for g in genes.genes if g.name == "HBB"]
        assert hbb.chrom == "11" and hbb.strand == "-" and len(hbb.exon_starts) == 3
        assert genes.overlapping("chr11", hbb.tx_start) == [genes.genes.index(hbb)]
