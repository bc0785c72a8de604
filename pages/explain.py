"""Explain: attribution logos, tracks, ISM heatmaps and method agreement for chosen sequences."""

import streamlit as st

from genodash.attribution import BASELINES, METHODS
from genodash.attribution_figures import ism_heatmap, track_figure
from genodash.explanations import (
    AGREEMENT_GUIDE,
    MAX_SEQUENCES,
    default_methods,
    explain_records,
    first_informative_task,
    ig_not_preselected_note,
    results_not_in,
    slow_passes,
    time_estimate_note,
)
from genodash.models import example_fasta
from genodash.ui import state
from genodash.ui.errors import shown_as_message
from genodash.ui.explain_choice import pick_labels, prepare_choice
from genodash.ui.markdown import short_label
from genodash.ui.navigation import require_app_shell
from genodash.ui.progress import progress_bar
from genodash.ui.render_cache import heatmap_file, logo_file, logo_png
from genodash.ui.sequence_input import sequence_input
from genodash.ui.sidebar import require_model
from genodash.ui.what_if_panel import what_if_panel
from genodash.variants.figures import clickable

require_app_shell()
st.title("Explain")
loaded = require_model()
card = loaded.card
st.caption(
    "Which bases does the model read? Attributions explain the model's raw output (logit) for the "
    "chosen task; ISM scores every single-base substitution."
)

predicted = st.session_state.get(state.PREDICT_RESULT)
sources = ["New sequences"]
if predicted is not None and predicted.model_name == card.name:
    sources.insert(0, f"Sequences from Predict ({len(predicted.records)})")
choice = st.radio("Sequences", sources, horizontal=True, key=state.EXPLAIN_SOURCE)
records, unreadable = [], None  # unreadable: where the sequences are that could not be read
if choice.startswith("Sequences from Predict"):
    records = list(predicted.records)
else:
    source = sequence_input(state.EXPLAIN_TEXT, state.EXPLAIN_UPLOAD, example_fasta(card.name))
    if source is not None:
        unreadable = source.label
        with shown_as_message(f"with the sequences in {source.label}"):
            records = source.records()
            unreadable = None

names = [f"{i + 1}. {r.name}" for i, r in enumerate(records)]
left, right = st.columns(2)
prepare_choice(names, records)
n_chosen = len(st.session_state[state.EXPLAIN_CHOSEN])  # in the label: the chips may scroll out of view
chosen = left.multiselect(
    f"Sequences to explain ({n_chosen} chosen, up to {MAX_SEQUENCES})", names, key=state.EXPLAIN_CHOSEN,
    max_selections=MAX_SEQUENCES, format_func=short_label,  # long FASTA names: chips stay one line
)  # fmt: skip
task = right.selectbox("Output to explain", card.tasks, index=first_informative_task(card.tasks))
if choice.startswith("Sequences from Predict") and len(records) > 1:
    k = min(MAX_SEQUENCES, len(records))
    left.button(
        f"Choose the {k} highest for {task}", on_click=pick_labels,
        args=([names[i] for i in predicted.highest(task, k)],),
        help=f"The {k} sequences with the highest {task} prediction on the Predict page, highest first.",
    )  # fmt: skip
window = None
if card.output_kind == "profile":
    out_len = card.input_length - 2 * card.flank
    lo, hi = st.slider(
        "Output positions summed (profile model)", 1, out_len, (1, out_len),
        help=f"Output position 1 is input position {card.flank + 1:,}: {card.name} reads {card.flank:,} "
        f"nt on each side of its {out_len:,} outputs (of a longer sequence, the middle "
        f"{card.input_length:,} nt).",
    )  # fmt: skip
    window = (lo - 1, hi)
with st.spinner(f"Timing one pass of {card.name} to estimate costs (once)"):
    defaults = default_methods(loaded)
methods = st.multiselect(
    "Methods", list(METHODS), default=defaults, help="Pick two or more to see how much they agree.",
)  # fmt: skip
if "ism" not in defaults:
    st.caption(
        f"ISM is not preselected: {card.name} has no fast windowed path, so one sequence would need "
        f"{slow_passes(loaded, 'ism'):,} full passes. The Variant page runs ISM around a variant."
    )
if "integrated_gradients" not in defaults:
    st.caption(ig_not_preselected_note(loaded))
with st.expander("Settings"):
    c1, c2, c3 = st.columns(3)
    baseline = c1.selectbox(
        "Reference", BASELINES, help="For integrated gradients, DeepLIFT, DeepLiftShap, GradientShap."
    )
    n_baselines = c2.slider("References per sequence (shuffles)", 1, 30, 10)
    n_steps = c3.slider("Integration steps", 10, 200, 50)
    correction = st.toggle(
        "Gradient correction", help="Subtract the per-position mean over A, C, G, T (Majdandzic et al. 2023)."
    )
    seed = st.number_input("Seed", 0, 2**31 - 1, 0)

if note := time_estimate_note(
    loaded, methods, len(chosen) or 1, baseline=baseline, n_baselines=n_baselines, n_steps=n_steps
):
    st.caption(note)

failed = False
if st.button("Run", type="primary"):
    picked = [records[names.index(n)] for n in chosen]
    if not picked:
        failed = True
        if unreadable is not None:
            st.warning(f"Nothing to explain yet: fix {unreadable} first (the red message above says where).")
        else:
            st.warning("Choose at least one sequence (paste some, or press Load example).")
    else:
        st.session_state.pop(state.EXPLAIN_RESULT, None)
        failed = True
        with shown_as_message("explaining the sequences"):
            with progress_bar(
                f"Explaining {len(picked)} sequence(s) with {len(methods)} method(s)"
            ) as report:
                st.session_state[state.EXPLAIN_RESULT] = explain_records(
                    loaded, picked, methods=methods, target=task, window=window, baseline=baseline,
                    n_baselines=n_baselines, gradient_correction=correction, seed=int(seed),
                    n_steps=n_steps, progress=report,
                )  # fmt: skip
            failed = False

