"""Variant: REF against ALT for typed variants or a VCF, from a triage table down to saliency."""

import streamlit as st

from genodash.ui import state
from genodash.ui.errors import shown_as_message
from genodash.ui.navigation import require_app_shell
from genodash.ui.progress import progress_bar
from genodash.ui.sidebar import require_model
from genodash.ui.variant_inputs import (
    gene_table_picker,
    reference_picker,
    splicing_model_hint,
    variants_input,
)
from genodash.ui.variant_view import run_variants, show_triage, show_variant
from genodash.variants.splicing import MASK_EXPLAINED, is_spliceai

require_app_shell()
st.title("Variant")
loaded = require_model()
card = loaded.card
spliceai = is_spliceai(card)
st.caption(
    "What changes when one allele replaces another: the model's prediction for the reference "
    "(REF) and alternate (ALT) sequence around each variant, and which bases it reads in each."
)

left, right = st.columns(2)
with left:
    reference = reference_picker()
with right:
    source = variants_input()
splicing_model_hint(reference, card.name)
genes, distance, mask = None, 50, False
if spliceai:
    with st.container(border=True):
        with shown_as_message("reading the gene annotation"):
            genes = gene_table_picker(reference)
        c1, c2 = st.columns(2)
        distance = c1.slider(
            "Distance searched for gained or lost sites (-D)", 0, 500, 50, key=state.VARIANT_DISTANCE
        )
        mask = c2.toggle("Masked scores (-M 1)", help=MASK_EXPLAINED, key=state.VARIANT_MASK)

failed = False
if st.button("Run", type="primary"):
    if reference is None or source is None:
        st.warning("Give a reference genome and at least one variant (or press Load the demo variants).")
    elif spliceai and genes is None:
        st.warning("SpliceAI needs a gene annotation: pick one above.")
    else:
        for key in (state.VARIANT_RESULT, state.VARIANT_PICK, state.VARIANT_WHAT_IF, state.VARIANT_SALIENCY):
            st.session_state.pop(key, None)
        failed = True
        with shown_as_message(f"scoring the variants in {source.label}"):
            with progress_bar(f"Scoring with {card.name}") as report:
                st.session_state[state.VARIANT_RESULT] = run_variants(
                    loaded, reference, source, genes=genes, distance=distance, mask=mask, progress=report
                )
            failed = False

if failed and st.session_state.get(state.VARIANT_RESULT) is None:
    st.stop()  # the error above says what to fix; the empty-state hint would contradict it
run = state.stored_result(state.VARIANT_RESULT, "Give a reference and variants, then press Run.", card.name)
if run.model_name != card.name:
    st.stop()
pick = show_triage(run)
if pick is not None:
    row = run.rows[pick]
    what_if = st.session_state.get(state.VARIANT_WHAT_IF)
    if what_if is not None:
        st.info(f"What-if: **{what_if.label}** (a substitution near {row.label}, not in your list).")
        if st.button(f"Back to {row.label}"):
            st.session_state.pop(state.VARIANT_WHAT_IF, None)
            st.rerun()
        row = what_if
    with shown_as_message(f"showing {row.label}"):
        show_variant(loaded, run, row)
