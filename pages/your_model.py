"""Your model: add a model of your own (safetensors + allow-listed architecture + card), for this session."""

import json

import streamlit as st

from genodash.architectures import ARCHITECTURES
from genodash.models import ACTIVATIONS, OUTPUT_KINDS, list_models
from genodash.ui import state
from genodash.ui.errors import shown_as_message
from genodash.ui.navigation import require_app_shell
from genodash.ui.sidebar import user_models
from genodash.user_models import MAX_WEIGHTS_BYTES, UserModel, export_model_zip, load_user_model, parse_card


def add_model(weights_file, card_data: bytes | dict, card_where: str) -> None:
    """Check a user's card and weights; add the model to this session and select it, or say why not.

    Parameters
    ----------
    weights_file : streamlit.runtime.uploaded_file_manager.UploadedFile
        The uploaded safetensors weights.
    card_data : bytes or dict
        The uploaded card.json's content, or the card built from the form.
    card_where : str
        Where the card came from, for messages: the card file's name or "the card form".

    Notes
    -----
    Card problems name ``card_where``, weights problems name the weights file. A name
    already in the zoo or already added in this session is refused, never replaced.
    Nothing the user entered is cleared.
    """
    card = None
    with shown_as_message(f"with {card_where}"):
        card = parse_card(card_data)
    if card is None:
        return
    if card.name in list_models():
        st.error(
            f"The zoo already has a model named **{card.name}** (from {card_where}); choose another name."
        )
        return
    if card.name in user_models():
        st.error(
            f"You already added a model named **{card.name}** in this session (from {card_where}): "
            "remove it first (or give this one another name)."
        )
        return
    loaded = None
    weights = weights_file.getvalue()
    with shown_as_message(f"with {weights_file.name}"):
        with st.spinner("Checking the weights and running a trial prediction..."):
            loaded = load_user_model(weights, card, filename=weights_file.name)
    if loaded is None:
        return
    user_models()[card.name] = UserModel(loaded, weights)
    st.session_state[state.PENDING_MODEL] = card.name
    st.rerun()


require_app_shell()
st.title("Your model")
st.write(
    "Bring a network you trained: its weights as **safetensors**, an architecture from genodash's "
    "allow-list, and a card that says what it predicts. It is checked strictly (every tensor name and "
    "shape, then a trial prediction) and is available in **this browser session only**, on every page. "
    "Nothing is written to disk; pickles and TorchScript are refused because loading them runs code."
)
weights_file = st.file_uploader(
    "Weights (.safetensors)", key="user_weights", max_upload_size=MAX_WEIGHTS_BYTES // 2**20
)
how = st.radio("Card", ["Fill in a form", "Upload card.json"], horizontal=True, key="user_card_how")
card_data = None
card_where = "the card form"
card_error_shown = False  # a problem with the card is already on the page
if how == "Upload card.json":
    card_file = st.file_uploader("card.json", type=["json"], key="user_card_file")
    if card_file is not None:
        card_data = card_file.getvalue()
        card_where = card_file.name
    st.caption("Fields: see the Models page or `genodash.models.ModelCard` (name, architecture, ...).")
else:
    c1, c2 = st.columns(2)
    name = c1.text_input("Name", key="user_name", placeholder="my-atac-cnn")
    architecture = c2.selectbox("Architecture", sorted(ARCHITECTURES), key="user_architecture")
    hyper = st.text_area(
        "Hyper-parameters (JSON)", "{}", key="user_hyper",
        help='Keyword arguments of the architecture, e.g. {"input_length": 200}; n_tasks is the task count.',
    )  # fmt: skip
    tasks = st.text_input("Task names (comma-separated)", key="user_tasks", placeholder="open, closed")
    c3, c4, c5, c6 = st.columns(4)
    input_length = c3.number_input("Input length (nt)", 1, 1_000_000, 200, key="user_length")
    output_kind = c4.selectbox("Output", OUTPUT_KINDS, key="user_kind")
    activation = c5.selectbox("Output activation", ACTIVATIONS, key="user_activation")
    flank = c6.number_input("Flank cropped (profile)", 0, 500_000, 0, key="user_flank")
    licence = st.text_input("Licence", key="user_licence", placeholder="CC BY 4.0")
    description = st.text_input("Description", key="user_description")
    try:
        hyper_dict = json.loads(hyper or "{}")
    except json.JSONDecodeError as exc:
        st.error(f"Hyper-parameters are not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}")
        hyper_dict = None
        card_error_shown = True
    if hyper_dict is not None:
        card_data = {
            "name": name.strip(), "architecture": architecture, "hyperparameters": hyper_dict,
            "tasks": [t.strip() for t in tasks.split(",") if t.strip()], "input_length": int(input_length),
            "output_kind": output_kind, "output_activation": activation, "flank": int(flank),
            "license": licence, "description": description, "alphabet": "ACGT",
        }  # fmt: skip

if st.button("Check and add the model", type="primary"):
    missing = []
    if weights_file is None:
        missing.append("upload the weights (.safetensors)")
    if card_data is None and not card_error_shown:
        missing.append("upload card.json" if how == "Upload card.json" else "fill in the card")
    if missing:
        st.warning(f"First {' and '.join(missing)}.")
    elif card_data is not None:
        add_model(weights_file, card_data, card_where)

mine = user_models()
if mine:
    st.subheader("Your models in this session")
    for name, item in list(mine.items()):
        card = item.loaded.card
        with st.container(border=True):
            st.markdown(
                f"**{name}** (`{card.architecture}`): tasks {', '.join(card.tasks)}; "
                f"input {card.input_length} nt; {card.output_kind} output; "
                f"weights SHA-256 `{card.weights_sha256[:16]}...`"
            )
            c1, c2 = st.columns(2)
            c1.download_button(
                "Export (card + weights, zip)",
                lambda item=item: export_model_zip(item.loaded.card, item.weights),
                file_name=state.download_name(f"model_{name}", "zip"),
                mime="application/zip",
                key=f"export_{name}",
                help="Unzip into genodash's models/ folder to install it for everyone.",
                on_click="ignore",
            )
            if c2.button("Remove", key=f"remove_{name}"):
                del mine[name]
                st.rerun()
    st.success("Added models are in the sidebar's model list, marked (yours).")
else:
    st.info("No models of yours yet in this session.")