if failed:
    st.stop()  # the message above says what to change; the empty-state hint would contradict it

if unreadable is not None and state.EXPLAIN_RESULT not in st.session_state:
    st.stop()  # the red message says what to fix; "choose sequences" would talk past it
result = state.stored_result(state.EXPLAIN_RESULT, "Choose sequences and methods, then press Run.", card.name)

st.subheader(f"Why {result.model_name} predicts {result.target}")
if missing := results_not_in(result, records):
    which = (
        "its sequences are"
        if missing == len(result.records)
        else f"{missing} of its {len(result.records)} sequences are"
    )
    st.info(
        f"These results are from the last Run: {which} no longer among those above. Press Run to explain "
        "the ones chosen now."
    )
view, compare = 0, None
if len(result.records) > 1:
    c1, c2 = st.columns(2)
    view = c1.selectbox(
        "Show sequence", range(len(result.records)), format_func=lambda i: result.records[i].name
    )
    others = [i for i in range(len(result.records)) if i != view]
    compare = c2.selectbox(
        "Compare its logos with", [None, *others], index=1 if len(others) == 1 else 0,
        format_func=lambda i: "(no other sequence)" if i is None else result.records[i].name,
        help="The other sequence's logos, same window, drawn below each one on the same scale.",
    )  # fmt: skip
fitted = result.fitted[view]
if fitted.action != "kept":
    st.info(
        f"This sequence has {fitted.original_length:,} nt and was {fitted.action} to "
        f"{len(fitted.sequence):,} nt; positions below are in your sequence's coordinates."
    )
for method, attribution in result.attributions.items():
    for warning in attribution.warnings:
        st.warning(f"**{method}**: {warning}")
if (agreement := result.agreement_table(view)) is not None:
    st.markdown(f"**How much the methods agree** on {result.records[view].name} (per-position importance, "
                "by magnitude)")  # fmt: skip
    two_decimals = st.column_config.NumberColumn(format="%.2f")
    st.dataframe(agreement, hide_index=True, column_config=dict.fromkeys(agreement.columns[2:], two_decimals))
    st.caption(AGREEMENT_GUIDE)
for message in result.ism_disagreement_messages():
    st.warning(message)
correction_note = result.gradient_correction_note()
if correction_note is not None:
    st.caption(correction_note)

length = len(fitted.sequence)
first = result.first_position(view)
hypothetical = st.toggle(
    "Hypothetical contributions", help="What every base would contribute, not just the one there."
)
peak, span = result.peak_window(view, width=100)
lo, hi = st.slider(
    "Logo window (positions)", first, first + length - 1, (first + peak, first + peak + span - 1)
)
start, end = lo - first, hi - first + 1
kind = "_hypothetical" if hypothetical else ""  # in the file names: which contributions they hold
for method in result.attributions:
    pairs = [(view, compare)] + ([] if compare is None else [(compare, view)])  # (sequence, scaled with)
    for index, scale_with in pairs:
        at = result.first_position(index) + start
        name = "" if index == view else f", {result.records[index].name}"
        png = logo_png(result.run_id, method, index, start, end, hypothetical, result, scale_with)
        st.image(png, caption=f"{method}{name}: positions {at}-{at + end - start - 1}")
    cols = st.columns(3)
    for col, fmt in zip(cols[:2], ("png", "svg")):
        for index, scale_with in pairs:
            label = "Logo" if index == view else "Compared logo"
            col.download_button(
                f"{label} ({fmt.upper()})",
                logo_file(result, method, index, start, end, hypothetical, fmt, scale_with),
                file_name=state.download_name(f"logo_{method}{kind}_seq{index + 1}_{lo}-{hi}", fmt),
                mime=f"image/{fmt}",
                key=f"logo_{method}_{fmt}_{label}",
                on_click="ignore",
            )
    cols[2].download_button(
        "Matrix (TSV)", result.matrix_table(method, hypothetical).to_csv(sep="\t", index=False).encode(),
        file_name=state.download_name(f"attributions_{method}{kind}", "tsv"),
        mime="text/tab-separated-values", key=f"tsv_{method}", on_click="ignore",
    )  # fmt: skip

st.markdown("**Importance along the sequence** (zoom and hover)")
st.plotly_chart(track_figure(result, view))
points = []
if "ism" in result.attributions:
    effects = result.attributions["ism"].hypothetical[view, :, start:end]
    heatmap = ism_heatmap(effects, fitted.sequence[start:end], lo, title="ISM: effect of every substitution")
    event = st.plotly_chart(
        clickable(heatmap, lo, fitted.sequence[start:end]), on_select="rerun", selection_mode="points",
        key=f"ism_{result.run_id}_{view}_{start}_{end}",
    )  # fmt: skip
    points = event.selection.points if event is not None and event.selection else []
    cols = st.columns(2)
    for col, fmt in zip(cols, ("png", "svg")):
        col.download_button(
            f"ISM heatmap ({fmt.upper()})", heatmap_file(result, view, start, end, fmt),
            file_name=state.download_name(f"ism_heatmap_{lo}-{hi}", fmt), mime=f"image/{fmt}",
            key=f"heatmap_{fmt}",
            on_click="ignore",
        )  # fmt: skip
what_if_panel(loaded, result, view, points)
st.caption(result.settings_text(hypothetical))
