"""The Explain page's "What if?" panel: change one base, run the model on it, compare with ISM."""

from __future__ import annotations

import streamlit as st

from genodash.explanations import ExplanationSet
from genodash.models import LoadedModel
from genodash.ui import state
from genodash.ui.errors import shown_as_message
from genodash.ui.explain_choice import pick_original_and_mutant
from genodash.what_if import WhatIf, what_if

_NEW_SEQUENCES = "New sequences"
_BASE = "what_if_base"


def _append_to_text_box(change: WhatIf) -> None:
    """Add the mutant to the Explain text box and choose it with its original (a button callback)."""
    text = st.session_state.get(state.EXPLAIN_TEXT, "").rstrip("\n")
    fasta = change.mutant_fasta
    st.session_state[state.EXPLAIN_TEXT] = f"{text}\n{fasta}" if text else fasta
    pick_original_and_mutant(change.name, change.mutant_name)


def _text_box_in_use() -> bool:
    """Whether the Explain page reads its sequences from the text box (not Predict, not a file)."""
    return (
        st.session_state.get(state.EXPLAIN_SOURCE) == _NEW_SEQUENCES
        and st.session_state.get(state.EXPLAIN_UPLOAD) is None
    )


def what_if_panel(loaded: LoadedModel, result: ExplanationSet, view: int, points: list[dict]) -> None:
    """Pick a substitution (widgets, or ``points`` clicked on the ISM heatmap), score it, show it.

    Parameters
    ----------
    loaded : LoadedModel
    result : ExplanationSet
    view : int
        The sequence on show.
    points : list of dict
        Plotly selection points from :func:`genodash.variants.figures.clickable`:
        ``x`` the 1-based position, ``y`` the new base.
    """
    if result.model_name != loaded.card.name:
        st.markdown("**What if?** Change one base and run the model on the result")
        st.info(
            f"A what-if runs the model these results are from, {result.model_name}: choose it again in the "
            f"sidebar, or press Run above to explain with {loaded.card.name} first."
        )
        return
    fitted = result.fitted[view]
    first = result.first_position(view)
    last = first + len(fitted.sequence) - 1
    how = "pick a cell of the ISM heatmap, or choose here" if "ism" in result.attributions else "choose here"
    st.markdown(f"**What if?** Change one base and run the model on the result ({how})")
    key = f"what_if_{result.run_id}_{view}"  # per run and sequence: other bounds never meet its value
    st.session_state.setdefault(key, first + len(fitted.sequence) // 2)
    clicked = False
    if points:  # a heatmap cell: show it in the widgets below (not yet drawn in this run), and score it
        point = points[0]
        click = (result.run_id, view, int(point.get("x", 0)), str(point.get("y", "")))
        usable = first <= click[2] <= last and click[3] in ("A", "C", "G", "T")
        if usable and click != st.session_state.get(state.EXPLAIN_LAST_CLICK):
            st.session_state[key], st.session_state[_BASE] = click[2], click[3]
            clicked = True
        st.session_state[state.EXPLAIN_LAST_CLICK] = click
    c1, c2, c3 = st.columns([2, 1, 1])
    position = c1.number_input("Position", first, last, key=key)
    base = c2.selectbox("New base", list("ACGT"), key=_BASE)
    pressed = c3.button("Run the mutant") or clicked
    observed = fitted.sequence[int(position) - first].upper()
    if pressed and base == observed:
        others = ", ".join(b for b in "ACGT" if b != base)
        st.info(
            f"Position {position} is {observed} already (the dotted cells of the heatmap): pick one of "
            f"{others} to see what a change there does."
        )
    elif pressed:
        with shown_as_message(f"running the model with position {position} changed to {base}"):
            change = what_if(loaded, result, view, int(position) - first, base)
            st.session_state[state.EXPLAIN_WHAT_IF] = (result.run_id, view, change)
    stored = st.session_state.get(state.EXPLAIN_WHAT_IF)
    if stored is None or stored[:2] != (result.run_id, view):
        return
    change = stored[2]
    st.markdown(f"**{change.name}, {change.label}**: every task before and after (raw output; shown values "
                "with the card's activation)")  # fmt: skip
    st.dataframe(change.table, hide_index=True)
    if (message := change.agreement_message()) is not None:
        (st.caption if change.ism_agrees else st.warning)(message)
    c1, c2 = st.columns(2)
    c1.download_button(
        "Table (TSV)", change.table.to_csv(sep="\t", index=False).encode(),
        file_name=state.download_name(f"what_if_{change.position}{change.ref}-{change.alt}", "tsv"),
        mime="text/tab-separated-values", key="what_if_tsv",
        on_click="ignore",
    )  # fmt: skip
    if change.mutant_fasta is None:
        st.caption(f"Position {change.position} is padding, outside your sequence: no mutant record to add.")
        return
    c2.download_button(
        "Mutant (FASTA)", change.mutant_fasta.encode(),
        file_name=state.download_name(f"mutant_{change.position}{change.ref}-{change.alt}", "fa"),
        mime="text/plain", key="what_if_fasta",
        on_click="ignore",
    )  # fmt: skip
    if _text_box_in_use():
        st.button(
            "Add the mutant to the sequences above",
            on_click=_append_to_text_box,
            args=(change,),
            help="It is chosen next to the original: press Run to see both sequences' logos.",
        )
