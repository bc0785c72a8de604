"""One model card as the Models page shows it: description, facts, licence and held-out metrics."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from genodash.models import WEIGHT_SOURCES, ModelCard, unavailable_reason


def card_facts(card: ModelCard) -> str:
    """The card's facts as a Markdown list (output, input, architecture, data, licence, weights)."""
    return (
        f"- **Output:** {card.output_kind}, {len(card.tasks)} task{'s' if len(card.tasks) > 1 else ''} "
        f"({', '.join(card.tasks)}), "
        f"activation {card.output_activation}\n"
        f"- **Input:** {card.input_length} nt, alphabet {card.alphabet}, "
        + (
            f"every base predicted ({card.flank:,} nt of context each side; N beyond the ends)\n"
            if card.length_policy == "tile"
            else f"other lengths: {card.length_policy}-cropped or padded with N\n"
        )
        + f"- **Architecture:** `{card.architecture}` {card.hyperparameters}\n"
        f"- **Training data:** {card.stated('training_data')}\n"
        f"- **Provenance:** {card.stated('provenance')}\n"
        f"- **Licence:** {card.stated('license')}\n"
        f"- **Citation:** {card.stated('citation')}\n"
        + (
            f"- **Weights:** {WEIGHT_SOURCES[card.weights_source].description}"
            if card.weights_source
            else f"- **Weights SHA-256:** `{card.weights_sha256}`"
        )
    )


def show_card(card: ModelCard, label_suffix: str = "") -> None:
    """Draw one card in an open expander: description, availability, facts and metrics.

    Parameters
    ----------
    card : ModelCard
    label_suffix : str
        Added to the expander's title, e.g. ``" (yours)"``.
    """
    title = f"**{card.name}** v{card.version}: {', '.join(card.tasks)}{label_suffix}"
    with st.expander(title, expanded=True):
        st.write(card.description or "No description on the card.")
        if reason := unavailable_reason(card):
            st.warning(f"Unavailable on this machine: {reason}")
        st.markdown(card_facts(card))
        if card.metrics:
            st.dataframe(
                pd.DataFrame({"metric": list(card.metrics), "value": list(card.metrics.values())}),
                hide_index=True,
                height="content",  # every metric, no scrolling inside the card
            )
