"""Models: the zoo's cards, with provenance, held-out metrics and licences, and the user's own."""

import streamlit as st

from genodash.models import list_models, read_card
from genodash.ui.errors import shown_as_message
from genodash.ui.model_card import show_card
from genodash.ui.navigation import require_app_shell
from genodash.ui.sidebar import user_models

require_app_shell()
st.title("Models")
st.write("Every model in the zoo, with what it was trained on and how well it does on held-out data.")
for name, folder in list_models().items():
    with shown_as_message(f"reading the card of {name}"):
        show_card(read_card(folder / "card.json"))
if mine := user_models():
    st.subheader("Your models (this browser session)")
    st.caption("Added on the Your model page; export one there to install it for everyone.")
    for item in mine.values():
        show_card(item.loaded.card, " (yours)")
