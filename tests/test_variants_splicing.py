"""genodash.variants.splicing: the HBB thalassemia variants through VcfStream -> check_variant -> SpliceAI."""

from __future__ import annotations

import numpy as np
import pytest

from genodash.genome import Genome
from genodash.spliceai import weights
from genodash.spliceai.genes import read_gene_table
from genodash.spliceai.scoring import VariantRecord
from genodash.variants import CheckedVariant, Variant, VcfStream, check_variant
from genodash.variants.splicing import (
    SCORE_NAMES,
    THRESHOLDS,
    best,
    record_of,
    score_splicing,
    splice_tracks,
    strength,
)

from .conftest import DATA

HBB = DATA / "hbb_locus"
CONTIG = "U01317.1"


def test_strength_thresholds():
    assert THRESHOLDS == (0.2, 0.5, 0.8)
    assert strength(None) == "not scored"
    assert strength(0.0) == strength(0.199) == "low (< 0.2)"
    assert strength(0.2) == strength(0.49) == "moderate (>= 0.2)"
    assert strength(0.5) == strength(0.79) == "high (>= 0.5)"
    assert strength(0.8) == strength(1.0) == "very high (>= 0.8)"


# ---------------------------------------------------------------- with the SpliceAI weights


@pytest.fixture(scope="module")
def scorer():
    reason = weights.unavailable_reason()
    if reason is not None:
        pytest.skip(f"SpliceAI weights not installed: {reason}")
    from genodash.spliceai.scorer import SpliceAIScorer

    return SpliceAIScorer("cpu")


@pytest.fixture(scope="module")
def genome():
    with Genome(HBB / "U01317.1.fa") as g:
        yield g


@pytest.fixture(scope="module")
def genes():
    return read_gene_table(HBB / "annotation_spliceai.txt")


@pytest.fixture(scope="module")
def demo(genome):
    """ID -> CheckedVariant of the ten demo variants, read as a user's upload would be."""
    with VcfStream((HBB / "hbb_variants.vcf").read_bytes(), name="hbb_variants.vcf") as stream:
        checked = [check_variant(v, genome) for v in stream.entries()]
    assert len(checked) == 10 and all(isinstance(c, CheckedVariant) for c in checked)
    return {c.variant.id: c for c in checked}


@pytest.fixture(scope="module")
def scored(scorer, demo, genome, genes):
    calls = []
    results = score_splicing(
        scorer, list(demo.values()), genome, genes, progress=lambda d, t: calls.append((d, t))
    )
    assert calls and calls[-1][0] == calls[-1][1]
    assert len(results) == 10
    return dict(zip(demo, results, strict=True))


def scores_of(result) -> dict[str, float]:
    [s] = result.scores
    return {name: getattr(s, name.lower()) for name in SCORE_NAMES} | {
        "DP_" + name[3:]: getattr(s, "dp_" + name[3:].lower()) for name in SCORE_NAMES
    }


@pytest.mark.parametrize(
    ("vid", "score", "at_least", "known"),
    [
        ("HBB:IVS1-1G>A", "DS_DL", 0.9, 0.98),
        ("HBB:IVS2-1G>A", "DS_DL", 0.9, 1.00),
        ("HBB:IVS1-5G>C", "DS_DL", 0.5, 0.82),
        ("HBB:IVS1-110G>A", "DS_AG", 0.2, 0.45),
        ("HBB:IVS1-116T>G", "DS_AG", 0.8, 0.93),
        ("HBB:IVS2-745C>G", "DS_DG", 0.5, 0.69),
    ],
)
def test_known_splice_variants_score_as_the_biology_says(scored, vid, score, at_least, known):
    s = scores_of(scored[vid])
    assert s[score] >= at_least and round(s[score], 2) == pytest.approx(known, abs=0.011), s
    assert scored[vid].scores[0].gene == "HBB" and scored[vid].messages == ()


def test_ivs1_110_new_acceptor_position_and_donor_losses_at_the_exon_end(scored, demo):
    assert scores_of(scored["HBB:IVS1-110G>A"])["DP_AG"] == 2
    for vid in ("HBB:IVS1-1G>A", "HBB:IVS1-5G>C"):  # exon 1 ends at 62278: the donor lost
        assert demo[vid].variant.pos + scores_of(scored[vid])["DP_DL"] == 62278


