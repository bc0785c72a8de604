"""Predict: sequences in, a table and a chart of the model's predictions out."""

import streamlit as st

from genodash.batch_prediction import n_sequences, predict_records
from genodash.figures import prediction_figure, profile_figure
from genodash.models import example_fasta
from genodash.ui import state
from genodash.ui.errors import shown_as_message
from genodash.ui.navigation import require_app_shell
from genodash.ui.progress import progress_bar
from genodash.ui.sequence_input import example_hint, sequence_input
from genodash.ui.sidebar import require_model

require_app_shell()
st.title("Predict")
loaded = require_model()
card = loaded.card
if card.length_policy == "tile":
    st.caption(
        f"**{card.name}** predicts every base of your sequences, reading {card.flank:,} nt on each side "
        f"of a position. Beyond the ends of a sequence it reads N: sequences are padded with "
        f"{card.flank:,} N on both sides, so sequences shorter than {2 * card.flank + 1:,} nt are padded "
        "with N and no position of them sees its full context. For genome-exact scores, paste "
        f"{card.flank:,} nt of real flanking sequence on each side. "
        "Lower case, U and IUPAC codes are accepted."
    )
else:
    st.caption(
        f"**{card.name}** reads {card.input_length} nt: longer sequences are centre-cropped, "
        "shorter ones padded with N on both sides. Lower case, U and IUPAC codes are accepted."
    )

example = example_fasta(card.name)
source = sequence_input(state.PREDICT_TEXT, state.PREDICT_UPLOAD, example)
failed = False
if st.button("Run", type="primary"):
    if source is None:
        st.warning("Nothing to run yet: paste sequences, upload a FASTA file, or click Load example.")
    else:
        # the last good results stay until this run succeeds: an error must not wipe them
        failed = True
        with shown_as_message(f"with the sequences in {source.label}"):
            records = source.records()
            with progress_bar(f"Predicting {n_sequences(len(records))}") as report:
                st.session_state[state.PREDICT_RESULT] = predict_records(loaded, records, progress=report)
            failed = False
        st.session_state[state.PREDICT_RESULT_STALE] = failed

if st.session_state.get(state.PREDICT_RESULT) is None:
    if not failed:  # after an error, the message above says what to do
        st.info(" ".join(["Results appear here after Run.", example_hint(example)]).strip())
    st.stop()
result = state.stored_result(state.PREDICT_RESULT, "", card.name)
if st.session_state.get(state.PREDICT_RESULT_STALE):
    st.caption(
        "Below: the results of the previous successful run. The last Run stopped with an error, "
        "so they may not match the sequences given above."
    )
st.subheader(f"Predictions for {n_sequences(len(result.records))}")
if note := result.length_note():
    st.info(note)
table = result.summary_table()
if hidden := result.hidden_tasks():
    st.caption(
        "Left out of the table and its CSV, as from the chart: the background class "
        + ", ".join(f"**{t}**" for t in hidden)
        + " (the probability of no site at a position)."
    )
st.dataframe(table, hide_index=True)
st.download_button(
    "Download table (CSV)",
    table.to_csv(index=False).encode(),
    file_name=state.download_name(f"predictions_{result.model_name}", "csv"),
    mime="text/csv",
    on_click="ignore",
)
if card.output_kind == "profile" and result.model_name == card.name:
    names = [r.name for r in result.records]
    index = 0
    if len(names) > 1:
        index = st.selectbox(
            "Sequence to plot", range(len(names)), format_func=lambda i: names[i], key="predict_track_record"
        )
    # a background class ("neither" for SpliceAI) would only hide the tracks that matter
    shown = [t for t in card.tasks if t != "neither"] or list(card.tasks)
    st.plotly_chart(profile_figure(result, index, card.tasks, shown))
else:
    st.plotly_chart(prediction_figure(result))
