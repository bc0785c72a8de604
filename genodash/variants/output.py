"""The output layouts of variant scores: a TSV table and an annotated, sites-only VCF.

One module owns them so the command line (``genodash score``) and the web page write
the same columns. Every function is pure: rows (scores, rejections, VCF columns) in,
text lines out (without line endings); nothing here reads files or loads models.

TSV (one row per variant, i.e. per ALT allele; SpliceAI: per variant x gene)
    ``source`` (``line N``), ``chrom`` (as the user wrote it), ``pos`` (1-based),
    ``id``, ``ref``, ``alt``, ``kind``, ``status`` (``scored`` / ``not scored``),
    ``reason`` (a code of :data:`genodash.variants.record.REASONS` or
    :data:`SPLICEAI_REASONS`), ``detail``, then the scores: for scalar models
    ``<task>_ref``, ``<task>_alt``, ``<task>_delta`` per task; for profile models
    ``<task>_max_delta`` (:attr:`VariantScore.summary`); for SpliceAI ``DS_AG``,
    ``DS_AL``, ``DS_DG``, ``DS_DL``, ``DP_AG``, ``DP_AL``, ``DP_DG``, ``DP_DL``,
    ``gene``. Rows not scored have empty score cells. Numbers have 4 significant digits.

VCF (sites only)
    Only the first eight columns are written: genotype columns (FORMAT and samples)
    are never copied. Multi-allelic records are split into one line per ALT allele
    (INFO values declared ``Number=A`` or ``Number=R`` are cut to that allele).
    Scores go into the INFO key ``GENODASH`` (``TASK|REF|ALT|DELTA`` per task; profile
    models ``TASK|MAX_DELTA``), or for SpliceAI into the official ``SpliceAI`` key;
    alleles not scored get ``GENODASH_FILTER=<reason code>`` instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from genodash.models import ModelCard
from genodash.spliceai.scoring import INFO_HEADER as SPLICEAI_INFO_HEADER
from genodash.spliceai.scoring import DeltaScores, VariantScores
from genodash.variants.record import REASONS, Rejection, Variant
from genodash.variants.scoring import VariantScore

#: The columns every TSV row starts with.
SITE_COLUMNS = ("source", "chrom", "pos", "id", "ref", "alt", "kind", "status", "reason", "detail")
#: The score columns of SpliceAI rows (one row per variant x gene).
SPLICEAI_COLUMNS = ("DS_AG", "DS_AL", "DS_DG", "DS_DL", "DP_AG", "DP_AL", "DP_DG", "DP_DL", "gene")
#: Reason codes of variants that pass every check but that SpliceAI does not score.
SPLICEAI_REASONS: dict[str, str] = {
    "outside_genes": "outside every gene of the annotation table: SpliceAI scores only genic variants",
    "near_contig_end": "SpliceAI needs 5,000 nt plus the distance (-D) of sequence on each side",
    "ref_too_long": "REF is longer than 2 x the distance (-D)",
    "multi_base": "REF and ALT are both longer than one base: SpliceAI scores SNVs and simple indels only",
    "spliceai_skipped": "SpliceAI did not score this variant (see the detail)",
}
SCORED = "scored"
NOT_SCORED = "not scored"
INFO_KEY = "GENODASH"
FILTER_KEY = "GENODASH_FILTER"
SPLICEAI_KEY = "SpliceAI"
VCF_COLUMNS = ("#CHROM", "POS", "ID", "REF", "ALT", "QUAL", "FILTER", "INFO")

_ENTRY = re.compile(r"^(?P<chrom>\S+):(?P<pos>[\d,]+) (?P<ref>[^>]*)>(?P<alt>.*)$")
_INFO_NUMBER = re.compile(r"^##INFO=<ID=(?P<id>[^,>]+),Number=(?P<number>[^,>]+)")
_UNSAFE_INFO = re.compile(r"[\s;=,|]")


def fmt(value: float) -> str:
    """A number with 4 significant digits (``f"{x:.4g}"``)."""
    return f"{value:.4g}"


def _cell(text: object) -> str:
    """A TSV cell: tabs and line breaks become spaces."""
    return str(text).replace("\t", " ").replace("\r", " ").replace("\n", " ")


def _row(cells: Iterable[object]) -> str:
    return "\t".join(_cell(c) for c in cells)


# ---------------------------------------------------------------------------------------- TSV


def score_columns(card: ModelCard) -> list[str]:
    """The score column names of a zoo model.

    Parameters
    ----------
    card : ModelCard

    Returns
    -------
    list of str
        ``3 T`` names (``<task>_ref``, ``<task>_alt``, ``<task>_delta``) for scalar
        models, ``T`` names (``<task>_max_delta``) for profile models.
    """
    if card.output_kind == "scalar":
        return [f"{task}_{part}" for task in card.tasks for part in ("ref", "alt", "delta")]
    return [f"{task}_max_delta" for task in card.tasks]


def tsv_header(card: ModelCard) -> str:
    """The TSV header line for a zoo model (:data:`SITE_COLUMNS` + :func:`score_columns`)."""
    return _row([*SITE_COLUMNS, *score_columns(card)])


def splice_tsv_header() -> str:
    """The TSV header line for SpliceAI (:data:`SITE_COLUMNS` + :data:`SPLICEAI_COLUMNS`)."""
    return _row([*SITE_COLUMNS, *SPLICEAI_COLUMNS])


def site_cells(
    entry: Variant | Rejection, *, variant: Variant | None = None, fields: Sequence[str] | None = None
) -> list[str]:
    """The ``source``, ``chrom``, ``pos``, ``id``, ``ref``, ``alt`` and ``kind`` cells of a row.

    Parameters
    ----------
    entry : Variant or Rejection
    variant : Variant, optional
        The variant a rejection is about, when it was read (e.g. a REF mismatch).
    fields : sequence of str, optional
        The VCF columns of the record a rejection comes from (used when there is
        no ``variant``); else the rejection's short entry ``chrom:pos REF>ALT`` is read.

    Returns
    -------
    list of str
        Seven cells; unknown ones empty.
    """
    if isinstance(entry, Variant):
        variant = entry
    if variant is not None:
        v = variant
        source = v.source or (entry.source if isinstance(entry, Rejection) else "")
        return [source, v.chrom, str(v.pos), v.id, v.ref, v.alt, v.kind]
    match = _ENTRY.match(entry.entry)
    if fields is not None and len(fields) >= 5:
        alt = fields[4] if "," not in fields[4] or match is None else match["alt"]
        return [entry.source, fields[0], fields[1], fields[2], fields[3], alt, ""]
    if match is not None:
        return [entry.source, match["chrom"], match["pos"], ".", match["ref"], match["alt"], ""]
    return [entry.source, "", "", "", "", "", ""]


def score_row(score: VariantScore) -> str:
    """The TSV row of a scored variant (zoo model).

    Parameters
    ----------
    score : VariantScore
        ``ref``/``alt`` of shape ``(T,)`` (scalar) or ``(T, L_out)`` (profile).

    Returns
    -------
    str
        Tab-separated, matching :func:`tsv_header`.
    """
    padded = score.windows.padded
    detail = f"{padded} N added beyond the contig end" if padded else ""
    cells = [*site_cells(score.variant), SCORED, "", detail]
    if score.ref.ndim == 1:
        for r, a, d in zip(score.ref, score.alt, score.delta, strict=True):
            cells += [fmt(r), fmt(a), fmt(d)]
    else:
        cells += [fmt(s) for s in score.summary]
    return _row(cells)


def rejection_row(
    rejection: Rejection,
    n_scores: int,
    *,
    variant: Variant | None = None,
    fields: Sequence[str] | None = None,
) -> str:
    """The TSV row of an entry that is not scored.

    Parameters
    ----------
    rejection : Rejection
    n_scores : int
        How many score cells to leave empty (``len(score_columns(card))``, or
        ``len(SPLICEAI_COLUMNS)``).
    variant, fields
        See :func:`site_cells`.

    Returns
    -------
    str
    """
    cells = site_cells(rejection, variant=variant, fields=fields)
    return _row([*cells, NOT_SCORED, rejection.reason, rejection.detail, *([""] * n_scores)])


def splice_reason(message: str) -> str:
    """The :data:`SPLICEAI_REASONS` code of a SpliceAI message."""
    if "outside every gene" in message:
        return "outside_genes"
    if "too close to the contig end" in message:
        return "near_contig_end"
    if "longer than 2 x distance" in message:
        return "ref_too_long"
    return "spliceai_skipped"


def splice_rejection(variant: Variant, result: VariantScores) -> Rejection | None:
    """Why SpliceAI gave a checked variant no scores at all, or ``None`` when it has some."""
    if result.scores:
        return None
    message = "; ".join(result.messages) or "no score"
    return Rejection(variant.source or variant.label, variant.label, splice_reason(message), message)


def splice_status(variant: Variant, result: VariantScores) -> str:
    """``"_scored"`` when SpliceAI gave a variant a score for some gene, else the reason code."""
    rejection = splice_rejection(variant, result)
    if rejection is not None:
        return rejection.reason
    return "_scored" if any(s.ds_ag is not None for s in result.scores) else "multi_base"


def _delta_cells(scores: DeltaScores) -> list[str]:
    values = (scores.ds_ag, scores.ds_al, scores.ds_dg, scores.ds_dl)
    positions = (scores.dp_ag, scores.dp_al, scores.dp_dg, scores.dp_dl)
    return [fmt(v) for v in values] + [str(p) for p in positions] + [scores.gene]


def splice_rows(variant: Variant, result: VariantScores) -> list[str]:
    """The TSV rows of a variant scored with SpliceAI: one per gene (one row when none).

    Parameters
    ----------
    variant : Variant
        A variant that passed :func:`~genodash.variants.checking.check_variant`.
    result : VariantScores
        Its result from :func:`genodash.variants.splicing.score_splicing`.

    Returns
    -------
    list of str
        Matching :func:`splice_tsv_header`.
    """
    rejection = splice_rejection(variant, result)
    if rejection is not None:
        return [rejection_row(rejection, len(SPLICEAI_COLUMNS), variant=variant)]
    rows = []
    site = site_cells(variant)
    for scores in result.scores:
        if scores.ds_ag is None:
            blank = [""] * (len(SPLICEAI_COLUMNS) - 1)
            cells = [NOT_SCORED, "multi_base", SPLICEAI_REASONS["multi_base"], *blank, scores.gene]
        else:
            cells = [SCORED, "", "", *_delta_cells(scores)]
        rows.append(_row([*site, *cells]))
    return rows


# ---------------------------------------------------------------------------------------- VCF


def _description(text: str) -> str:
    return text.replace('"', "'").replace("\n", " ")


def info_key_name(task: str) -> str:
    """A task name safe inside an INFO value (whitespace, ``;=,|`` become ``_``)."""
    return _UNSAFE_INFO.sub("_", task)


def genodash_info_header(card: ModelCard) -> str:
    """The ``##INFO`` line of the ``GENODASH`` key for a zoo model."""
    if card.output_kind == "scalar":
        layout = "TASK|REF|ALT|DELTA"
        what = f"{card.output_activation} outputs of REF and ALT, DELTA = ALT - REF"
    else:
        layout = "TASK|MAX_DELTA"
        what = "MAX_DELTA = the signed ALT - REF difference of largest magnitude along the output profile"
    tasks = ", ".join(info_key_name(t) for t in card.tasks)
    return (
        f'##INFO=<ID={INFO_KEY},Number=.,Type=String,Description="genodash variant scores of model '
        f"{_description(card.name)} version {_description(card.version)} (tasks: {tasks}; {what}). "
        f'Format: {layout}">'
    )


