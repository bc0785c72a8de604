"""The shared sequence input: a text box, a FASTA upload and an example button."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from genodash.io import Record, parse_fasta

#: Largest upload accepted by the sequence widgets (also the server's maxUploadSize).
MAX_UPLOAD_MB = 50


@dataclass(frozen=True)
class SequenceSource:
    """What the user gave: where it came from and its raw content (text or bytes)."""

    label: str
    data: str | bytes

    def records(self) -> list[Record]:
        """Parse the content (FASTA or plain sequence), up to twice the upload cap once decompressed."""
        return parse_fasta(self.data, max_bytes=2 * MAX_UPLOAD_MB * 2**20)


def _fill(key: str, text: str) -> None:
    st.session_state[key] = text


def sequence_input(text_key: str, upload_key: str, example: str | None) -> SequenceSource | None:
    """Render the input widgets; return the content to use, or ``None`` when empty.

    An uploaded file is used when present; otherwise the text box. The text box
    keeps what was typed across reruns and pages (its value lives in session state).
    """
    st.text_area(
        "Sequences: FASTA, or plain sequence (separate several with a blank line)",
        key=text_key,
        height=180,
        placeholder=">my_peak\nACGTTTGCATAACAATG...\n",
    )
    if example is not None:
        st.button(
            "Load example",
            on_click=_fill,
            args=(text_key, example),
            help="Fill the box with this model's example sequences.",
        )
    upload = st.file_uploader(
        f"...or upload a FASTA file (plain or gzip, up to {MAX_UPLOAD_MB} MB)",
        type=["fa", "fasta", "fna", "fas", "txt", "gz"],
        key=upload_key,
        max_upload_size=MAX_UPLOAD_MB,
    )
    if upload is not None:
        st.caption(f"Using the uploaded file **{upload.name}**; remove it to use the text box.")
        return SequenceSource(f"file {upload.name}", upload.getvalue())
    text = st.session_state.get(text_key, "")
    if text.strip():
        return SequenceSource("the text box", text)
    return None
