"""The Variant page's results: the triage table, one variant's scores, and its saliency."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from genodash.attribution_figures import ism_heatmap
from genodash.errors import InputError
from genodash.logos import figure_bytes, heatmap_figure, logo_figure, shared_ylim
from genodash.models import LoadedModel, ModelCard
from genodash.ui import state
from genodash.ui.errors import shown_as_message
from genodash.ui.loaders import cached_spliceai_scorer
from genodash.ui.markdown import literal
from genodash.ui.progress import progress_bar
from genodash.ui.variant_inputs import ReferenceChoice
from genodash.variants.checking import check_variant
from genodash.variants.figures import (
    clickable,
    prediction_bars,
    prediction_table,
    profile_overlay,
    splice_table,
    splice_tracks_figure,
    threshold_colour,
)
from genodash.variants.record import Rejection
from genodash.variants.report import ReportContext, ReportFigure, annotation_name, variant_report
from genodash.variants.saliency import VariantSaliency, explain_variant, substitution
from genodash.variants.scoring import score_one
from genodash.variants.splicing import (
    MASK_EXPLAINED,
    SCORE_NAMES,
    THRESHOLDS,
    best,
    is_spliceai,
    score_splicing,
    splice_tracks,
)
from genodash.variants.triage import (
    TriageRow,
    VcfInput,
    reason_counts,
    reason_text,
    triage_table,
    triage_vcf,
)
from genodash.variants.windows import build_windows

#: Methods offered for variant saliency (fast enough to run on a click).
SALIENCY_METHODS = ("saliency", "input_x_gradient", "integrated_gradients", "deep_lift_shap")
#: What a score cell shows for an entry that was not scored (Streamlit would show "None").
NOT_SCORED = "–"
#: Up to this many variants not scored, the summary above the table says why for each.
FEW_DETAILS = 3
#: Bases beyond an explained splice site that SpliceAI's logos also show.
SITE_MARGIN = 8
#: Most bases shown on each side of a variant in SpliceAI's logos (wider logos are unreadable).
MAX_LOGO_FLANK = 100
#: Most variants listed in the "why not scored" list (the table and its TSV hold them all).
MAX_LISTED = 100


@dataclass
class VariantRun:
    """One press of Run: the rows, their table, and what is needed to re-score a what-if."""

    card: ModelCard
    reference: ReferenceChoice
    rows: list[TriageRow]
    table: pd.DataFrame
    genes: object = None
    distance: int = 50
    mask: bool = False
    #: the input VCF's header lines and records (``None`` for typed variants), for the annotated VCF
    vcf: VcfInput | None = None
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def model_name(self) -> str:
        """The model that scored the run (what ``state.stored_result`` compares)."""
        return self.card.name


def _device(loaded: LoadedModel) -> str:
    return str(loaded.device)


def triage_styled(table: pd.DataFrame):
    """The triage table as the page shows it: SpliceAI scores coloured by cut-off, "–" where not scored.

    Streamlit shows a missing number as "None" whatever the Styler says, so when some
    rows were not scored their number columns are shown as text (scores with two
    decimals, which still sort right; offsets signed) and :data:`NOT_SCORED` for the
    missing ones. The TSV download keeps the numbers.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`genodash.variants.triage.triage_table` (any subset of its rows).

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    numbers = [c for c in table.columns if c != "row" and pd.api.types.is_numeric_dtype(table[c])]
    scores = [c for c in ("DS_AG", "DS_AL", "DS_DG", "DS_DL", "max DS") if c in table.columns]
    colours = pd.DataFrame("", index=table.index, columns=table.columns)
    for column in scores:
        colours[column] = table[column].map(threshold_colour)
    shown = table
    if table[numbers].isna().any().any():
        shown = table.copy()
        for column in numbers:
            if column.startswith("DP_"):
                text = [NOT_SCORED if pd.isna(v) else f"{int(v):+d}" for v in table[column]]
            elif column in scores:
                text = [NOT_SCORED if pd.isna(v) else f"{v:.2f}" for v in table[column]]
            else:
                text = [NOT_SCORED if pd.isna(v) else f"{v:.3g}" for v in table[column]]
            shown[column] = text
    styled = shown.style.apply(lambda _: colours, axis=None)
    return styled if shown is not table else styled.format(precision=2, subset=scores)