def filter_info_header() -> str:
    """The ``##INFO`` line of the ``GENODASH_FILTER`` key (reason codes of alleles not scored)."""
    codes = ", ".join([*REASONS, *SPLICEAI_REASONS])
    return (
        f'##INFO=<ID={FILTER_KEY},Number=1,Type=String,Description="Why genodash did not score this '
        f'allele; one of: {codes}">'
    )


def info_numbers(meta: Iterable[str]) -> dict[str, str]:
    """INFO key -> its declared ``Number`` (``A``, ``R``, ``1``, ``.``...), from ``##INFO`` lines."""
    out = {}
    for line in meta:
        match = _INFO_NUMBER.match(line)
        if match is not None:
            out[match["id"]] = match["number"]
    return out


def vcf_header(meta: Sequence[str], info_lines: Sequence[str], *, extra: Sequence[str] = ()) -> list[str]:
    """The header of a sites-only output VCF.

    Parameters
    ----------
    meta : sequence of str
        The input's ``##`` lines.
    info_lines : sequence of str
        ``##INFO`` lines to add (an input line with the same ID is replaced).
    extra : sequence of str
        Other ``##`` lines to add (e.g. the command).

    Returns
    -------
    list of str
        ``##fileformat`` first, then the input's lines, the new ones, and a ``#CHROM``
        line of the eight fixed columns only (no FORMAT, no sample names).
    """
    ids = {line.split(",", 1)[0] for line in info_lines}
    lines = [line for line in meta if line.split(",", 1)[0] not in ids]
    if not (lines and lines[0].startswith("##fileformat=")):
        lines = ["##fileformat=VCFv4.2", *[line for line in lines if not line.startswith("##fileformat=")]]
    return [*lines, *info_lines, *extra, "\t".join(VCF_COLUMNS)]


