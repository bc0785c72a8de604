"""The shared sequence input: a text box, a FASTA upload and an example button."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from genodash.io import Record, parse_fasta

#: Largest upload accepted by the sequence widgets (the server's own cap, maxUploadSize, is 200 MB).
MAX_UPLOAD_MB = 50


@dataclass(frozen=True)
class SequenceSource:
    """What the user gave: where it came from and its raw content (text or bytes)."""

    label: str
    data: str | bytes

    def records(self) -> list[Record]:
        """Parse the content (FASTA or plain sequence), up to twice the upload cap once decompressed."""
        return parse_fasta(self.data, max_bytes=2 * MAX_UPLOAD_MB * 2**20)


def example_hint(example: str | None) -> str:
    """A sentence pointing at **Load example** that says what the example is, or ``""`` without one.

    Parameters
    ----------
    example : str or None
        The model's example FASTA text (see :func:`genodash.models.example_fasta`).

    Returns
    -------
    str
        One example: its header, up to the first ``;`` (e.g. the gene it holds).
        Several: how many, and the first one's name.
    """
    if example is None:
        return ""
    headers = [line[1:].strip() for line in example.splitlines() if line.startswith(">")]
    if len(headers) == 1:
        header = headers[0].split(";")[0].strip()
        if len(header) > 120:
            header = header[:117] + "..."
        return f"Try **Load example** for this model's example sequence: {header}."
    if len(headers) > 1:
        first = headers[0].split()[0] if headers[0].split() else "the first"
        return f"Try **Load example** for this model's {len(headers)} example sequences ({first}, ...)."
    return "Try **Load example**."


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
        # .vcf too: a VCF then gets the reader's own message pointing to the Variant page,
        # instead of the browser's bare "file type not allowed"
        type=["fa", "fasta", "fna", "fas", "txt", "gz", "vcf"],
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
