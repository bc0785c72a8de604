"""Variants scored with SpliceAI: the official delta scores, and the tracks behind them.

The scores are those of ``genodash spliceai`` (identical to the official command line):
for each gene whose transcript holds the variant, the largest acceptor/donor gain and
loss within ``distance`` nt. The tracks are the acceptor and donor probabilities of
REF and ALT over that window, for drawing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from genodash.genome import Genome
from genodash.models import ModelCard
from genodash.spliceai.genes import GeneTable
from genodash.spliceai.scorer import SpliceAIScorer
from genodash.spliceai.scoring import DEFAULT_DISTANCE, DeltaScores, VariantRecord, VariantScores, _Job
from genodash.spliceai.scoring import _predict_locus as predict_locus
from genodash.variants.checking import CheckedVariant

Progress = Callable[[int, int], None]

#: Conventional cut-offs of the SpliceAI paper: 0.2 (high recall), 0.5 (recommended), 0.8 (high precision).
THRESHOLDS = (0.2, 0.5, 0.8)
SCORE_NAMES = ("DS_AG", "DS_AL", "DS_DG", "DS_DL")
SCORE_MEANINGS = {
    "DS_AG": "acceptor gain",
    "DS_AL": "acceptor loss",
    "DS_DG": "donor gain",
    "DS_DL": "donor loss",
}
MASK_EXPLAINED = (
    "Unmasked (the default, as the official -M 0): every gain and loss counts. "
    "Masked (-M 1): a gain at the splice site the gene annotation already has, and a loss at "
    "a position that is not an annotated splice site, are set to 0, so only changes that "
    "create a new site or destroy a known one remain (recommended for variant interpretation)."
)


def is_spliceai(card: ModelCard) -> bool:
    """Whether a card is the SpliceAI-10k model (scored with gene annotations, not windows)."""
    return card.architecture == "spliceai_10k"


def strength(score: float | None) -> str:
    """Plain words for a delta score against :data:`THRESHOLDS`."""
    if score is None:
        return "not scored"
    if score >= THRESHOLDS[2]:
        return "very high (>= 0.8)"
    if score >= THRESHOLDS[1]:
        return "high (>= 0.5)"
    if score >= THRESHOLDS[0]:
        return "moderate (>= 0.2)"
    return "low (< 0.2)"


def record_of(checked: CheckedVariant) -> VariantRecord:
    """The SpliceAI record of a checked variant (the reference's contig name)."""
    v = checked.variant
    return VariantRecord(checked.contig, v.pos, v.ref, (v.alt,), v.source or v.label)


def score_splicing(
    scorer: SpliceAIScorer,
    variants: Sequence[CheckedVariant],
    genome: Genome,
    genes: GeneTable,
    *,
    distance: int = DEFAULT_DISTANCE,
    mask: bool = False,
    progress: Progress | None = None,
) -> list[VariantScores]:
    """Official SpliceAI delta scores for checked variants.

    Returns
    -------
    list of VariantScores
        One per variant, in order; empty ``scores`` with a message when SpliceAI cannot
        score it (outside every annotated gene, too close to a contig end).
    """
    records = [record_of(c) for c in variants]
    results = scorer.score(records, genome, genes, distance=distance, mask=mask, progress=progress)
    out = []
    for record, result in zip(records, results, strict=True):
        if not result.scores and not result.messages:
            message = (
                f"{record.label}: outside every gene of the annotation; SpliceAI scores only genic variants"
            )
            result = VariantScores((), (message,))
        out.append(result)
    return out


def best(scores: Sequence[DeltaScores]) -> DeltaScores | None:
    """The gene whose largest delta score is highest (``None`` when nothing was scored)."""
    scored = [s for s in scores if s.ds_ag is not None]
    if not scored:
        return None
    return max(scored, key=lambda s: max(s.ds_ag, s.ds_al, s.ds_dg, s.ds_dl))


@dataclass(frozen=True)
class SpliceTracks:
    """REF and ALT acceptor/donor probabilities around a variant, for one gene.

    Attributes
    ----------
    gene : str
    positions : numpy.ndarray
        ``(2 D + 1,)`` 1-based reference positions of the REF track.
    ref : numpy.ndarray
        ``(2 D + 1, 2)`` acceptor and donor probabilities.
    alt : numpy.ndarray
        ``(2 D + 1 + len(ALT) - len(REF), 2)``; an insertion's extra bases follow the
        REF allele, a deletion's missing bases are absent.
    """

    gene: str
    positions: np.ndarray
    ref: np.ndarray
    alt: np.ndarray


def splice_tracks(
    scorer: SpliceAIScorer,
    checked: CheckedVariant,
    genome: Genome,
    genes: GeneTable,
    *,
    distance: int = DEFAULT_DISTANCE,
) -> list[SpliceTracks]:
    """Acceptor and donor probability tracks of REF and ALT, one per overlapping gene.

    Returns
    -------
    list of SpliceTracks
        Empty when no gene holds the variant, it is too close to a contig end, or REF is
        longer than ``2 * distance`` (which scoring refuses too).
    """
    from genodash.spliceai.model import FLANK

    v = checked.variant
    half = FLANK + distance
    if v.pos - half < 1 or v.pos + half > checked.contig_length or len(v.ref) > 2 * distance:
        return []
    out = []
    for index in genes.overlapping(checked.contig, v.pos):
        gene = genes.genes[index]
        job = _Job(0, 0, index, v.pos, v.ref, v.alt)
        predict_locus([job], gene, checked.contig, genome, distance, scorer.predict)
        positions = np.arange(v.pos - distance, v.pos + distance + 1)
        out.append(SpliceTracks(gene.name, positions, job.y_ref[:, 1:3], job.y_alt[:, 1:3]))
    return out