def score_vcf_header(meta: Sequence[str], card: ModelCard, *, extra: Sequence[str] = ()) -> list[str]:
    """:func:`vcf_header` with the ``GENODASH`` and ``GENODASH_FILTER`` lines of a zoo model."""
    return vcf_header(meta, [genodash_info_header(card), filter_info_header()], extra=extra)


def splice_vcf_header(meta: Sequence[str], *, extra: Sequence[str] = ()) -> list[str]:
    """:func:`vcf_header` with the official ``SpliceAI`` line and the ``GENODASH_FILTER`` line."""
    return vcf_header(meta, [SPLICEAI_INFO_HEADER, filter_info_header()], extra=extra)


def set_info(info: str, updates: dict[str, str | None]) -> str:
    """An INFO column with keys set (replaced in place or appended) or removed (``None``).

    Parameters
    ----------
    info : str
        ``"."`` or ``key=value;flag;...``.
    updates : dict of str to str or None

    Returns
    -------
    str
    """
    items = [] if info in ("", ".") else info.split(";")
    out = []
    done = set()
    for item in items:
        key = item.split("=", 1)[0]
        if key in updates:
            if updates[key] is not None and key not in done:
                out.append(f"{key}={updates[key]}")
            done.add(key)
        else:
            out.append(item)
    out += [f"{k}={v}" for k, v in updates.items() if v is not None and k not in done]
    return ";".join(out) or "."


