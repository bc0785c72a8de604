"""Session-state keys, in one place, and the per-session download token."""

from __future__ import annotations

import uuid

import streamlit as st

MODEL = "model_name"
DEVICE = "device"
PREDICT_TEXT = "predict_text"
PREDICT_UPLOAD = "predict_upload"
PREDICT_RESULT = "predict_result"
#: True while the results shown come from an earlier run than the last, failed, Run
PREDICT_RESULT_STALE = "predict_result_stale"
SESSION_TOKEN = "session_token"
EXPLAIN_SOURCE = "explain_source"
EXPLAIN_TEXT = "explain_text"
EXPLAIN_UPLOAD = "explain_upload"
EXPLAIN_RESULT = "explain_result"
#: (run id, sequence index, WhatIf): the last substitution scored on the Explain page
EXPLAIN_WHAT_IF = "explain_what_if"
#: (run id, sequence index, position, base) of the last ISM heatmap cell acted on
EXPLAIN_LAST_CLICK = "explain_last_click"
#: (original, mutant) record names that Explain's sequence choice starts with once a mutant was added
EXPLAIN_PENDING_PICK = "explain_pending_pick"
#: the "Sequences to explain" widget's value (see genodash.ui.explain_choice)
EXPLAIN_CHOSEN = "explain_chosen"
#: the option labels EXPLAIN_CHOSEN was chosen from: other options get the default choice
EXPLAIN_CHOICE_OPTIONS = "explain_choice_options"
#: (run id, method, sequence, window, ...) -> logo PNG: this session's rendered logos, most recent last
EXPLAIN_LOGO_PNGS = "explain_logo_pngs"
#: name -> UserModel: models this browser session added (never shared with other sessions)
USER_MODELS = "user_models"
#: a model to select in the sidebar on the next run (set before the picker is drawn)
PENDING_MODEL = "pending_model"


def keep_inputs() -> None:
    """Keep what the user entered on a page while other pages are shown (call once per run, first).

    Streamlit drops a widget's value at the end of a run that does not draw it, so text
    typed on Predict was gone after a visit to Models. A value written back through the
    session-state API is kept instead. Uploads cannot be written back (Streamlit forbids it),
    and a key not yet in session state (a tab reconnecting to a restarted server) is left
    to the browser.
    """
    for key in KEPT_INPUTS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def session_token() -> str:
    """A random token for this browser session: makes download names unique per session."""
    if SESSION_TOKEN not in st.session_state:
        st.session_state[SESSION_TOKEN] = uuid.uuid4().hex[:12]
    return st.session_state[SESSION_TOKEN]


def download_name(stem: str, extension: str) -> str:
    """``genodash_<stem>_<token>.<extension>``, unique to this session."""
    return f"genodash_{stem}_{session_token()}.{extension}"


def stored_result(key: str, empty_message: str, model_name: str):
    """The result a page keeps in session state; stop the page with a hint when there is none.

    Parameters
    ----------
    key : str
        Session-state key of the result (an object with ``model_name``).
    empty_message : str
        What to show before the first run.
    model_name : str
        The model chosen now: a result from another model gets a warning.
    """
    result = st.session_state.get(key)
    if result is None:
        st.info(empty_message)
        st.stop()
    if result.model_name != model_name:
        st.warning(f"These results are from model **{result.model_name}**; press Run to use {model_name}.")
    return result


# Variant page
VARIANT_REFERENCE = "variant_reference"
VARIANT_FASTA_UPLOAD = "variant_fasta_upload"
VARIANT_SOURCE = "variant_source"
VARIANT_TEXT = "variant_text"
VARIANT_VCF_UPLOAD = "variant_vcf_upload"
VARIANT_ANNOTATION = "variant_annotation"
VARIANT_ANNOTATION_UPLOAD = "variant_annotation_upload"
VARIANT_RESULT = "variant_result"
#: index (into the run's rows) of the variant shown in detail
VARIANT_PICK = "variant_pick"
#: the triage table's row (variant index) last acted on: a kept selection does not override the picker
VARIANT_TABLE_CLICK = "variant_table_click"
#: bumped when the picker chooses a variant: the triage table is drawn anew, no row ticked
VARIANT_TABLE_GENERATION = "variant_table_generation"
#: a what-if variant replacing the picked one in the detail view
VARIANT_WHAT_IF = "variant_what_if"
#: (key) -> computed saliency / rendered figures for this session
VARIANT_SALIENCY = "variant_saliency"
VARIANT_DISTANCE = "variant_distance"
VARIANT_MASK = "variant_mask"

#: Inputs kept across page visits by :func:`keep_inputs` (text, choices and settings; not uploads).
KEPT_INPUTS = (
    PREDICT_TEXT,
    EXPLAIN_SOURCE,
    EXPLAIN_TEXT,
    EXPLAIN_CHOSEN,
    VARIANT_REFERENCE,
    VARIANT_SOURCE,
    VARIANT_TEXT,
    VARIANT_ANNOTATION,
    VARIANT_DISTANCE,
    VARIANT_MASK,
    VARIANT_PICK,
    "user_card_how",
    "user_name",
    "user_architecture",
    "user_hyper",
    "user_tasks",
    "user_length",
    "user_kind",
    "user_activation",
    "user_flank",
    "user_licence",
    "user_description",
)