def triage_column_order(table: pd.DataFrame) -> list[str]:
    """The triage table's columns for the page: variant and scores first, why-not and origin after.

    ``reason`` and ``detail`` are left out when every row shown was scored (they would be empty).
    """
    last = ["status", "reason", "detail", "kind", "source"]
    empty = {"reason", "detail"} if (table["status"] == "scored").all() else set()
    first = [c for c in table.columns if c not in last]
    return first + [c for c in last if c in table.columns and c not in empty]


def follow_table_click(
    last_click: int | None, clicked: int | None, pick: int | None
) -> tuple[int | None, int | None]:
    """The variant to inspect after a rerun, given the table's selected row.

    A table keeps its selected row across reruns, so the row only decides when it is a
    new click; otherwise the "Inspect variant" picker's own choice stands.

    Parameters
    ----------
    last_click : int or None
        The table row (0-based variant index) acted on at an earlier rerun.
    clicked : int or None
        The row selected in the table now.
    pick : int or None
        The variant the picker shows now.

    Returns
    -------
    tuple
        ``(last_click, pick)`` to keep for the next rerun.
    """
    if clicked is not None and clicked != last_click:
        return clicked, clicked
    return clicked, pick


def show_triage(run: VariantRun) -> int | None:
    """The table of all entries, filterable and sortable; return the row index picked for detail."""
    counts = reason_counts(run.rows)
    scored = len(run.rows) - sum(counts.values())
    st.subheader("All variants")
    summary = f"{scored:,} of {len(run.rows):,} scored"
    if counts:
        summary += "; not scored: " + ", ".join(f"{n} {reason_text(r)}" for r, n in counts.items())
    unscored = run.table[run.table["status"] != "scored"]
    if 0 < len(unscored) <= FEW_DETAILS:  # few: say exactly why here, not only in the wide table
        summary += ". " + " ".join(f"Row {r.row}: {r.detail.rstrip('.')}." for r in unscored.itertuples())
    st.caption(literal(summary))  # reason texts hold '*'; details hold what the user typed
    if len(unscored) > FEW_DETAILS:  # many: a list to open, as the detail column is far to the right
        with st.expander(f"Why {len(unscored):,} variants were not scored"):
            listed = unscored.head(MAX_LISTED).itertuples()
            lines = [f"- Row {r.row}, {literal(str(r.variant))}: {literal(str(r.detail))}" for r in listed]
            if (more := len(unscored) - MAX_LISTED) > 0:
                lines.append(f"\n...and {more:,} more: see the table and its TSV.")
            st.markdown("\n".join(lines))
    c1, c2 = st.columns([1, 2])
    status = c1.multiselect("Show", ["scored", "not scored"], default=["scored", "not scored"])
    query = c2.text_input("Filter (variant, ID, reason)", placeholder="e.g. IVS1 or ref_mismatch")
    table = run.table[run.table["status"].isin(status)]
    if query:
        text = table[["variant", "ID", "reason", "detail"]].astype(str).agg(" ".join, axis=1)
        table = table[text.str.contains(query, case=False, regex=False)]
    event = st.dataframe(
        triage_styled(table),
        hide_index=True,
        column_order=triage_column_order(table),
        column_config={
            "row": st.column_config.NumberColumn(width=40),
            "variant": st.column_config.TextColumn(width="medium"),
            "reason": st.column_config.TextColumn(width="medium"),
            "detail": st.column_config.TextColumn(width="large"),
        },
        on_select="rerun",
        selection_mode="single-row",
        # a new table (no row ticked) after the picker chose another variant: one click on any row then
        # switches to it, also on the row that was ticked before
        key=f"triage_{run.run_id}_{st.session_state.get(state.VARIANT_TABLE_GENERATION, 0)}",
    )
    picked_rows = event.selection.rows if event is not None else []
    clicked = int(table.iloc[picked_rows[0]]["row"]) - 1 if picked_rows else None
    last_click, pick = follow_table_click(
        st.session_state.get(state.VARIANT_TABLE_CLICK), clicked, st.session_state.get(state.VARIANT_PICK)
    )
    st.session_state[state.VARIANT_TABLE_CLICK] = last_click
    if pick != st.session_state.get(state.VARIANT_PICK):
        st.session_state[state.VARIANT_PICK] = pick
        st.session_state.pop(state.VARIANT_WHAT_IF, None)
    c1, c2 = st.columns(2)
    c1.download_button(
        "Table (TSV)",
        run.table.to_csv(sep="\t", index=False).encode(),
        file_name=state.download_name("variants", "tsv"),
        mime="text/tab-separated-values",
        on_click="ignore",
    )
    c2.download_button(
        "Annotated VCF (sites only)",
        lambda: triage_vcf(run.rows, run.card, run.vcf).encode(),
        file_name=state.download_name("variants", "vcf"),
        mime="text/vcf",
        help="As genodash score writes it: GENODASH=TASK|REF|ALT|DELTA (SpliceAI: the official "
        "SpliceAI= field), GENODASH_FILTER=<reason> for variants not scored; an uploaded VCF keeps its "
        "header lines, IDs and INFO; no genotype columns.",
        on_click="ignore",
    )
    candidates = [i for i, row in enumerate(run.rows) if row.scored]
    if not candidates:
        st.info("No variant could be scored; the table says why for each one.")
        return None
    if st.session_state.get(state.VARIANT_PICK) not in candidates:
        st.session_state[state.VARIANT_PICK] = candidates[0]
    return st.selectbox(
        "Inspect variant (or click a row of the table)",
        candidates,
        format_func=lambda i: (
            f"{i + 1}. {run.rows[i].label}"
            + (f" ({run.rows[i].entry.id})" if run.rows[i].entry.id not in ("", ".") else "")
        ),
        key=state.VARIANT_PICK,
        on_change=_picked_in_the_picker,
    )