def split_info(info: str, allele: int, n_alts: int, numbers: dict[str, str]) -> str:
    """The INFO column of one ALT allele of a multi-allelic record.

    Values of keys declared ``Number=A`` (one per ALT) or ``Number=R`` (REF, then one
    per ALT) are cut to that allele when their count fits; everything else is kept.

    Parameters
    ----------
    info : str
    allele : int
        0-based index of the ALT allele.
    n_alts : int
    numbers : dict of str to str
        From :func:`info_numbers`.
    """
    if n_alts == 1 or info in ("", "."):
        return info
    out = []
    for item in info.split(";"):
        key, sep, value = item.partition("=")
        values = value.split(",")
        if sep and numbers.get(key) == "A" and len(values) == n_alts:
            item = f"{key}={values[allele]}"
        elif sep and numbers.get(key) == "R" and len(values) == n_alts + 1:
            item = f"{key}={values[0]},{values[allele + 1]}"
        out.append(item)
    return ";".join(out)


def site_fields(
    fields: Sequence[str], allele: int | None, numbers: dict[str, str] | None = None
) -> list[str] | None:
    """The eight columns of one output line: one ALT allele of a record, genotypes dropped.

    Parameters
    ----------
    fields : sequence of str
        The record's columns (only the first eight are read; missing ones become ``.``).
    allele : int or None
        0-based ALT index to keep, or ``None`` to keep the ALT column whole (an entry
        rejected as a whole, e.g. an unreadable REF).
    numbers : dict, optional
        :func:`info_numbers` of the input header.

    Returns
    -------
    list of str or None
        ``None`` when the line is no VCF record at all (fewer than five columns or a
        POS that is not a whole number), so it cannot be written as one.
    """
    if len(fields) < 5 or not fields[1].isdigit():
        return None
    out = [*fields[:8], *(["."] * (8 - min(len(fields), 8)))]
    alts = out[4].split(",")
    if allele is not None and len(alts) > 1:
        out[4] = alts[allele]
        out[7] = split_info(out[7], allele, len(alts), numbers or {})
    return out


