"""The sidebar shown on every page: model and device pickers, and a short card."""

from __future__ import annotations

import streamlit as st

from genodash.device import available_devices
from genodash.errors import InputError
from genodash.models import LoadedModel, list_models
from genodash.ui import state
from genodash.ui.loaders import cached_model


def model_picker() -> LoadedModel | None:
    """Render the pickers; return the chosen model, loaded, or ``None`` with a message."""
    names = list(list_models())
    if not names:
        st.sidebar.error("No models found in models/. Reinstall genodash or set GENODASH_MODELS_DIR.")
        return None
    if st.session_state.get(state.MODEL) not in names:
        st.session_state[state.MODEL] = names[0]
    st.sidebar.selectbox("Model", names, key=state.MODEL, help="Chosen once, used on every page.")
    devices = ["auto", *available_devices()]
    if st.session_state.get(state.DEVICE) not in devices:
        st.session_state[state.DEVICE] = "auto"
    st.sidebar.selectbox(
        "Device",
        devices,
        key=state.DEVICE,
        help="auto: CUDA when present, else Apple MPS, else CPU (or $GENODASH_DEVICE).",
    )
    try:
        loaded = cached_model(st.session_state[state.MODEL], st.session_state[state.DEVICE])
    except InputError as exc:
        st.sidebar.error(f"Cannot load this model: {exc}")
        return None
    card = loaded.card
    st.sidebar.caption(
        f"**{card.name}** v{card.version} on `{loaded.device}`  \n"
        f"Tasks: {', '.join(card.tasks)}  \n"
        f"Input: {card.input_length} nt ({card.output_kind} output)  \n"
        f"Licence: {card.license}"
    )
    return loaded


def current_model() -> LoadedModel | None:
    """The model chosen in the sidebar (already loaded and cached), or ``None``."""
    name, device = st.session_state.get(state.MODEL), st.session_state.get(state.DEVICE, "auto")
    if name is None:
        return None
    try:
        return cached_model(name, device)
    except InputError:
        return None
