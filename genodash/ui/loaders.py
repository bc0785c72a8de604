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


@st.cache_resource(show_spinner="Preparing SpliceAI...", max_entries=2)
def cached_spliceai_scorer(device: str, _loaded: LoadedModel):
    """The SpliceAI scorer (replicas stacked for fast variant scoring), once per device."""
    from genodash.spliceai.scorer import SpliceAIScorer

    return SpliceAIScorer(device, ensemble=_loaded.model)


@st.cache_resource(show_spinner="Reading the gene annotation...", max_entries=4)
def cached_gene_table(path: str):
    """A server-side SpliceAI gene table (``grch37``, ``grch38`` or a file), read once."""
    from genodash.spliceai.genes import read_gene_table

    return read_gene_table(path)
