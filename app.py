"""genodash: the dashboard's entry point (``streamlit run app.py``)."""

import logging
import os

# Second guard: any torch.load anywhere in this process is weights-only.
os.environ.setdefault("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "1")

import streamlit as st  # noqa: E402

from genodash import __version__  # noqa: E402
from genodash.ui import state  # noqa: E402
from genodash.ui.navigation import require_app_shell  # noqa: E402
from genodash.ui.page_icon import page_icon  # noqa: E402
from genodash.ui.sidebar import model_picker  # noqa: E402

# Before any widget: on a fresh server the first run is in Streamlit's legacy pages mode, whose
# widget ids differ from every later run's, so the sidebar's pickers would reset on the next click.
require_app_shell()
state.keep_inputs()  # what was typed on a page survives a visit to another
logging.basicConfig(level=logging.INFO)
st.set_page_config(page_title="genodash", page_icon=page_icon(), layout="wide")

pages = [
    st.Page("pages/predict.py", title="Predict", icon=":material/insights:", default=True),
    st.Page("pages/explain.py", title="Explain", icon=":material/troubleshoot:"),
    st.Page("pages/variant.py", title="Variant", icon=":material/compare_arrows:"),
    st.Page("pages/models.py", title="Models", icon=":material/menu_book:"),
    st.Page("pages/your_model.py", title="Your model", icon=":material/upload_file:"),
]
st.sidebar.markdown(f"### genodash {__version__}")
model_picker()
st.sidebar.caption(
    "Research use only. Uploads stay in memory, never on disk, except an uploaded genome while it is read "
    "(a temporary folder, removed after each run)."
)
st.navigation(pages).run()
