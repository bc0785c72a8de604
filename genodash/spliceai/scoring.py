"""Variant delta scores with the semantics of the official ``spliceai`` command line (1.3.1).

For every ALT allele of a VCF record and every transcript of the gene table that
contains the position, SpliceAI predicts acceptor and donor probabilities at the
``2 D + 1`` positions centred on the variant (``D`` = ``distance``, 50 by default),
once for the reference and once for the alternative sequence, and reports

``ALLELE|SYMBOL|DS_AG|DS_AL|DS_DG|DS_DL|DP_AG|DP_AL|DP_DG|DP_DL``

with DS = the largest acceptor/donor gain/loss (alt - ref, ref - alt) and DP = its
position relative to the variant (first maximum wins), as the original does:

* only SNVs and simple indels (REF or ALT of one base) are scored; REF and ALT both
  longer than one base give ``ALT|GENE|.|.|.|.|.|.|.|.``;
* sequence outside the transcript is replaced by N; minus-strand genes are predicted
  on the reverse complement;
* for a deletion the ALT predictions are padded back to the REF length with zeros,
  for an insertion the maximum over the inserted positions is kept;
* ``mask`` (-M 1) zeroes gains at the annotated exon boundary nearest the variant
  and losses elsewhere;
* records outside every transcript get no annotation; records too close to a contig
  end, with a REF that does not match the genome, or with REF longer than ``2 D`` are
  not scored.

Where the original crashes or scores garbage (a contig missing from the FASTA, ALT
letters that are not nucleotides, breakends) a record is left unscored with a
message instead. Speed comes from :mod:`genodash.spliceai.incremental`: one reference
pass per locus and gene, only the positions an allele changes recomputed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import torch

from genodash.errors import InputError, check
from genodash.genome import Genome
from genodash.spliceai.encoding import spliceai_one_hot
from genodash.spliceai.genes import Gene, GeneTable
from genodash.spliceai.incremental import Allele, AllelePredictions
from genodash.spliceai.model import FLANK

#: The INFO header line the original writes (kept byte for byte).
INFO_HEADER = (
    '##INFO=<ID=SpliceAI,Number=.,Type=String,Description="SpliceAIv1.3.1 variant annotation. '
    "These include delta scores (DS) and delta positions (DP) for acceptor gain (AG), acceptor "
    "loss (AL), donor gain (DG), and donor loss (DL). "
    'Format: ALLELE|SYMBOL|DS_AG|DS_AL|DS_DG|DS_DL|DP_AG|DP_AL|DP_DG|DP_DL">'
)
DEFAULT_DISTANCE = 50
MAX_DISTANCE = 4999
#: Largest stretch of one locus (nt) predicted in one reference pass.
MAX_LOCUS_SPAN = 100_000
_NUCLEOTIDES = frozenset("ACGTN")

#: ``predict(frame (4, L_f), alleles, window_length) -> AllelePredictions``;
#: see :func:`genodash.spliceai.incremental.predict_alleles`.
Predictor = Callable[[torch.Tensor, list[Allele], int], AllelePredictions]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class VariantRecord:
    """The fields of a VCF record that scoring reads.

    Attributes
    ----------
    chrom : str
    pos : int
        1-based.
    ref : str
    alts : tuple of str
        Empty when ALT is ``.``.
    label : str
        How messages name the record, e.g. ``"line 12 (chr1:14948 CAG>C)"``.
    """

    chrom: str
    pos: int
    ref: str
    alts: tuple[str, ...]
    label: str = ""


@dataclass(frozen=True)
class DeltaScores:
    """The scores of one ALT allele for one gene.

    Attributes
    ----------
    allele, gene : str
    ds_ag, ds_al, ds_dg, ds_dl : float or None
        Delta scores in [0, 1] (masked ones are 0); ``None`` for alleles that are
        not scored (REF and ALT both longer than one base).
    dp_ag, dp_al, dp_dg, dp_dl : int or None
        Positions relative to the variant (negative: upstream on the + strand).
    """

    allele: str
    gene: str
    ds_ag: float | None = None
    ds_al: float | None = None
    ds_dg: float | None = None
    ds_dl: float | None = None
    dp_ag: int | None = None
    dp_al: int | None = None
    dp_dg: int | None = None
    dp_dl: int | None = None

    def format(self) -> str:
        """``ALLELE|SYMBOL|DS_AG|DS_AL|DS_DG|DS_DL|DP_AG|DP_AL|DP_DG|DP_DL`` as the original prints it."""
        if self.ds_ag is None:
            return f"{self.allele}|{self.gene}|.|.|.|.|.|.|.|."
        scores = "|".join(f"{v:.2f}" for v in (self.ds_ag, self.ds_al, self.ds_dg, self.ds_dl))
        return f"{self.allele}|{self.gene}|{scores}|{self.dp_ag}|{self.dp_al}|{self.dp_dg}|{self.dp_dl}"


@dataclass(frozen=True)
class VariantScores:
    """Everything scoring says about one record.

    Attributes
    ----------
    scores : tuple of DeltaScores
        In the original's order: ALT alleles, then genes in table order. Empty: the
        record gets no SpliceAI annotation.
    messages : tuple of str
        Why the record, or some of its alleles, were not scored.
    """

    scores: tuple[DeltaScores, ...] = ()
    messages: tuple[str, ...] = ()

    def info_value(self) -> str:
        """The value of the ``SpliceAI`` INFO field (``""`` when there are no scores)."""
        return ",".join(s.format() for s in self.scores)


class RecordPlan(NamedTuple):
    """What :func:`plan_record` decides for one record.

    Attributes
    ----------
    slots : list
        Per ALT allele x gene, in output order: ``(gene index, pos, alt)`` to predict,
        a ready :class:`DeltaScores` (the ``.`` case), or ``None`` (skipped).
    messages : list of str
        Why the record, or some alleles, are not scored.
    """

    slots: list[tuple[int, int, str] | DeltaScores | None]
    messages: list[str]


@dataclass
class _Job:
    """One allele x gene to predict."""

    record: int
    slot: int
    gene: int
    pos: int
    ref: str
    alt: str
    result: DeltaScores | None = None
    y_ref: np.ndarray | None = field(default=None, repr=False)
    y_alt: np.ndarray | None = field(default=None, repr=False)


def _symbolic_reason(alt: str) -> str | None:
    """Why an ALT allele cannot be scored, or ``None``."""
    if any(c in alt for c in ".-*") or "<" in alt or ">" in alt:
        return f"ALT {alt!r} is symbolic, missing or a deletion placeholder"
    if "[" in alt or "]" in alt:
        return f"ALT {alt!r} is a breakend"
    if not set(alt.upper()) <= _NUCLEOTIDES:
        letters = "".join(sorted(set(alt.upper()) - _NUCLEOTIDES))
        return f"ALT {alt!r} has letters other than A, C, G, T, N ({letters})"
    return None


def plan_record(record: VariantRecord, genome: Genome, genes: GeneTable, distance: int) -> RecordPlan:
    """Decide what to compute for one record, checking it as the original does.

    Returns
    -------
    RecordPlan
    """
    where = record.label or f"{record.chrom}:{record.pos}"
    if not record.alts:
        return RecordPlan([], [f"{where}: no ALT allele; not scored"])
    hits = genes.overlapping(record.chrom, record.pos)
    if not hits:
        return RecordPlan([], [])
    name = genome.resolve(record.chrom)
    if name is None:
        return RecordPlan([], [f"{where}: contig {record.chrom!r} is not in the reference FASTA; not scored"])
    half = FLANK + distance
    length = genome.lengths[name]
    if record.pos - half < 1 or record.pos + half > length:
        return RecordPlan(
            [],
            [
                f"{where}: SpliceAI needs {half:,} nt on each side, but {name} has {length:,} nt "
                "(too close to the contig end, or past it); not scored"
            ],
        )
    ref_in_genome = genome.fetch(name, record.pos, min(record.pos + len(record.ref) - 1, length))
    if ref_in_genome.upper() != record.ref.upper():
        return RecordPlan(
            [],
            [
                f"{where}: REF {record.ref!r} does not match the reference {ref_in_genome.upper()!r} at "
                f"{name}:{record.pos}; check the genome build; not scored"
            ],
        )
    if len(record.ref) > 2 * distance:
        return RecordPlan(
            [],
            [f"{where}: REF is {len(record.ref)} nt, longer than 2 x distance ({2 * distance}); not scored"],
        )
    slots: list[tuple[int, int, str] | DeltaScores | None] = []
    messages = []
    for alt in record.alts:
        reason = _symbolic_reason(alt)
        if reason:
            messages.append(f"{where}: {reason}; not scored")
        for gene in hits:
            if reason:
                slots.append(None)
            elif len(record.ref) > 1 and len(alt) > 1:
                slots.append(DeltaScores(alt, genes.genes[gene].name))
            else:
                slots.append((gene, record.pos, alt))
    return RecordPlan(slots, messages)


def _clusters(jobs: list[_Job], half: int, max_jobs: int) -> list[list[_Job]]:
    """Jobs of one gene grouped into loci whose windows overlap or nearly do."""
    jobs = sorted(jobs, key=lambda j: j.pos)
    out: list[list[_Job]] = []
    for job in jobs:
        if (
            out
            and job.pos - out[-1][-1].pos <= 2 * half + 1
            and job.pos - out[-1][0].pos <= MAX_LOCUS_SPAN
            and len(out[-1]) < max_jobs
        ):
            out[-1].append(job)
        else:
            out.append([job])
    return out


def _predict_locus(
    cluster: list[_Job], gene: Gene, chrom: str, genome: Genome, distance: int, predictor: Predictor
) -> None:
    """Fill ``y_ref`` and ``y_alt`` (genomic order, ``(n, 3)`` float32) of one locus' jobs."""
    half = FLANK + distance
    start = cluster[0].pos - half
    end = cluster[-1].pos + half
    seq = genome.fetch(chrom, start, end)
    # outside the transcript: N (as the original pads each window)
    left = max(gene.tx_start - start, 0)
    right = max(end - gene.tx_end, 0)
    seq = "N" * left + seq[left : len(seq) - right] + "N" * right
    frame = spliceai_one_hot(seq)
    minus = gene.strand == "-"
    if minus:
        frame = frame.flip(0, 1)
    n = len(seq)

    def index(g: int) -> int:  # frame index of genomic position g
        return n - 1 - (g - start) if minus else g - start

    alleles = []
    for job in cluster:
        alt = spliceai_one_hot(job.alt)
        if minus:
            window, edit, alt = index(job.pos + half), index(job.pos + len(job.ref) - 1), alt.flip(0, 1)
        else:
            window, edit = index(job.pos - half), index(job.pos)
        alleles.append(Allele(window, edit, len(job.ref), alt))
    reference, alts = predictor(frame, alleles, 2 * half + 1)
    cov = 2 * distance + 1
    for job, y_alt in zip(cluster, alts, strict=True):
        if minus:
            first = index(job.pos - distance) - FLANK
            y_ref = reference[:, first - cov + 1 : first + 1].flip(-1)
            y_alt = y_alt.flip(-1)
        else:
            first = index(job.pos - distance) - FLANK
            y_ref = reference[:, first : first + cov]
        job.y_ref = y_ref.T.numpy().astype(np.float32, copy=False)
        job.y_alt = y_alt.T.numpy().astype(np.float32, copy=False)


