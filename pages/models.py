"""Models: the zoo's cards, with provenance, held-out metrics and licences."""

import pandas as pd
import streamlit as st

from genodash.models import WEIGHT_SOURCES, list_models, read_card, unavailable_reason
from genodash.ui.errors import shown_as_message
from genodash.ui.navigation import require_app_shell

require_app_shell()
st.title("Models")
st.write("Every model in the zoo, with what it was trained on and how well it does on held-out data.")
for name, folder in list_models().items():
    with shown_as_message(f"reading the card of {name}"):
        card = read_card(folder / "card.json")
        with st.expander(f"**{card.name}** v{card.version}: {', '.join(card.tasks)}", expanded=True):
            st.write(card.description)
            if reason := unavailable_reason(card):
                st.warning(f"Unavailable on this machine: {reason}")
            st.markdown(
                f"- **Output:** {card.output_kind}, {len(card.tasks)} tasks ({', '.join(card.tasks)}), "
                f"activation {card.output_activation}\n"
                f"- **Input:** {card.input_length} nt, alphabet {card.alphabet}, "
                + (
                    f"every base predicted ({card.flank:,} nt of context each side; N beyond the ends)\n"
                    if card.length_policy == "tile"
                    else f"other lengths: {card.length_policy}-cropped or padded with N\n"
                )
                + f"- **Architecture:** `{card.architecture}` {card.hyperparameters}\n"
                f"- **Training data:** {card.training_data}\n"
                f"- **Provenance:** {card.provenance}\n"
                f"- **Licence:** {card.license}\n"
                f"- **Citation:** {card.citation}\n"
                + (
                    f"- **Weights:** {WEIGHT_SOURCES[card.weights_source].description}"
                    if card.weights_source
                    else f"- **Weights SHA-256:** `{card.weights_sha256}`"
                )
            )
            if card.metrics:
                st.dataframe(
                    pd.DataFrame({"metric": list(card.metrics), "value": list(card.metrics.values())}),
                    hide_index=True,
                    height="content",  # every metric, no scrolling inside the card
                )