def _picked_in_the_picker() -> None:
    """The picker chose a variant: drop the what-if, and untick the table's row (see :func:`show_triage`).

    The new table has no row ticked, so the next rerun records no click
    (:func:`follow_table_click`) and one click on any row switches to it.
    """
    st.session_state.pop(state.VARIANT_WHAT_IF, None)
    st.session_state[state.VARIANT_TABLE_GENERATION] = (
        st.session_state.get(state.VARIANT_TABLE_GENERATION, 0) + 1
    )


def _score_what_if(loaded: LoadedModel, run: VariantRun, row: TriageRow, position: int, base: str) -> None:
    """Score the substitution ``position``>``base`` near ``row`` and show it instead."""
    windows = row.score.windows if row.score is not None else None
    with run.reference.open() as genome:
        if windows is None:
            windows = build_windows(row.checked, genome, 2 * position_context(loaded) + 1)
        variant = substitution(windows, position, base)
        checked = check_variant(variant, genome)
        if isinstance(checked, Rejection):
            raise InputError(checked.message)
        if is_spliceai(loaded.card):
            scorer = cached_spliceai_scorer(_device(loaded), loaded)
            result = score_splicing(
                scorer, [checked], genome, run.genes, distance=run.distance, mask=run.mask
            )[0]
            new = TriageRow(variant, checked, None, None, result)
        else:
            new = TriageRow(variant, checked, None, score_one(loaded, checked, genome))
    st.session_state[state.VARIANT_WHAT_IF] = new


def position_context(loaded: LoadedModel) -> int:
    """Bases on each side of a variant that the model's input window holds."""
    return loaded.card.input_length // 2


def show_scores(loaded: LoadedModel, run: VariantRun, row: TriageRow) -> None:
    """REF, ALT and their difference for one variant."""
    card = loaded.card
    variant = row.entry
    st.subheader(f"{variant.label}" + (f" ({variant.id})" if variant.id not in ("", ".") else ""))
    st.caption(f"{variant.kind}, {variant.source}; REF checked against {run.reference.label}.")
    if row.splice is not None:
        for message in row.splice.messages:
            st.warning(message)
        table = splice_table(row.splice, variant)
        st.markdown(
            "**SpliceAI delta scores** (0 to 1: the largest change in the probability of a splice "
            "site within the searched window; 0.2 moderate, 0.5 high, 0.8 very high)"
        )
        st.dataframe(
            table.style.map(threshold_colour, subset=["delta"]).format(precision=2, na_rep=NOT_SCORED),
            hide_index=True,
        )
        st.caption(
            f"Searched {run.distance} nt on each side; {'masked' if run.mask else 'unmasked'} scores. "
            + MASK_EXPLAINED
        )
        st.download_button(
            "Scores (TSV)",
            table.to_csv(sep="\t", index=False).encode(),
            file_name=state.download_name(f"spliceai_{variant.pos}", "tsv"),
            mime="text/tab-separated-values",
            on_click="ignore",
        )
        _splice_tracks(loaded, run, row)
        return
    score = row.score
    if card.output_kind == "profile" and score.output_alignment is not None:
        task = st.selectbox("Task", range(len(card.tasks)), format_func=lambda t: card.tasks[t])
        fig = profile_overlay(score, task)
        st.plotly_chart(fig)
        _figure_downloads(fig, f"profile_{variant.pos}")
        return
    table = prediction_table(score)
    st.dataframe(table, hide_index=True)
    st.download_button(
        "Predictions (TSV)",
        table.to_csv(sep="\t", index=False).encode(),
        file_name=state.download_name(f"prediction_{variant.pos}", "tsv"),
        mime="text/tab-separated-values",
        on_click="ignore",
    )
    fig = prediction_bars(score, f"{card.output_activation} output")
    st.plotly_chart(fig)
    _figure_downloads(fig, f"prediction_{variant.pos}")