def delta_scores(
    y_ref: np.ndarray,
    y_alt: np.ndarray,
    ref_len: int,
    alt_len: int,
    boundary: int,
    mask: bool,
    allele: str,
    gene: str,
) -> DeltaScores:
    """Delta scores from reference and alternative predictions, as the original computes them.

    Parameters
    ----------
    y_ref : numpy.ndarray
        ``(2 D + 1, 3)`` float32 probabilities (neither, acceptor, donor), genomic order.
    y_alt : numpy.ndarray
        ``(2 D + 1 + alt_len - ref_len, 3)`` float32.
    ref_len, alt_len : int
    boundary : int
        Signed distance to the nearest annotated exon boundary (for ``mask``).
    mask : bool
    allele, gene : str

    Returns
    -------
    DeltaScores
    """
    cov = y_ref.shape[0]
    centre = cov // 2
    if ref_len > 1 and alt_len == 1:
        # numpy promotes to float64 here in the original (zeros are float64)
        zeros = np.zeros((ref_len - alt_len, y_alt.shape[1]))
        y_alt = np.concatenate([y_alt[: centre + alt_len], zeros, y_alt[centre + alt_len :]])
        y_ref = y_ref.astype(np.float64)
    elif ref_len == 1 and alt_len > 1:
        peak = y_alt[centre : centre + alt_len].max(axis=0)[None, :]
        y_alt = np.concatenate([y_alt[:centre], peak, y_alt[centre + alt_len :]])
    check(
        y_alt.shape == y_ref.shape, f"internal: ALT predictions {y_alt.shape} do not align with {y_ref.shape}"
    )
    values, positions = [], []
    for channel, gain in ((1, True), (1, False), (2, True), (2, False)):
        diff = y_alt[:, channel] - y_ref[:, channel] if gain else y_ref[:, channel] - y_alt[:, channel]
        where = int(diff.argmax())
        at_boundary = where - centre == boundary
        masked = mask and (at_boundary if gain else not at_boundary)
        values.append(float(diff[where]) * (0 if masked else 1))
        positions.append(where - centre)
    return DeltaScores(allele, gene, *values, *positions)


