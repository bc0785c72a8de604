"""The sidebar shown on every page: model and device pickers, and a short card."""

from __future__ import annotations

import streamlit as st

from genodash.device import available_devices
from genodash.errors import InputError
from genodash.models import LoadedModel, list_models, read_card, unavailable_reason
from genodash.ui import state
from genodash.ui.loaders import cached_model

#: The model a new session starts with: the shipped demo on real ChIP-seq peaks.
DEFAULT_MODEL = "oct4-mafk"


def availability() -> dict[str, str | None]:
    """Zoo model name -> why it cannot be used on this machine (with the fix), or ``None``."""
    reasons = {}
    for name, folder in list_models().items():
        try:
            reasons[name] = unavailable_reason(read_card(folder / "card.json"))
        except InputError as exc:
            reasons[name] = f"its card cannot be read: {exc}"
    return reasons


def user_models() -> dict:
    """Models this browser session added: name -> :class:`genodash.user_models.UserModel`."""
    return st.session_state.setdefault(state.USER_MODELS, {})


def model_picker() -> LoadedModel | None:
    """Render the pickers; return the chosen model, loaded, or ``None`` with a message."""
    reasons = availability()
    yours = user_models()
    reasons.update({name: None for name in yours})
    names = list(reasons)
    if not names:
        st.sidebar.error("No models found in models/. Reinstall genodash or set GENODASH_MODELS_DIR.")
        return None
    # The default goes in `index`, not into session state: a tab that reconnects to a restarted
    # server sends its choice with its first click, and session state does not show it until the
    # picker is drawn, so writing a default beforehand would overwrite the user's choice.
    usable = [n for n in names if reasons[n] is None]
    default = names.index(DEFAULT_MODEL if DEFAULT_MODEL in usable else (usable or names)[0])
    if (pending := st.session_state.pop(state.PENDING_MODEL, None)) in names:
        st.session_state[state.MODEL] = pending  # a model just added: chosen (its index then unused)
    st.sidebar.selectbox(
        "Model",
        names,
        index=default,
        key=state.MODEL,
        format_func=lambda n: f"{n} (unavailable)" if reasons[n] else f"{n} (yours)" if n in yours else n,
        help="Chosen once, used on every page.",
    )
    st.sidebar.selectbox(
        "Device",
        ["auto", *available_devices()],
        key=state.DEVICE,
        help="auto: CUDA when present, else Apple MPS, else CPU (or $GENODASH_DEVICE).",
    )
    if reason := reasons[st.session_state[state.MODEL]]:
        st.sidebar.warning(f"**{st.session_state[state.MODEL]}** is unavailable here: {reason}")
        return None
    loaded = current_model()
    if loaded is None:
        try:
            loaded = cached_model(st.session_state[state.MODEL], st.session_state[state.DEVICE])
        except InputError as exc:
            st.sidebar.error(f"Cannot load this model: {exc}")
            return None
    card = loaded.card
    st.sidebar.caption(
        f"**{card.name}** v{card.version} on `{loaded.device}`  \n"
        f"Tasks: {', '.join(card.tasks)}  \n"
        + (
            f"Input: any length; each base read with {card.flank:,} nt on each side (profile output)  \n"
            if card.length_policy == "tile"
            else f"Input: {card.input_length} nt ({card.output_kind} output)  \n"
        )
        + f"Licence: {card.stated('license')}"
    )
    return loaded


def current_model() -> LoadedModel | None:
    """The model chosen in the sidebar (already loaded and cached), or ``None``."""
    name, device = st.session_state.get(state.MODEL), st.session_state.get(state.DEVICE, "auto")
    if name is None:
        return None
    if name in user_models():
        return user_models()[name].loaded
    try:
        return cached_model(name, device)
    except InputError:
        return None


def require_model() -> LoadedModel:
    """The chosen model; without one, a hint is shown and the page stops."""
    loaded = current_model()
    if loaded is None:
        st.info("Choose a model in the sidebar to start.")
        st.stop()
    return loaded