@pytest.mark.parametrize("vid", ["HBB:c.20A>T(HbS)", "HBD:nonsense", "HBB:codon6delA"])
def test_negative_controls_score_low(scored, vid):
    s = scores_of(scored[vid])
    assert max(s[name] for name in SCORE_NAMES) < 0.2, s
    assert scored[vid].scores[0].gene == ("HBD" if vid.startswith("HBD") else "HBB")


def test_info_strings_equal_the_spliceai_command_path(scorer, scored, demo, genome, genes):
    assert scored["HBB:IVS1-1G>A"].info_value() == "A|HBB|0.00|0.00|0.49|0.98|-39|-1|-17|-1"
    records = []
    for line in (HBB / "hbb_variants.vcf").read_text().splitlines():
        if not line.startswith("#"):
            chrom, pos, vid, ref, alt = line.split("\t")[:5]
            records.append(VariantRecord(chrom, int(pos), ref, (alt,), vid))
    official = scorer.score(records, genome, genes)
    assert [r.info_value() for r in scored.values()] == [r.info_value() for r in official]
    assert record_of(demo["HBB:codon6delA"]) == VariantRecord(CONTIG, 62205, "GA", ("G",), "line 15")
    assert best(scored["HBB:IVS2-1G>A"].scores).gene == "HBB" and best(()) is None


def test_outside_every_gene_gives_a_message_not_a_crash(scorer, genome, genes):
    seq = genome.fetch(CONTIG, 10_000, 10_000)
    alt = "A" if seq != "A" else "C"
    intergenic = check_variant(Variant(CONTIG, 9_999, seq, alt, source="line 3"), genome)
    near_end = check_variant(Variant("chr" + CONTIG, 100, genome.fetch(CONTIG, 101, 101), "N"), genome)
    assert isinstance(intergenic, CheckedVariant) and isinstance(near_end, CheckedVariant)
    results = score_splicing(scorer, [intergenic, near_end], genome, genes)
    assert [r.scores for r in results] == [(), ()]
    assert results[0].messages == (
        "line 3: outside every gene of the annotation; SpliceAI scores only genic variants",
    )
    assert len(results[1].messages) == 1 and "outside every gene" in results[1].messages[0]
    assert splice_tracks(scorer, intergenic, genome, genes) == []


def test_splice_tracks_of_a_donor_loss_and_a_deletion(scorer, demo, genome, genes):
    ivs1_1 = demo["HBB:IVS1-1G>A"]
    [tracks] = splice_tracks(scorer, ivs1_1, genome, genes, distance=50)
    assert tracks.gene == "HBB"
    assert tracks.ref.shape == tracks.alt.shape == (101, 2)
    assert (tracks.positions == np.arange(62229, 62330)).all()
    donor = int(np.flatnonzero(tracks.positions == 62278)[0])  # last base of exon 1
    assert tracks.ref[donor, 1] > 0.9 and tracks.alt[donor, 1] < 0.05
    assert tracks.ref[donor, 1] - tracks.alt[donor, 1] == pytest.approx(0.98, abs=0.01)  # DS_DL
    assert ((tracks.ref >= 0) & (tracks.ref <= 1)).all() and ((tracks.alt >= 0) & (tracks.alt <= 1)).all()
    [deletion] = splice_tracks(scorer, demo["HBB:codon6delA"], genome, genes, distance=20)
    assert deletion.ref.shape == (41, 2) and deletion.alt.shape == (40, 2)  # one base deleted
    assert deletion.positions[0] == 62185 and deletion.positions[-1] == 62225
    base = genome.fetch(CONTIG, 62205, 62205)
    insertion = check_variant(Variant(CONTIG, 62204, base, base + "TTT"), genome)
    [ins] = splice_tracks(scorer, insertion, genome, genes, distance=10)
    assert ins.ref.shape == (21, 2) and ins.alt.shape == (24, 2)