def score_records(
    records: Sequence[VariantRecord],
    genome: Genome,
    genes: GeneTable,
    predictor: Predictor,
    *,
    distance: int = DEFAULT_DISTANCE,
    mask: bool = False,
    max_locus_alleles: int = 128,
    progress: Progress | None = None,
) -> list[VariantScores]:
    """Score VCF records with SpliceAI, as ``spliceai -D distance -M mask`` does.

    Parameters
    ----------
    records : sequence of VariantRecord
    genome : Genome
        The reference the VCF was called against.
    genes : GeneTable
    predictor : callable
        See :data:`Predictor`; usually :meth:`genodash.spliceai.scorer.SpliceAIScorer.predictor`.
    distance : int, optional
        ``D``: half-width of the window searched for gained or lost sites (0-4999).
    mask : bool, optional
        Mask annotated-site gains and unannotated-site losses (``-M 1``).
    max_locus_alleles : int, optional
        Most alleles computed against one reference pass (bounds memory).
    progress : callable, optional
        ``progress(done, total)`` in alleles predicted.

    Returns
    -------
    list of VariantScores
        One per record, in order.
    """
    check(0 <= distance <= MAX_DISTANCE, f"distance must be 0-{MAX_DISTANCE}, got {distance}")
    half = FLANK + distance
    plans = []
    jobs: list[_Job] = []
    for r, record in enumerate(records):
        try:
            slots, messages = plan_record(record, genome, genes, distance)
        except InputError as exc:
            slots, messages = [], [f"{record.label or record.chrom}: {exc}; not scored"]
        for s, slot in enumerate(slots):
            if isinstance(slot, tuple):
                gene, pos, alt = slot
                jobs.append(_Job(r, s, gene, pos, record.ref, alt))
        plans.append((slots, messages))
    by_gene: dict[int, list[_Job]] = {}
    for job in jobs:
        by_gene.setdefault(job.gene, []).append(job)
    done = 0
    for gene_index, gene_jobs in by_gene.items():
        gene = genes.genes[gene_index]
        chrom = genome.resolve(records[gene_jobs[0].record].chrom)
        for cluster in _clusters(gene_jobs, half, max_locus_alleles):
            _predict_locus(cluster, gene, chrom, genome, distance, predictor)
            for job in cluster:
                job.result = delta_scores(
                    job.y_ref,
                    job.y_alt,
                    len(job.ref),
                    len(job.alt),
                    gene.nearest_boundary(job.pos),
                    mask,
                    job.alt,
                    gene.name,
                )
                job.y_ref = job.y_alt = None
            done += len(cluster)
            if progress is not None:
                progress(done, len(jobs))
    results: dict[tuple[int, int], DeltaScores] = {(j.record, j.slot): j.result for j in jobs}
    out = []
    for r, (slots, messages) in enumerate(plans):
        scores = []
        for s, slot in enumerate(slots):
            if isinstance(slot, DeltaScores):
                scores.append(slot)
            elif slot is not None:
                scores.append(results[(r, s)])
        out.append(VariantScores(tuple(scores), tuple(messages)))
    return out
