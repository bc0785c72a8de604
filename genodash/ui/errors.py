"""Turn every failure inside a page into a readable message, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from genodash.errors import InputError

log = logging.getLogger("genodash")


@contextmanager
def shown_as_message(what: str) -> Iterator[None]:
    """Run a block; show an :class:`InputError` as an error box, anything else as a bug.

    Parameters
    ----------
    what : str
        What the block does, for the message ("reading the sequences").
    """
    try:
        yield
    except InputError as exc:
        st.error(f"Problem {what}: {exc}")
    except Exception as exc:  # noqa: BLE001 - nothing may reach the browser as a traceback
        log.exception("unexpected error while %s", what)
        st.error(
            f"Something went wrong while {what} ({type(exc).__name__}). Your input is kept; "
            "this is a bug in genodash, and the server log has the details."
        )
