"""What Explain's "Sequences to explain" starts with, and the actions that change it.

The widget has no key, so its default must stay the same from one run to the next (a
default that changed would make it a new widget and drop the user's choice). A pending
pick is therefore kept in session state, not used up, until another action replaces it.
"""

from __future__ import annotations

import streamlit as st

from genodash.io import Record
from genodash.ui import state


def pick_original_and_mutant(original: str, mutant: str) -> None:
    """Start with the record named ``original`` (its first) and ``mutant`` (its last)."""
    st.session_state[state.EXPLAIN_PENDING_PICK] = ("pair", original, mutant)


def pick_labels(source: str, labels: list[str]) -> None:
    """Start with these option labels while the sequences come from ``source`` (a button callback)."""
    st.session_state[state.EXPLAIN_PENDING_PICK] = ("labels", source, tuple(labels))


def default_choice(names: list[str], records: list[Record], source: str) -> list[str]:
    """The labels "Sequences to explain" starts with.

    Parameters
    ----------
    names : list of str
        The widget's option labels, one per record.
    records : list of Record
    source : str
        Where the sequences come from now (the "Sequences" radio's value).

    Returns
    -------
    list of str
        The first record by default; after a what-if mutant was added, the original and
        the mutant; after a "highest" pick, those labels still on offer from that source.
    """
    pending = st.session_state.get(state.EXPLAIN_PENDING_PICK)
    if pending is None:
        return names[:1]
    if pending[0] == "labels":
        _, picked_from, labels = pending
        on_offer = set(names)
        chosen = [label for label in labels if label in on_offer] if picked_from == source else []
        return chosen or names[:1]
    _, original, mutant = pending
    firsts = [n for n, r in zip(names, records, strict=True) if r.name == original][:1]
    lasts = [n for n, r in zip(names, records, strict=True) if r.name == mutant][-1:]
    return firsts + lasts or names[:1]
