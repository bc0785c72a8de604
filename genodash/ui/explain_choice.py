"""Explain's "Sequences to explain": what it starts with, and the actions that change it.

The widget's value lives in session state under :data:`genodash.ui.state.EXPLAIN_CHOSEN`
(kept across page visits by :func:`genodash.ui.state.keep_inputs`). :func:`prepare_choice`
sets it before the widget is drawn whenever the sequences on offer change: the first
record, or after a what-if mutant was added the original and the mutant. Buttons set it
in their callbacks.
"""

from __future__ import annotations

import streamlit as st

from genodash.io import Record
from genodash.ui import state


def prepare_choice(names: list[str], records: list[Record]) -> None:
    """Set the widget's value before it is drawn, when it has none for these options.

    Parameters
    ----------
    names : list of str
        The widget's option labels, one per record.
    records : list of Record
    """
    if (
        st.session_state.get(state.EXPLAIN_CHOICE_OPTIONS) == names
        and state.EXPLAIN_CHOSEN in st.session_state
    ):
        return  # the user's choice for these very options
    st.session_state[state.EXPLAIN_CHOSEN] = default_choice(names, records)
    st.session_state[state.EXPLAIN_CHOICE_OPTIONS] = list(names)


def pick_original_and_mutant(original: str, mutant: str) -> None:
    """Start with the record named ``original`` (its first) and ``mutant`` (its last)."""
    st.session_state[state.EXPLAIN_PENDING_PICK] = (original, mutant)


def pick_labels(labels: list[str]) -> None:
    """Choose exactly these option labels (a button callback: before the widget is drawn)."""
    st.session_state[state.EXPLAIN_CHOSEN] = list(labels)


def default_choice(names: list[str], records: list[Record]) -> list[str]:
    """What the choice starts with when the sequences on offer change.

    Parameters
    ----------
    names : list of str
        The widget's option labels, one per record.
    records : list of Record

    Returns
    -------
    list of str
        The first record; after a what-if mutant was added, the original (its first
        record of that name) and the mutant (its last).
    """
    pending = st.session_state.get(state.EXPLAIN_PENDING_PICK)
    if pending is None:
        return names[:1]
    original, mutant = pending
    firsts = [n for n, r in zip(names, records, strict=True) if r.name == original][:1]
    lasts = [n for n, r in zip(names, records, strict=True) if r.name == mutant][-1:]
    return firsts + lasts or names[:1]
