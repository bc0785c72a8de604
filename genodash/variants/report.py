"""A one-page HTML report of one scored variant, for the record and for print.

:func:`variant_report` turns what the Variant page shows for one variant (its
:class:`~genodash.variants.triage.TriageRow`, the model card, the settings and,
when computed, the REF/ALT saliency logos) into a single self-contained HTML
document: inline CSS (one A4 or Letter page when printed), figures embedded as
``data:`` URIs, no external resources and no JavaScript. Every piece of text that
a user supplied (variant IDs and notes, contig and file names, model cards of
uploaded models) is HTML-escaped.

The SpliceAI reading guide follows the official SpliceAI documentation (the README
of spliceai 1.3.1): delta scores range from 0 to 1, the paper characterises the
0.2 (high recall), 0.5 (recommended) and 0.8 (high precision) cut-offs, and delta
positions are relative to the variant.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath

import numpy as np

from genodash import __version__
from genodash.errors import check
from genodash.models import ModelCard
from genodash.spliceai.genes import BUILT_IN
from genodash.variants.figures import splice_table, threshold_colour
from genodash.variants.output import fmt
from genodash.variants.record import Variant
from genodash.variants.splicing import MASK_EXPLAINED, SCORE_MEANINGS, THRESHOLDS, best, is_spliceai, strength
from genodash.variants.triage import TriageRow

#: The stamp on every report, at the top and in the footer.
RESEARCH_STAMP = "RESEARCH USE ONLY \u2014 not for clinical decision-making"
#: Image formats a report embeds, and their MIME types.
FIGURE_TYPES = {"png": "image/png", "svg": "image/svg+xml"}
#: SpliceAI's command-line options as the guide writes them ("-D", "(-M 1)"), kept on one line.
_OPTION = re.compile(r"\(?-[DM](?: [01])?\)?")

_CSS = """
@page { size: auto; margin: 10mm; }
* { box-sizing: border-box; }
body { margin: 0; background: #f3f3f3; color: #1a1a1a;
  font: 9pt/1.35 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif;
  -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.page { max-width: 186mm; margin: 6mm auto; padding: 7mm 8mm; background: white;
  box-shadow: 0 0 4px rgba(0, 0, 0, 0.2); }
.stamp { border: 2px solid #b00020; color: #b00020; font-weight: bold; text-align: center;
  letter-spacing: 0.04em; padding: 0.8mm; margin-bottom: 2mm; }
h1 { font-size: 15pt; margin: 0; }
h1 .id { font-weight: normal; color: #444; font-size: 11pt; }
h2 { font-size: 10pt; margin: 3mm 0 1mm; border-bottom: 1px solid #ccc; padding-bottom: 0.5mm; }
p { margin: 0.8mm 0; }
.sub { color: #333; }
.summary { font-size: 10pt; margin: 1mm 0 1.5mm; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #d0d0d0; padding: 0.6mm 1.6mm; text-align: left; vertical-align: top; }
th { background: #eef0f3; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.cols { display: grid; grid-template-columns: 1fr 1fr; gap: 5mm; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.4mm 2.5mm; margin: 0; }
dt { font-weight: 600; color: #333; }
dd { margin: 0; overflow-wrap: anywhere; }
.note { color: #555; font-size: 8pt; }
.warn { color: #8a4b00; }
ul.guide { margin: 0; padding-left: 4.5mm; font-size: 8.5pt; column-count: 2; column-gap: 6mm; }
ul.guide li { margin: 0 0 0.8mm; break-inside: avoid; }
.scale span, .word { display: inline-block; white-space: nowrap; padding: 0 1.5mm;
  border: 1px solid #d0d0d0; }
.scale { margin: 0.8mm 0 0; font-size: 8pt; }
.scale span { margin-right: 0.8mm; padding: 0 0.8mm; font-size: 7.5pt; }
.nw { white-space: nowrap; }
.logos { display: grid; grid-template-columns: 1fr; gap: 1mm 4mm; align-items: start; }
figure { margin: 0; }
figure img { width: 100%; height: auto; display: block; }
footer { margin-top: 3mm; padding-top: 1mm; border-top: 1px solid #ccc; font-size: 7.5pt; color: #444;
  display: flex; justify-content: space-between; gap: 4mm; }
@media screen and (max-width: 640px) {
  .cols, .logos { grid-template-columns: 1fr; }
  ul.guide { column-count: 1; }
}
@media print {
  body { background: white; font-size: 8.5pt; }
  ul.guide { font-size: 8pt; }
  h1 { font-size: 14pt; }
  h2 { margin-top: 2.2mm; }
  th, td { padding: 0.3mm 1.4mm; }
  .logos { grid-template-columns: 1fr 1fr 1fr; }
  .logos .note { grid-column: 1 / -1; }
  .page { max-width: none; margin: 0; padding: 0; box-shadow: none; }
  section, figure, table { break-inside: avoid; }
}
"""


@dataclass(frozen=True)
class ReportFigure:
    """A figure already rendered by the page (e.g. a saliency logo), to embed in a report.

    Attributes
    ----------
    caption : str
        Its alternative text (escaped); the figure carries its own title.
    data : bytes
        The rendered figure.
    fmt : str
        ``"png"`` or ``"svg"`` (a key of :data:`FIGURE_TYPES`).
    """

    caption: str
    data: bytes
    fmt: str = "png"


@dataclass(frozen=True)
class ReportContext:
    """How a variant was scored: everything a report names besides the scores and the model card.

    Attributes
    ----------
    reference : str
        The reference genome's name as the user picked it (a file name, a server genome, the demo).
    reference_origin : str
        Where it came from, e.g. ``"uploaded by the user (held in memory, not kept)"``.
    device : str
        The device that ran the model, e.g. ``"cpu"`` or ``"cuda:0"``.
    annotation : str
        SpliceAI only: the gene table, as :func:`annotation_name` gives it.
    distance : int or None
        SpliceAI only: ``-D``, nt searched on each side of the variant.
    mask : bool or None
        SpliceAI only: ``-M 1`` (masked) when true.
    created : datetime.datetime
        When the report was made (local time of the server, with its offset).
    version : str
        genodash's version.
    """

    reference: str
    reference_origin: str
    device: str = "cpu"
    annotation: str = ""
    distance: int | None = None
    mask: bool | None = None
    created: datetime = field(default_factory=lambda: datetime.now().astimezone())
    version: str = __version__


def annotation_name(source: str) -> str:
    """A gene table's name for a report: the built-in table's name, else the file name (no server path).

    Parameters
    ----------
    source : str
        :attr:`genodash.spliceai.genes.GeneTable.source`: ``"grch37"``, ``"grch38"``, a path or an
        uploaded file's name.

    Returns
    -------
    str
    """
    if source in BUILT_IN:
        return f"{source} (GENCODE V24 canonical transcripts, shipped with the spliceai package)"
    return PurePath(source.replace("\\", "/")).name or source


def hgvs_like(variant: Variant) -> str:
    """An HGVS-like genomic description, e.g. ``U01317.1:g.62388G>A``.

    Shared leading and trailing bases of REF and ALT are trimmed, then the change is
    written as a substitution, ``del``, ``ins`` or ``delins``. Indels are not shifted
    3' and duplications are written as insertions, so this is a locator, not validated HGVS.

    Parameters
    ----------
    variant : Variant

    Returns
    -------
    str
    """
    ref, alt, start = variant.ref, variant.alt, variant.pos
    while ref and alt and ref[0] == alt[0]:
        ref, alt, start = ref[1:], alt[1:], start + 1
    while ref and alt and ref[-1] == alt[-1]:
        ref, alt = ref[:-1], alt[:-1]
    end = start + len(ref) - 1
    span = f"{start}" if end <= start else f"{start}_{end}"
    if len(ref) == len(alt) == 1:
        change = f"{start}{ref}>{alt}"
    elif not alt:
        change = f"{span}del"
    elif not ref:
        change = f"{start - 1}_{start}ins{alt}"
    else:
        change = f"{span}delins{alt}"
    return f"{variant.chrom}:g.{change}"


def _e(value: object) -> str:
    """HTML-escaped text (quotes too, so it is safe inside attributes)."""
    return html.escape(str(value), quote=True)


def _dl(items: Iterable[tuple[str, str]]) -> str:
    """A definition list of already-escaped ``(term, description)`` pairs."""
    return "<dl>" + "".join(f"<dt>{term}</dt><dd>{text}</dd>" for term, text in items) + "</dl>"


# ---------------------------------------------------------------------------------- header


def _header(row: TriageRow) -> str:
    v, checked = row.entry, row.checked
    note = f' <span class="id">{_e(v.id)}</span>' if v.id not in ("", ".") else ""
    mapped = "" if checked.contig == v.chrom else f", mapped to the reference's contig {_e(checked.contig)}"
    facts = (
        f"{_e(hgvs_like(v))} &middot; {_e(v.kind)} &middot; {_e(v.source or 'typed')} &middot; "
        f"REF {_e(v.ref)} matches the reference at this position{mapped} "
        f"(contig length {checked.contig_length:,} bp)"
    )
    return (
        f'<div class="stamp">{_e(RESEARCH_STAMP)}</div><h1>{_e(v.label)}{note}</h1><p class="sub">{facts}</p>'
    )


# ---------------------------------------------------------------------------------- scores


def _styled(value: float | None) -> str:
    """A delta score cell coloured by the cut-offs (:func:`~genodash.variants.figures.threshold_colour`)."""
    if value is None:
        return '<td class="num"></td>'
    return f'<td class="num" style="{threshold_colour(float(value))}">{value:.2f}</td>'


def _spliceai_summary(row: TriageRow) -> str:
    top = best(row.splice.scores)
    name = max(SCORE_MEANINGS, key=lambda n: getattr(top, n.lower()))
    value = getattr(top, name.lower())
    offset = getattr(top, "dp" + name[2:].lower())
    v = row.entry
    if value < THRESHOLDS[0]:  # e.g. HbS: a control with no splicing effect
        return (
            f'<p class="summary">No splicing change predicted: every delta score is below {THRESHOLDS[0]} '
            f"(largest {name} {value:.2f}, {SCORE_MEANINGS[name]} in {_e(top.gene)}).</p>"
        )
    return (
        f'<p class="summary">Largest score: <b>{name} {value:.2f}</b> '
        f'<span class="word" style="{threshold_colour(float(value))}">{_e(strength(value))}</span>: '
        f"{SCORE_MEANINGS[name]} in {_e(top.gene)} at {_e(v.chrom)}:{v.pos + offset} (DP {offset:+d})</p>"
    )


def _spliceai_scores(row: TriageRow) -> str:
    table = splice_table(row.splice, row.entry)
    body = []
    for r in table.itertuples(index=False):
        value = None if r.delta is None or np.isnan(r.delta) else float(r.delta)
        offset = "" if value is None else f"{int(r.offset):+d}"
        position = "" if value is None else f"{_e(row.entry.chrom)}:{int(r.position)}"
        body.append(
            f"<tr><td>{_e(r.gene)}</td><td>{_e(r.score)}</td><td>{_e(r.meaning)}</td>{_styled(value)}"
            f'<td>{_e(r.strength)}</td><td class="num">{offset}</td><td>{position}</td></tr>'
        )
    head = "<tr><th>gene</th><th>score</th><th>meaning</th><th>delta (DS)</th><th>strength</th>"
    head += "<th>offset (DP)</th><th>position of the site</th></tr>"
    notes = "".join(f'<p class="note warn">{_e(m)}</p>' for m in row.splice.messages)
    summary = _spliceai_summary(row) if best(row.splice.scores) is not None else ""
    legend = f'<p class="scale">Strength words and colours by the cut-offs: {_scale()}</p>'
    return f"<h2>SpliceAI delta scores</h2>{summary}<table>{head}{''.join(body)}</table>{legend}{notes}"


def _zoo_scores(row: TriageRow, card: ModelCard) -> str:
    score = row.score
    padded = score.windows.padded
    note = f'<p class="note warn">{padded} N added beyond the contig end.</p>' if padded else ""
    if score.ref.ndim == 1:
        head = "<tr><th>task</th><th>REF</th><th>ALT</th><th>ALT &minus; REF</th></tr>"
        body = "".join(
            f'<tr><td>{_e(t)}</td><td class="num">{fmt(r)}</td><td class="num">{fmt(a)}</td>'
            f'<td class="num">{fmt(d)}</td></tr>'
            for t, r, a, d in zip(score.tasks, score.ref, score.alt, score.delta, strict=True)
        )
        title = f"Predictions of {_e(card.name)} ({_e(card.output_activation)} outputs)"
    else:
        head = "<tr><th>task</th><th>largest ALT &minus; REF change along the profile</th></tr>"
        body = "".join(
            f'<tr><td>{_e(t)}</td><td class="num">{fmt(s)}</td></tr>'
            for t, s in zip(score.tasks, score.summary, strict=True)
        )
        title = f"Profile changes of {_e(card.name)} ({_e(card.output_activation)} outputs)"
    return f"<h2>{title}</h2><table>{head}{body}</table>{note}"


# ---------------------------------------------------------------------------------- model, settings


def _model(card: ModelCard) -> str:
    items = [
        ("Model", f"{_e(card.name)}, version {_e(card.version)}"),
        ("Licence", _e(card.stated("license"))),
        ("Citation", _e(card.stated("citation"))),
    ]
    return f"<section><h2>Model</h2>{_dl(items)}</section>"


def _settings(card: ModelCard, context: ReportContext) -> str:
    items = [("Reference", f"{_e(context.reference)} ({_e(context.reference_origin)})")]
    if is_spliceai(card):
        mask = int(bool(context.mask))
        items += [
            ("Annotation", _e(context.annotation or "not stated")),
            ("Distance (-D)", f"{_e(context.distance)} nt searched on each side of the variant"),
            ("Mask (-M)", f"{mask}: {'masked' if mask else 'unmasked'} scores"),
        ]
    else:
        items += [("Input window", f"{card.input_length:,} bp centred on the variant, REF and ALT")]
    return f"<section><h2>Settings and reference</h2>{_dl(items)}</section>"


# ---------------------------------------------------------------------------------- reading guide


def _scale() -> str:
    """The strength words of the cut-offs, each in its colour (numbers from :data:`THRESHOLDS`)."""
    below = THRESHOLDS[0] / 2
    values = (below, *THRESHOLDS)
    return " ".join(f'<span style="{threshold_colour(v)}">{_e(strength(v))}</span>' for v in values)


def _spliceai_guide(context: ReportContext) -> list[str]:
    low, mid, high = THRESHOLDS
    masked = "masked (-M 1)" if context.mask else "unmasked (-M 0)"
    return [
        "SpliceAI gives every base near the variant a probability of being a splice <b>acceptor</b> (the "
        "first base of an exon, just after the intron's AG) or <b>donor</b> (the last base of an exon, just "
        "before the intron's GT), for REF and for ALT. <b>DS_AG / DS_AL</b>: the largest gain / loss of "
        "acceptor probability, "
        "<b>DS_DG / DS_DL</b>: the same for donors, at any base within the searched distance (-D). Each "
        "is 0 to 1; the largest of the four can be read as the probability that the variant alters splicing.",
        "<b>Offset (DP)</b>: where that gain or loss is, in nt from the variant (positive: higher reference "
        "coordinates, downstream on the reference's + strand; negative: upstream); "
        "position = variant position + DP.",
        f"<b>Cut-offs</b> characterised in the SpliceAI paper: {low} high recall (finds most splice-altering "
        f"variants, more false alarms), {mid} recommended, {high} high precision (few false alarms, misses "
        "more).",
        f"<b>Masking</b>: {_e(MASK_EXPLAINED)} This report: {masked}; a masked 0 does not mean the model saw "
        "no change.",
        "Scores can differ from SpliceAI numbers found elsewhere (precomputed files, web look-ups) when the "
        "gene annotation, -D, -M or the genome build differ; -D and -M here are the official command "
        "line's options (spliceai 1.3.1). Only SNVs and simple indels inside annotated "
        "transcripts are scored. A delta score predicts a change in splicing: it is not a pathogenicity "
        "classification and does not say how much normal transcript remains; RNA studies confirm or "
        "refute it.",
    ]


def _zoo_guide(card: ModelCard) -> list[str]:
    tasks = ", ".join(card.tasks)
    guide = [
        f"The model reads a {card.input_length:,} bp window centred on the variant and predicts "
        f"{_e(tasks)}. <b>REF</b> is its output for the reference sequence, <b>ALT</b> for the same window "
        "carrying the alternate allele.",
    ]
    if card.output_kind == "scalar":
        guide.append(
            "<b>ALT &minus; REF</b> is the change the variant makes: positive values mean the alternate "
            "allele raises the prediction, negative values that it lowers it; values near 0 mean little "
            "effect."
        )
    else:
        guide.append(
            "The model predicts a profile along the sequence; the table gives, per task, the signed "
            "ALT &minus; REF difference of largest magnitude at any aligned position."
        )
    guide.append(
        f"Outputs are {_e(card.output_activation)} values of a research model (its card, on the Models page, "
        "describes the training data and test metrics). They are not calibrated for clinical use and have no "
        "agreed cut-offs."
    )
    return guide


def _guide(card: ModelCard, context: ReportContext) -> str:
    items = _spliceai_guide(context) if is_spliceai(card) else _zoo_guide(card)
    text = "".join(f"<li>{item}</li>" for item in items)
    text = _OPTION.sub(lambda m: f'<span class="nw">{m.group(0)}</span>', text)  # no line break in "-D"
    return f'<section><h2>How to read this report</h2><ul class="guide">{text}</ul></section>'


# ---------------------------------------------------------------------------------- logos, footer


def data_uri(figure: ReportFigure) -> str:
    """The figure as a ``data:`` URI (base64), for an ``<img src=...>``.

    Raises
    ------
    InputError
        A format other than those of :data:`FIGURE_TYPES`.
    """
    check(
        figure.fmt in FIGURE_TYPES,
        f"figure format must be one of {', '.join(FIGURE_TYPES)}, got {figure.fmt!r}",
    )
    return f"data:{FIGURE_TYPES[figure.fmt]};base64,{base64.b64encode(figure.data).decode('ascii')}"


def _logos(logos: Sequence[ReportFigure], note: str) -> str:
    title = "<h2>Which bases the model reads (saliency, REF against ALT)</h2>"
    if not logos:
        return (
            f'<section>{title}<p class="note">Saliency logos were not computed for this report '
            "(compute them on the Variant page before downloading the report to include them).</p></section>"
        )
    # the page's logos carry their own titles (REF, ALT, ALT - REF); the caption is the alt text
    figures = "".join(f'<figure><img src="{data_uri(f)}" alt="{_e(f.caption)}"></figure>' for f in logos)
    how = (
        "Letter height: how much each base pushes the prediction up (above the line) or down (below); "
        "shaded: the variant."
    )
    text = f'<div class="note">{_e(note) + "<br>" if note else ""}{how}</div>'
    return f'<section>{title}<div class="logos">{figures}{text}</div></section>'


def _footer(context: ReportContext) -> str:
    when = context.created.strftime("%Y-%m-%d %H:%M %Z").strip()
    return (
        f"<footer><span>genodash {_e(context.version)} on {_e(context.device)} &middot; "
        f"generated {_e(when)}</span>"
        f"<span>{_e(RESEARCH_STAMP)}</span></footer>"
    )


# ---------------------------------------------------------------------------------- the report


def variant_report(
    row: TriageRow,
    card: ModelCard,
    context: ReportContext,
    *,
    logos: Sequence[ReportFigure] = (),
    logo_note: str = "",
) -> str:
    """A self-contained one-page HTML report of one scored variant.

    Parameters
    ----------
    row : TriageRow
        A scored row (``row.scored``): SpliceAI rows carry ``splice``, zoo models ``score``
        (REF/ALT of shape ``(T,)`` for scalar models, ``(T, L_out)`` for profile models).
    card : ModelCard
        The model that scored it (name, version, licence and citation are shown).
    context : ReportContext
        Reference, settings (SpliceAI ``-D``/``-M``), device, time and version.
    logos : sequence of ReportFigure, optional
        Saliency logos already rendered (REF, ALT, ALT - REF); none: the report says so.
    logo_note : str, optional
        What the logos explain (method, output, site).

    Returns
    -------
    str
        An HTML document with inline CSS and figures as ``data:`` URIs: no external
        resources, no JavaScript; user-supplied text escaped.

    Raises
    ------
    InputError
        ``row`` was not scored, a SpliceAI row comes without ``context.distance``, or a
        figure's format is not png/svg.
    """
    check(isinstance(row.entry, Variant) and row.scored, f"{row.label} was not scored: no report to make")
    check(
        row.splice is None or context.distance is not None,
        "a SpliceAI report needs the distance (-D) it was scored with: set ReportContext.distance",
    )
    scores = _spliceai_scores(row) if row.splice is not None else _zoo_scores(row, card)
    body = "".join(
        [
            _header(row),
            f"<section>{scores}</section>",
            f'<div class="cols">{_model(card)}{_settings(card, context)}</div>',
            _guide(card, context),
            _logos(logos, logo_note),
            _footer(context),
        ]
    )
    title = f"genodash variant report: {_e(row.entry.label)}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{_CSS}</style></head>"
        f'<body><main class="page">{body}</main></body></html>\n'
    )