def test_a_deletion_longer_than_twice_the_distance_is_refused_not_a_crash(scorer, genome, genes):
    ref = genome.fetch(CONTIG, 62300, 62329)
    long_deletion = check_variant(Variant(CONTIG, 62299, ref, ref[0], source="line 9"), genome)
    assert isinstance(long_deletion, CheckedVariant)
    assert splice_tracks(scorer, long_deletion, genome, genes, distance=10) == []
    [result] = score_splicing(scorer, [long_deletion], genome, genes, distance=10)
    assert result.scores == () and "REF is 30 nt, longer than 2 x distance (20)" in result.messages[0]
    edge = check_variant(Variant(CONTIG, 62299, ref[:20], ref[0]), genome)
    [tracks] = splice_tracks(scorer, edge, genome, genes, distance=10)
    assert tracks.ref.shape == (21, 2) and tracks.alt.shape == (2, 2)


COMPLEMENT = str.maketrans("ACGTN", "TGCAN")


@pytest.fixture(scope="module")
def reversed_locus(tmp_path_factory, genome):
    """The HBB locus reverse-complemented, HBB as a minus-strand gene: the same biology, mirrored."""
    n = genome.lengths[CONTIG]
    seq = genome.fetch(CONTIG, 1, n).upper()[::-1].translate(COMPLEMENT)
    folder = tmp_path_factory.mktemp("minus")
    fasta = folder / "rc.fa"
    fasta.write_text(">rc\n" + "\n".join(seq[i : i + 60] for i in range(0, n, 60)) + "\n")
    rows = ["#NAME\tCHROM\tSTRAND\tTX_START\tTX_END\tEXON_START\tEXON_END"]
    for line in (HBB / "annotation_spliceai.txt").read_text().splitlines()[1:]:
        name, _, _, tx_start, tx_end, starts, ends = line.split("\t")
        # 0-based half-open [s, e) becomes [n - e, n - s); exon order reverses
        ex_s = [n - int(e) for e in ends.rstrip(",").split(",")][::-1]
        ex_e = [n - int(s) for s in starts.rstrip(",").split(",")][::-1]
        rows.append(
            f"{name}\trc\t-\t{n - int(tx_end)}\t{n - int(tx_start)}\t"
            + "".join(f"{x}," for x in ex_s)
            + "\t"
            + "".join(f"{x}," for x in ex_e)
        )
    table = folder / "genes.txt"
    table.write_text("\n".join(rows) + "\n")
    with Genome(fasta) as g:
        yield g, read_gene_table(table), n


def mirrored(checked: CheckedVariant, n: int) -> Variant:
    """An SNV at the mirrored position of the reverse-complemented locus."""
    v = checked.variant
    assert v.kind == "SNV"
    return Variant("rc", n - v.pos, v.ref.translate(COMPLEMENT), v.alt.translate(COMPLEMENT), source=v.source)


def test_minus_strand_gene_scores_and_tracks_mirror_the_plus_strand(
    scorer, scored, demo, genome, genes, reversed_locus
):
    rc_genome, rc_genes, n = reversed_locus
    ids = ["HBB:IVS1-1G>A", "HBB:IVS1-116T>G", "HBB:IVS2-745C>G"]
    checked = [check_variant(mirrored(demo[i], n), rc_genome) for i in ids]
    assert all(isinstance(c, CheckedVariant) for c in checked), checked
    for vid, result in zip(ids, score_splicing(scorer, checked, rc_genome, rc_genes), strict=True):
        plus, minus = scores_of(scored[vid]), scores_of(result)
        assert result.scores[0].gene == "HBB"
        for name in SCORE_NAMES:
            assert minus[name] == pytest.approx(plus[name], abs=2e-3), (vid, name)
        big = max(SCORE_NAMES, key=plus.get)
        assert minus["DP_" + big[3:]] == -plus["DP_" + big[3:]]  # positions are genomic: mirrored
    [plus_tracks] = splice_tracks(scorer, demo[ids[0]], genome, genes, distance=30)
    [minus_tracks] = splice_tracks(scorer, checked[0], rc_genome, rc_genes, distance=30)
    assert (
        minus_tracks.positions == np.arange(checked[0].variant.pos - 30, checked[0].variant.pos + 31)
    ).all()
    np.testing.assert_allclose(minus_tracks.ref[::-1], plus_tracks.ref, atol=2e-4)
    np.testing.assert_allclose(minus_tracks.alt[::-1], plus_tracks.alt, atol=2e-4)