def genodash_info(score: VariantScore) -> str:
    """The ``GENODASH`` INFO value of a scored variant: ``TASK|REF|ALT|DELTA`` per task, comma-separated.

    Profile models (``ref`` of shape ``(T, L_out)``) give ``TASK|MAX_DELTA``.
    """
    if score.ref.ndim == 1:
        parts = [
            f"{info_key_name(t)}|{fmt(r)}|{fmt(a)}|{fmt(d)}"
            for t, r, a, d in zip(score.tasks, score.ref, score.alt, score.delta, strict=True)
        ]
    else:
        parts = [f"{info_key_name(t)}|{fmt(s)}" for t, s in zip(score.tasks, score.summary, strict=True)]
    return ",".join(parts)


def _line(site: list[str], updates: dict[str, str | None]) -> str:
    site = list(site)
    site[7] = set_info(site[7], updates)
    return "\t".join(site)


def score_vcf_line(site: list[str], score: VariantScore) -> str:
    """A sites-only VCF line of a scored allele (``site`` from :func:`site_fields`)."""
    return _line(site, {INFO_KEY: genodash_info(score), FILTER_KEY: None})


def rejected_vcf_line(site: list[str], reason: str, *, key: str = INFO_KEY) -> str:
    """A sites-only VCF line of an allele not scored: ``GENODASH_FILTER=<reason>``, stale scores removed.

    Parameters
    ----------
    site : list of str
        From :func:`site_fields`.
    reason : str
        A code of :data:`REASONS` or :data:`SPLICEAI_REASONS`.
    key : str
        The score key to remove (``GENODASH`` or ``SpliceAI``).
    """
    return _line(site, {key: None, FILTER_KEY: reason})


def splice_vcf_line(site: list[str], variant: Variant, result: VariantScores) -> str:
    """A sites-only VCF line of a SpliceAI variant: the official ``SpliceAI=`` value, or the reason.

    Alleles SpliceAI leaves unscored (REF and ALT both longer than one base) keep the
    official ``ALT|GENE|.|.|.|.|.|.|.|.`` value and also get ``GENODASH_FILTER=multi_base``.
    """
    rejection = splice_rejection(variant, result)
    if rejection is not None:
        return rejected_vcf_line(site, rejection.reason, key=SPLICEAI_KEY)
    unscored = all(s.ds_ag is None for s in result.scores)
    return _line(site, {SPLICEAI_KEY: result.info_value(), FILTER_KEY: "multi_base" if unscored else None})
