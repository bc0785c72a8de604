"""Cached, shared loaders. Keys are plain strings, so they are exact."""

from __future__ import annotations

import streamlit as st

from genodash.models import LoadedModel, load_model


@st.cache_resource(show_spinner="Loading the model...", max_entries=8)
def cached_model(name: str, device: str) -> LoadedModel:
    """Load a zoo model once per (name, device) and share it across sessions.

    The shared model is read-only; code that adds hooks holds ``LoadedModel.lock``.
    """
    return load_model(name, device)