def _figure_downloads(fig, stem: str) -> None:
    """An interactive HTML download of a plotly figure (plotly's own toolbar saves PNG).

    Self-contained (plotly.js inside, about 5 MB, made on click): it opens offline, e.g. on
    a hospital network.
    """
    st.download_button(
        "Figure (HTML)",
        lambda: fig.to_html(include_plotlyjs=True).encode(),
        file_name=state.download_name(stem, "html"),
        mime="text/html",
        key=f"html_{stem}",
        on_click="ignore",
    )


def _cache() -> dict:
    return st.session_state.setdefault(state.VARIANT_SALIENCY, {})


def _splice_tracks(loaded: LoadedModel, run: VariantRun, row: TriageRow) -> None:
    key = ("tracks", run.run_id, row.label)
    cache = _cache()
    if key not in cache:
        with st.spinner("Predicting the splice-site tracks..."):
            with run.reference.open() as genome:
                scorer = cached_spliceai_scorer(_device(loaded), loaded)
                cache[key] = splice_tracks(scorer, row.checked, genome, run.genes, distance=run.distance)
    for tracks in cache[key]:
        fig = splice_tracks_figure(tracks, row.entry)
        st.plotly_chart(fig)
        _figure_downloads(fig, f"spliceai_tracks_{tracks.gene}_{row.entry.pos}")


def _spliceai_target(run: VariantRun, row: TriageRow) -> tuple[str, int]:
    """The task and offset (DP) of the largest SpliceAI delta score."""
    top = best(row.splice.scores)
    names = ("ds_ag", "ds_al", "ds_dg", "ds_dl")
    name = max(names, key=lambda n: getattr(top, n))
    return ("acceptor" if name in ("ds_ag", "ds_al") else "donor"), getattr(top, "dp" + name[2:])


def spliceai_logo_reading(row: TriageRow, task: str, offset: int) -> str | None:
    """What to expect of SpliceAI's REF and ALT logos at ``task`` / ``offset`` before reading them.

    Returns
    -------
    str or None
        A plain-language note when every delta score is below the lowest cut-off (the
        logos show what the model reads there, not an effect), or when the explained
        site is the largest gain (REF has little probability there to explain) or loss
        (ALT has little left).
    """
    top = best(row.splice.scores)
    scores = {name: getattr(top, name.lower()) for name in SCORE_NAMES}
    if max(scores.values()) < THRESHOLDS[0]:
        return (
            f"Every delta score of this variant is below {THRESHOLDS[0]} (largest "
            f"{max(scores.values()):.2f}): the logos show what SpliceAI reads at this site, not a change "
            "the variant makes, so expect REF and ALT to look alike."
        )
    gain = "DS_AG" if task == "acceptor" else "DS_DG"
    if scores[gain] >= THRESHOLDS[0] and getattr(top, "dp" + gain[2:].lower()) == offset:
        return (
            f"This is the gained {task} ({gain} {scores[gain]:.2f}): REF has little {task} probability "
            "here, so its logo is nearly flat; the ALT logo shows what the model reads at the new site."
        )
    loss = "DS_AL" if task == "acceptor" else "DS_DL"
    if scores[loss] >= THRESHOLDS[0] and getattr(top, "dp" + loss[2:].lower()) == offset:
        return (
            f"This is the lost {task} ({loss} {scores[loss]:.2f}): ALT has little {task} probability left "
            "here, so its logo is nearly flat; the REF logo shows what the model read at the site the "
            "variant destroys."
        )
    return None


