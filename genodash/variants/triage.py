"""Batch triage: every entry of a variant list checked and scored, as one table.

Each entry (parsed variant or parse problem) becomes a :class:`TriageRow`; scored rows
carry the model's :class:`~genodash.variants.scoring.VariantScore` (zoo models) or the
official SpliceAI :class:`~genodash.spliceai.scoring.VariantScores`. The table lists
all rows, with the reason for every entry that was not scored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from genodash.genome import Genome
from genodash.models import LoadedModel, ModelCard
from genodash.spliceai.scoring import VariantScores
from genodash.variants import output
from genodash.variants.checking import CheckedVariant, check_variant
from genodash.variants.record import REASONS, Rejection, Variant
from genodash.variants.scoring import VariantScore, score_variants
from genodash.variants.splicing import SCORE_NAMES, best, is_spliceai, score_splicing

Progress = Callable[[int, int], None]
#: Most entries the web page scores in one run (the command line has no limit).
MAX_PAGE_VARIANTS = 20_000


@dataclass(frozen=True)
class TriageRow:
    """One entry of the user's list.

    Attributes
    ----------
    entry : Variant or Rejection
        As parsed.
    checked : CheckedVariant or None
        When the entry passed the reference checks.
    rejection : Rejection or None
        Why it is not scored.
    score : VariantScore or None
        Zoo models.
    splice : VariantScores or None
        SpliceAI (may hold only messages, e.g. outside every gene).
    """

    entry: Variant | Rejection
    checked: CheckedVariant | None = None
    rejection: Rejection | None = None
    score: VariantScore | None = None
    splice: VariantScores | None = None

    @property
    def scored(self) -> bool:
        """Whether the model scored it."""
        return self.score is not None or (self.splice is not None and bool(self.splice.scores))

    @property
    def label(self) -> str:
        """``chrom:pos REF>ALT`` or the entry as written."""
        return self.entry.label if isinstance(self.entry, Variant) else self.entry.entry


def check_entries(
    entries: Sequence[Variant | Rejection], genome: Genome, max_allele: int | None = None
) -> list[TriageRow]:
    """Check every parsed entry against the reference (parse problems pass through)."""
    rows = []
    for entry in entries:
        if isinstance(entry, Rejection):
            rows.append(TriageRow(entry, rejection=entry))
            continue
        result = check_variant(entry, genome, max_allele=max_allele)
        if isinstance(result, Rejection):
            rows.append(TriageRow(entry, rejection=result))
        else:
            rows.append(TriageRow(entry, checked=result))
    return rows


def score_rows(
    rows: list[TriageRow],
    loaded: LoadedModel,
    genome: Genome,
    *,
    genes=None,
    scorer=None,
    distance: int = 50,
    mask: bool = False,
    batch_size: int = 64,
    progress: Progress | None = None,
) -> list[TriageRow]:
    """Score the rows that passed the checks.

    Parameters
    ----------
    rows : list of TriageRow
        From :func:`check_entries`.
    loaded : LoadedModel
    genome : Genome
    genes : GeneTable, optional
        SpliceAI only: the gene annotation.
    scorer : SpliceAIScorer, optional
        SpliceAI only.
    distance, mask
        SpliceAI's ``-D`` and ``-M``.
    batch_size : int
        Zoo models: variants per forward pass.
    progress : callable, optional

    Returns
    -------
    list of TriageRow
        Same order, scores filled in.
    """
    todo = [i for i, row in enumerate(rows) if row.checked is not None]
    checked = [rows[i].checked for i in todo]
    out = list(rows)
    if not checked:
        return out
    if is_spliceai(loaded.card):
        results = score_splicing(
            scorer, checked, genome, genes, distance=distance, mask=mask, progress=progress
        )
        for i, result in zip(todo, results, strict=True):
            out[i] = TriageRow(rows[i].entry, rows[i].checked, None, None, result)
    else:
        scores = score_variants(loaded, checked, genome, batch_size=batch_size, progress=progress)
        for i, score in zip(todo, scores, strict=True):
            out[i] = TriageRow(rows[i].entry, rows[i].checked, None, score)
    return out


def _status(row: TriageRow) -> tuple[str, str, str]:
    if row.rejection is not None:
        return "not scored", row.rejection.reason, row.rejection.detail
    if row.splice is not None and not row.splice.scores:
        message = "; ".join(row.splice.messages)
        return "not scored", output.splice_reason(message), message
    return "scored", "", "; ".join(row.splice.messages) if row.splice is not None else ""


def triage_table(rows: Sequence[TriageRow], tasks: Sequence[str], spliceai: bool) -> pd.DataFrame:
    """One table row per entry: where it came from, the checks, and the scores.

    Parameters
    ----------
    rows : sequence of TriageRow
    tasks : sequence of str
        The model's task names (zoo models: one delta column per task).
    spliceai : bool
        SpliceAI columns (DS_AG ... DP_DL of the gene with the highest score) instead.

    Returns
    -------
    pandas.DataFrame
        Columns ``row, source, variant, ID, kind, status, reason, detail``, then the
        scores (empty for entries not scored), then ``max |delta|`` or ``max DS``.
    """
    records = []
    for index, row in enumerate(rows):
        status, reason, detail = _status(row)
        v = row.entry if isinstance(row.entry, Variant) else None
        record = {
            "row": index + 1,
            "source": row.entry.source,
            "variant": row.label,
            "ID": v.id if v is not None else (row.entry.site[2] if row.entry.site is not None else ""),
            "kind": v.kind if v is not None else "",
            "status": status,
            "reason": reason,
            "detail": detail,
        }
        if spliceai:
            top = best(row.splice.scores) if row.splice is not None else None
            record["gene"] = top.gene if top is not None else ""
            values = [getattr(top, n.lower()) if top is not None else None for n in SCORE_NAMES]
            for name, value in zip(SCORE_NAMES, values, strict=True):
                record[name] = value
            for name in ("DP_AG", "DP_AL", "DP_DG", "DP_DL"):
                record[name] = getattr(top, name.lower()) if top is not None else None
            record["max DS"] = max(values) if top is not None else None
        else:
            summary = row.score.summary if row.score is not None else None
            for t, task in enumerate(tasks):
                record[f"delta {task}"] = float(summary[t]) if summary is not None else None
            record["max |delta|"] = float(np.abs(summary).max()) if summary is not None else None
        records.append(record)
    table = pd.DataFrame.from_records(records)
    for name in table.columns:
        if name in SCORE_NAMES or name in ("max DS", "max |delta|") or name.startswith("delta "):
            table[name] = table[name].astype(float)  # numbers (NaN where not scored), even if no row was
    for name in ("DP_AG", "DP_AL", "DP_DG", "DP_DL"):
        if name in table.columns:  # offsets stay whole numbers (not 2.0) when some rows have none
            table[name] = table[name].astype("Int64")
    return table


def reason_counts(rows: Sequence[TriageRow]) -> dict[str, int]:
    """How many entries were not scored, by reason code (see :data:`REASONS`)."""
    counts: dict[str, int] = {}
    for row in rows:
        status, reason, _ = _status(row)
        if status != "scored":
            counts[reason] = counts.get(reason, 0) + 1
    return counts


def reason_text(reason: str) -> str:
    """Plain words for a reason code."""
    return REASONS.get(reason) or output.SPLICEAI_REASONS.get(reason, reason)


@dataclass(frozen=True)
class VcfInput:
    """What an annotated copy of the user's VCF keeps of it.

    Attributes
    ----------
    meta : tuple of str
        The input's ``##`` lines (``##contig``, ``##reference``, ``##INFO`` ...).
    sites : dict
        Entry (a Variant or Rejection) -> the eight columns of its own record: one ALT
        allele, INFO split per allele where the header declares ``Number=A`` or ``R``
        (as ``genodash score``), genotype columns never kept.
    """

    meta: tuple[str, ...] = ()
    sites: dict = field(default_factory=dict)


def vcf_record_sites(fields: Sequence[str], entries: Sequence, numbers: dict[str, str]) -> list[tuple]:
    """Each entry of one VCF line with its record's columns (see :class:`VcfInput`).

    Parameters
    ----------
    fields : sequence of str
        The line's first eight columns (:class:`~genodash.variants.parsing.VcfStream`).
    entries : sequence of Variant or Rejection
        What the line was read as: one per ALT allele, or one for the whole line.
    numbers : dict
        :func:`genodash.variants.output.info_numbers` of the header.

    Returns
    -------
    list of tuple
        ``(entry, columns)``; entries of a line that is no VCF record are left out.
    """
    alts = fields[4].split(",") if len(fields) > 4 else []
    out = []
    for k, entry in enumerate(entries):
        site = output.site_fields(fields, k if len(entries) == len(alts) else None, numbers)
        if site is not None:
            out.append((entry, site))
    return out


def triage_vcf(rows: Sequence[TriageRow], card: ModelCard, vcf: VcfInput | None = None) -> str:
    """A sites-only VCF of every row that names a variant, annotated as ``genodash score`` does.

    Scored zoo-model rows get ``GENODASH=TASK|REF|ALT|DELTA``, SpliceAI rows the official
    ``SpliceAI=`` value, and rows not scored ``GENODASH_FILTER=<reason>``, also alleles
    that are not sequence (symbolic, breakend, ``*``), as written. Entries without a
    VCF record's fields (no whole position) are left out (the TSV keeps them).

    With ``vcf`` (the entries came from a VCF), its ``##`` lines head the output and
    each record keeps its own ID, QUAL, FILTER and INFO.

    Returns
    -------
    str
        The VCF text.
    """
    spliceai = is_spliceai(card)
    vcf = vcf or VcfInput()
    meta = [*vcf.meta, f"##source=genodash (model {card.name} {card.version})"]
    header = output.splice_vcf_header(meta) if spliceai else output.score_vcf_header(meta, card)
    lines = list(header)
    for row in rows:
        entry = row.entry
        record = vcf.sites.get(entry)  # the input VCF's own columns, else what the entry says
        if record is not None:
            chrom, pos, vid, ref, alt = record[:5]
        elif isinstance(entry, Variant):
            chrom, pos, vid, ref, alt = entry.chrom, str(entry.pos), entry.id, entry.ref, entry.alt
        elif entry.site is not None:
            chrom, pos, vid, ref, alt = entry.site
        else:
            continue
        rest = record[5:] if record is not None else [".", ".", "."]  # QUAL, FILTER, INFO
        site = [chrom, pos, re.sub(r"[\s;]+", "_", vid.strip()) or ".", ref, alt, *rest]
        if row.rejection is not None:
            lines.append(output.rejected_vcf_line(site, row.rejection.reason))
        elif row.splice is not None:
            lines.append(output.splice_vcf_line(site, entry, row.splice))
        else:
            lines.append(output.score_vcf_line(site, row.score))
    return "\n".join(lines) + "\n"
