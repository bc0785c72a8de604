"""Session-state keys, in one place, and the per-session download token."""

from __future__ import annotations

import uuid

import streamlit as st

MODEL = "model_name"
DEVICE = "device"
PREDICT_TEXT = "predict_text"
PREDICT_UPLOAD = "predict_upload"
PREDICT_RESULT = "predict_result"
SESSION_TOKEN = "session_token"
EXPLAIN_SOURCE = "explain_source"
EXPLAIN_TEXT = "explain_text"
EXPLAIN_UPLOAD = "explain_upload"
EXPLAIN_RESULT = "explain_result"
#: name -> UserModel: models this browser session added (never shared with other sessions)
USER_MODELS = "user_models"
#: a model to select in the sidebar on the next run (set before the picker is drawn)
PENDING_MODEL = "pending_model"


def session_token() -> str:
    """A random token for this browser session: makes download names unique per session."""
    if SESSION_TOKEN not in st.session_state:
        st.session_state[SESSION_TOKEN] = uuid.uuid4().hex[:12]
    return st.session_state[SESSION_TOKEN]


def download_name(stem: str, extension: str) -> str:
    """``genodash_<stem>_<token>.<extension>``, unique to this session."""
    return f"genodash_{stem}_{session_token()}.{extension}"