def spliceai_logo_flank(offset: int) -> int:
    """Bases shown on each side of a variant in SpliceAI's logos: 30, or enough to hold the site.

    Parameters
    ----------
    offset : int
        The explained splice site's offset from the variant (DP).

    Returns
    -------
    int
        At least 30; up to :data:`MAX_LOGO_FLANK`, so that the site and :data:`SITE_MARGIN`
        bases beyond it (its AG or GT and their neighbours) are on the logos.
    """
    return min(max(30, abs(int(offset)) + SITE_MARGIN), MAX_LOGO_FLANK)


def show_saliency(loaded: LoadedModel, run: VariantRun, row: TriageRow) -> tuple | None:
    """REF, ALT and ALT - REF logos on one axis, and the ISM heatmap with what-if editing.

    Returns
    -------
    tuple or None
        The cache key of the saliency on screen (its logos are at ``(*key, "REF")`` ...),
        ``None`` when none was computed.
    """
    card = loaded.card
    spliceai = is_spliceai(card)
    st.subheader("Which bases the model reads: REF against ALT")
    if spliceai and (row.splice is None or best(row.splice.scores) is None):
        st.info("SpliceAI gave this variant no delta score (see above): no splice site to explain.")
        return None
    c1, c2, c3 = st.columns(3)
    method = c1.selectbox("Method", SALIENCY_METHODS, help="Attribution x input (projected), per base.")
    if spliceai:
        task, offset = _spliceai_target(run, row)
        tasks = ["acceptor", "donor"]
        task = c2.selectbox("Output", tasks, index=tasks.index(task))
        offset = c3.number_input(
            "Site (offset from the variant, DP)", -run.distance, run.distance, int(offset)
        )
        st.caption(
            f"Explains SpliceAI's {task} probability at position {row.entry.pos + offset:,} "
            f"(offset {offset:+d}); each run takes about 20 s on a CPU."
        )
        reading = spliceai_logo_reading(row, task, offset)
        if reading:
            st.caption(reading)
        flank, ism_flank = spliceai_logo_flank(offset), 5
        if abs(offset) + SITE_MARGIN > flank:
            st.caption(
                f"The site is {abs(offset)} nt from the variant, beyond the {flank} bases the logos show on "
                "each side: they show what the model reads around the variant."
            )
    else:
        task = c2.selectbox("Output", card.tasks)
        offset = None
        flank = c3.slider("Bases shown on each side", 10, 100, 30)
        ism_flank = 10
    key = ("saliency", run.run_id, row.label, method, task, offset, flank)
    cache = _cache()
    if key not in cache:
        button = st.empty()  # gone once the saliency is computed
        if spliceai and not button.button("Compute saliency", type="primary"):
            st.info("Press Compute saliency to explain REF and ALT (SpliceAI reads 10 kb per allele).")
            return None
        with shown_as_message("explaining the variant"):
            with progress_bar(f"Explaining REF and ALT with {method}") as report:
                cache[key] = _explain(loaded, run, row, method, task, offset, flank, ism_flank, report)
        if key in cache:
            button.empty()
    saliency: VariantSaliency | None = cache.get(key)
    if saliency is None:
        return None
    for warning in saliency.warnings:
        st.warning(f"**{method}**: {warning}")
    _logos(saliency, row, key)
    _heatmap(loaded, run, row, saliency)
    return key


def show_variant(loaded: LoadedModel, run: VariantRun, row: TriageRow) -> None:
    """One variant in detail: scores, the report download (with the logos once computed), saliency."""
    show_scores(loaded, run, row)
    slot = st.container()
    key = show_saliency(loaded, run, row)
    with slot:
        show_report_download(loaded, run, row, key)


def show_report_download(loaded: LoadedModel, run: VariantRun, row: TriageRow, key: tuple | None) -> None:
    """The one-page HTML report of ``row`` (made on click), with the logos of saliency ``key`` if computed."""
    if not row.scored:
        return
    logos, note = _report_logos(run, row, key)
    context = {
        "reference": run.reference.label,
        "reference_origin": run.reference.origin,
        "device": _device(loaded),
        "annotation": annotation_name(run.genes.source) if run.genes is not None else "",
        "distance": run.distance if run.genes is not None else None,
        "mask": run.mask if run.genes is not None else None,
    }
    card = loaded.card
    c1, c2 = st.columns([1, 3], vertical_alignment="center")
    c1.download_button(
        "Download report (HTML)",
        # made on click (the time stamp is the click's); no session state is read in there
        lambda: variant_report(row, card, ReportContext(**context), logos=logos, logo_note=note).encode(),
        file_name=state.download_name(f"report_{row.entry.pos}", "html"),
        mime="text/html",
        key="variant_report",
        on_click="ignore",
    )
    with_logos = (
        "with the saliency logos shown below." if logos else "compute the saliency below to add its logos."
    )
    c2.caption(
        "One printable page for the record (open it in a browser, print or save as PDF): scores, model, "
        f"licence, settings, reference and a reading guide, stamped research use only; {with_logos}"
    )


