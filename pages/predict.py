"""Predict: sequences in, a table and a chart of the model's predictions out."""

import streamlit as st

from genodash.batch_prediction import predict_records
from genodash.figures import prediction_figure
from genodash.io import parse_fasta
from genodash.models import example_fasta
from genodash.ui import state
from genodash.ui.errors import shown_as_message
from genodash.ui.navigation import require_app_shell
from genodash.ui.progress import progress_bar
from genodash.ui.sequence_input import MAX_UPLOAD_MB, sequence_input
from genodash.ui.sidebar import current_model

require_app_shell()
st.title("Predict")
loaded = current_model()
if loaded is None:
    st.info("Choose a model in the sidebar to start.")
    st.stop()
card = loaded.card
st.caption(
    f"**{card.name}** reads {card.input_length} nt: longer sequences are centre-cropped, "
    "shorter ones padded with N on both sides. Lower case, U and IUPAC codes are accepted."
)

source = sequence_input(state.PREDICT_TEXT, state.PREDICT_UPLOAD, example_fasta(card.name))
if st.button("Run", type="primary"):
    if source is None:
        st.warning("Nothing to run yet: paste sequences, upload a FASTA file, or click Load example.")
    else:
        st.session_state.pop(state.PREDICT_RESULT, None)
        with shown_as_message(f"with the sequences in {source.label}"):
            records = parse_fasta(source.data, max_bytes=2 * MAX_UPLOAD_MB * 2**20)
            with progress_bar(f"Predicting {len(records):,} sequences") as report:
                st.session_state[state.PREDICT_RESULT] = predict_records(loaded, records, progress=report)

result = st.session_state.get(state.PREDICT_RESULT)
if result is None:
    st.info("Results appear here after Run. Try **Load example** for held-out peaks of this model.")
    st.stop()
if result.model_name != card.name:
    st.warning(f"These results are from model **{result.model_name}**; press Run to use {card.name}.")
st.subheader(f"Predictions for {len(result.records):,} sequences")
if note := result.length_note():
    st.info(note)
st.dataframe(result.table, hide_index=True)
st.download_button(
    "Download table (CSV)",
    result.table.to_csv(index=False).encode(),
    file_name=state.download_name(f"predictions_{result.model_name}", "csv"),
    mime="text/csv",
)
st.plotly_chart(prediction_figure(result))
