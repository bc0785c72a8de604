"""Keep every page running inside app.py's ``st.navigation``.

Streamlit still knows the legacy multipage mode in which a ``pages/`` folder
beside the main script is run page by page, without the main script. It is
switched on whenever such a folder exists, until the first ``st.navigation``
call of the process switches it off. So right after a server start, a browser
tab that reconnects on ``/predict`` (and every AppTest rerun, which resets the
switch) would run the page alone: no sidebar, no model picker. A page that finds
itself run that way turns the legacy mode off and asks for a rerun, which then
goes through app.py. app.py calls it first too: in that legacy mode a run gives its
widgets other ids than later runs do, so the sidebar's model picker, drawn before
``st.navigation``, would fall back to its first option on the first session's next rerun.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager


def require_app_shell() -> None:
    """Call first in every page: reruns through app.py when the page was run alone."""
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()