def _report_logos(run: VariantRun, row: TriageRow, key: tuple | None) -> tuple[list[ReportFigure], str]:
    """The logos on screen (PNG, as shown) and what they explain; none when not computed."""
    cache = _cache()
    saliency = cache.get(key) if key is not None else None
    if saliency is None:
        return [], ""
    figures = [ReportFigure(which, cache[(*key, which)]) for which in ("REF", "ALT", "ALT - REF")]
    _, _, _, _method, task, offset, _flank = key  # as show_saliency builds it
    where = f" at {row.entry.chrom}:{row.entry.pos + offset} (DP {offset:+d})" if offset is not None else ""
    note = (
        f"Method {saliency.method}: attributions of the {saliency.target} output{where}, REF and ALT aligned."
    )
    spliced = offset is not None and row.splice is not None
    if spliced and (reading := spliceai_logo_reading(row, task, offset)):
        note += " " + reading  # e.g. why one of the logos is nearly flat
    return figures, note


def _explain(loaded, run, row, method, task, offset, flank, ism_flank, report) -> VariantSaliency:
    if is_spliceai(loaded.card):
        from genodash.spliceai.model import FLANK

        length = 2 * FLANK + 2 * run.distance + 1
        with run.reference.open() as genome:
            windows = build_windows(row.checked, genome, length)
        index = row.entry.start + offset - windows.window_start - FLANK
        return explain_variant(
            loaded, windows, method=method, target=task, flank=flank, ism_flank=ism_flank,
            output_window=(index, index + 1), ism_batch_size=8, progress=report,
        )  # fmt: skip
    return explain_variant(
        loaded,
        row.score.windows,
        method=method,
        target=task,
        flank=flank,
        ism_flank=ism_flank,
        progress=report,
    )


def _logo_bytes(saliency: VariantSaliency, which: str, fmt: str, ylim) -> bytes:
    matrix = {"REF": saliency.ref, "ALT": saliency.alt, "ALT - REF": saliency.diff}[which]
    lo, hi = saliency.variant_columns
    fig = logo_figure(
        matrix,
        labels=saliency.alignment.labels,
        highlight=(lo + 1, hi) if hi > lo else None,
        title=f"{which}: {saliency.method}, {saliency.target}",
        ylim=ylim,
    )
    return figure_bytes(fig, fmt)


def _logos(saliency: VariantSaliency, row: TriageRow, key: tuple) -> None:
    ylim = shared_ylim(saliency.ref, saliency.alt)
    cache = _cache()
    for which in ("REF", "ALT", "ALT - REF"):
        png_key = (*key, which)
        if png_key not in cache:
            cache[png_key] = _logo_bytes(saliency, which, "png", ylim if which != "ALT - REF" else None)
        st.image(cache[png_key], caption=f"{which} logo around {row.label} (variant shaded)")
        c1, c2 = st.columns(2)
        for col, fmt in ((c1, "png"), (c2, "svg")):
            col.download_button(
                f"{which} logo ({fmt.upper()})",
                lambda which=which, fmt=fmt: _logo_bytes(saliency, which, fmt, ylim),
                file_name=state.download_name(f"logo_{which.replace(' - ', '_minus_')}_{row.entry.pos}", fmt),
                mime=f"image/{fmt}",
                key=f"dl_{which}_{fmt}",
                on_click="ignore",
            )
    aligned = pd.DataFrame(
        {
            "column": saliency.alignment.labels,
            **{f"REF {b}": saliency.ref[i] for i, b in enumerate("ACGT")},
            **{f"ALT {b}": saliency.alt[i] for i, b in enumerate("ACGT")},
        }
    )
    st.download_button(
        "Aligned attributions (TSV)",
        aligned.to_csv(sep="\t", index=False).encode(),
        file_name=state.download_name(f"variant_attributions_{row.entry.pos}", "tsv"),
        mime="text/tab-separated-values",
        on_click="ignore",
    )


def _heatmap(loaded: LoadedModel, run: VariantRun, row: TriageRow, saliency: VariantSaliency) -> None:
    st.markdown(
        f"**In-silico mutagenesis around the variant** (effect of every substitution of the REF "
        f"sequence on {saliency.target}; pick a cell to make it the variant)"
    )
    first = saliency.ism_first_position
    width = saliency.ism.shape[1]
    fig = ism_heatmap(saliency.ism, saliency.ism_sequence, first, title="ISM: effect of every substitution")
    fig = clickable(fig, first, saliency.ism_sequence)
    event = st.plotly_chart(
        fig, on_select="rerun", selection_mode="points", key=f"ism_{run.run_id}_{row.label}"
    )
    points = event.selection.points if event is not None and event.selection else []
    # The pickers show the last pick (a click or their own change), also after the what-if was
    # shown and they were not drawn (Streamlit then forgets a widget's state): it is kept in
    # its own key, and a click draws them anew (a new widget key) at the clicked cell.
    pick_key = f"variant_pick_{run.run_id}_{row.label}"
    positions = list(range(first, first + width))
    if pick_key not in st.session_state:  # the middle column, and a base that changes it
        there = saliency.ism_sequence[width // 2].upper()
        st.session_state[pick_key] = {
            "position": first + width // 2, "base": next(b for b in "ACGT" if b != there), "version": 0
        }  # fmt: skip
    pick = st.session_state[pick_key]
    clicked = False
    if points and "x" in points[0] and "y" in points[0]:
        click = (int(points[0]["x"]), str(points[0]["y"]))
        if click != st.session_state.get("variant_last_click"):
            st.session_state["variant_last_click"] = click
            pick = {"position": click[0], "base": click[1], "version": pick["version"] + 1}
            clicked = True
    c1, c2, c3 = st.columns([2, 1, 1])
    version = f"{run.run_id}_{row.label}_{pick['version']}"
    position = c1.selectbox(
        "What-if: position", positions,
        index=positions.index(pick["position"]) if pick["position"] in positions else width // 2,
        format_func=lambda p: f"{p:,}", key=f"what_if_position_{version}",
    )  # fmt: skip
    base = c2.selectbox(
        "New base", list("ACGT"), index="ACGT".index(pick["base"]), key=f"what_if_base_{version}"
    )
    st.session_state[pick_key] = {**pick, "position": position, "base": base}
    clicked = c3.button("Score this substitution") or clicked
    observed = saliency.ism_sequence[position - first].upper()
    if clicked and base == observed:
        st.info(
            f"{position:,} is {observed} in the reference already (the dotted cells): pick one of the "
            "other three bases."
        )
    elif clicked:
        with shown_as_message(f"scoring the substitution at {position:,}"):
            _score_what_if(loaded, run, row, position, base)
            st.rerun()
    c1, c2 = st.columns(2)
    for col, fmt in ((c1, "png"), (c2, "svg")):
        col.download_button(
            f"ISM heatmap ({fmt.upper()})",
            lambda fmt=fmt: figure_bytes(
                heatmap_figure(saliency.ism, first_position=first, title="ISM"), fmt
            ),
            file_name=state.download_name(f"variant_ism_{row.entry.pos}", fmt),
            mime=f"image/{fmt}",
            key=f"ism_{fmt}",
            on_click="ignore",
        )


def run_variants(
    loaded: LoadedModel,
    reference: ReferenceChoice,
    source,
    *,
    genes=None,
    distance: int = 50,
    mask: bool = False,
    progress=None,
) -> VariantRun:
    """Parse, check and score everything the user gave (the Run button)."""
    from genodash.variants.triage import MAX_PAGE_VARIANTS, check_entries, score_rows

    entries, vcf = source.read(MAX_PAGE_VARIANTS)
    if not entries:
        raise InputError(f"no variants in {source.label} (only blank or # lines)")
    card = loaded.card
    spliceai = is_spliceai(card)
    scorer = cached_spliceai_scorer(_device(loaded), loaded) if spliceai else None
    with reference.open() as genome:
        rows = check_entries(entries, genome, None if spliceai else card.input_length)
        rows = score_rows(
            rows, loaded, genome, genes=genes, scorer=scorer, distance=distance, mask=mask, progress=progress
        )
    table = triage_table(rows, card.tasks, spliceai)
    return VariantRun(card, reference, rows, table, genes, distance, mask, vcf)
