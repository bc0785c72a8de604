"""The Variant page's inputs: reference genome, variants (typed or VCF), and SpliceAI's gene table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from genodash.genome import Genome
from genodash.spliceai.genes import BUILT_IN, parse_gene_table
from genodash.ui import state
from genodash.ui.loaders import cached_gene_table
from genodash.ui.sequence_input import MAX_UPLOAD_MB
from genodash.ui.sidebar import availability
from genodash.variants.output import info_numbers
from genodash.variants.parsing import VcfStream, looks_like_vcf, parse_text
from genodash.variants.references import (
    GENOMES_DIR_ENV,
    demo_reference,
    demo_variants_text,
    server_references,
)
from genodash.variants.triage import VcfInput, vcf_record_sites

UPLOAD_REFERENCE = "Upload a FASTA"
#: The zoo model that scores splicing, offered for the demo locus.
SPLICING_MODEL = "spliceai"
#: Largest VCF accepted in the browser (the command line streams files of any size).
MAX_VCF_MB = 50


@dataclass(frozen=True)
class ReferenceChoice:
    """The reference genome the user picked (a server file or an upload held in memory)."""

    label: str
    path: Path | None = None
    data: bytes | None = None
    annotation: Path | None = None

    @property
    def origin(self) -> str:
        """Where the genome came from, in words for a report (never a server path)."""
        if self.data is not None:
            return "uploaded in this browser session (held in memory, not kept)"
        if self.path is not None and self.path.parent == demo_reference().fasta.parent:
            return "shipped with genodash"
        return f"from the server's genomes folder, ${GENOMES_DIR_ENV}"

    def open(self) -> Genome:
        """Index it (in a temporary directory); close the result when done."""
        if self.data is not None:
            return Genome.from_bytes(self.data, self.label)
        return Genome(self.path)


def reference_picker() -> ReferenceChoice | None:
    """Choose the demo locus, a server genome or an uploaded FASTA; ``None`` until one is given."""
    demo = demo_reference()
    options = {demo.label: demo} | {ref.label: ref for ref in server_references()}
    labels = [*options, UPLOAD_REFERENCE]
    choice = st.selectbox(
        "Reference genome",
        labels,
        key=state.VARIANT_REFERENCE,
        help="Server genomes come from $GENODASH_GENOMES_DIR. An uploaded FASTA is indexed in a "
        "temporary folder and removed after each run.",
    )
    if choice != UPLOAD_REFERENCE:
        source = options[choice]
        if source.description:
            st.caption(source.description)
        return ReferenceChoice(choice, path=source.fasta, annotation=source.annotation)
    upload = st.file_uploader(
        f"Reference FASTA (plain, gzip or bgzip, up to {MAX_UPLOAD_MB} MB)",
        type=["fa", "fasta", "fna", "fas", "gz", "bgz"],
        key=state.VARIANT_FASTA_UPLOAD,
        max_upload_size=MAX_UPLOAD_MB,
    )
    if upload is None:
        st.info("Upload the FASTA your variants were called against (a region is enough).")
        return None
    return ReferenceChoice(upload.name, data=upload.getvalue())


def _fill_demo() -> None:
    st.session_state[state.VARIANT_TEXT] = demo_variants_text()
    st.session_state[state.VARIANT_SOURCE] = "Type or paste"
    st.session_state[state.VARIANT_REFERENCE] = demo_reference().label


@dataclass(frozen=True)
class VariantSource:
    """The variants the user gave: typed text or a VCF's bytes."""

    label: str
    text: str | None = None
    data: bytes | None = None

    def read(self, limit: int) -> tuple[list, VcfInput | None]:
        """Parse up to ``limit`` entries (variants and rejections).

        Returns
        -------
        entries : list of Variant or Rejection
        vcf : VcfInput or None
            For a VCF: its header lines and each entry's own record, which the
            annotated VCF download keeps; ``None`` for typed variants.

        Raises
        ------
        InputError
            A file that is not a VCF, or more than ``limit`` entries.
        """
        from genodash.errors import InputError

        if self.data is not None:
            stream = VcfStream(self.data, self.label)
        elif looks_like_vcf(self.text):
            stream = VcfStream(self.text.encode("utf-8"), "the pasted VCF")
        else:
            entries = parse_text(self.text)
            if len(entries) > limit:
                raise InputError(f"{len(entries):,} variants; the page scores up to {limit:,} at a time")
            return entries, None
        out, sites = [], {}
        with stream:
            numbers = info_numbers(stream.header.meta)
            for _, fields, entries in stream:
                out += entries
                sites.update(vcf_record_sites(fields, entries, numbers))
                if len(out) > limit:
                    raise InputError(
                        f"{self.label} has more than {limit:,} variants; the page scores up to {limit:,} "
                        "at a time. Score large files with the command line: "
                        "genodash score -I in.vcf -R ref.fa -m MODEL -O out.tsv"
                    )
        return out, VcfInput(tuple(stream.header.meta), sites)


def variants_input() -> VariantSource | None:
    """Typed variants or an uploaded VCF; ``None`` while both are empty."""
    source = st.radio(
        "Variants", ["Type or paste", "Upload a VCF"], horizontal=True, key=state.VARIANT_SOURCE
    )
    if source == "Upload a VCF":
        upload = st.file_uploader(
            f"VCF (plain, gzip or bgzip, up to {MAX_VCF_MB} MB). Genotype columns are dropped as it is read.",
            type=["vcf", "gz", "bgz", "txt"],
            key=state.VARIANT_VCF_UPLOAD,
            max_upload_size=MAX_VCF_MB,
        )
        if upload is None:
            return None
        return VariantSource(f"file {upload.name}", data=upload.getvalue())
    st.text_area(
        "One per line: chr17:43045712 G>A, 17-43045712-G-A, or VCF lines (text after # is a note)",
        key=state.VARIANT_TEXT,
        height=150,
        placeholder="U01317.1:62279 G>A\nU01317.1-62632-G-A",
    )
    st.button(
        "Load the demo variants",
        on_click=_fill_demo,
        help="Ten real beta-globin variants of the demo locus: thalassemia splice variants, three controls.",
    )
    text = st.session_state.get(state.VARIANT_TEXT, "")
    return VariantSource("the text box", text=text) if text.strip() else None


def _choose_model(name: str) -> None:
    st.session_state[state.PENDING_MODEL] = name  # the sidebar picks it up on the next run


def splicing_model_hint(reference: ReferenceChoice | None, model_name: str) -> None:
    """Offer SpliceAI when the demo locus is scored with another model (and SpliceAI is usable).

    The demo variants are thalassemia splice variants: another model scores them too
    (e.g. a change in TF binding), but a demo to clinicians wants SpliceAI, one click away.

    Parameters
    ----------
    reference : ReferenceChoice or None
    model_name : str
        The model chosen now.
    """
    if reference is None or reference.label != demo_reference().label or model_name == SPLICING_MODEL:
        return
    if availability().get(SPLICING_MODEL, "not in the zoo") is not None:
        return
    c1, c2 = st.columns([4, 1], vertical_alignment="center")
    c1.info(
        f"The demo locus comes with splice variants. **{model_name}** scores them as changes in its own "
        f"outputs; **{SPLICING_MODEL}** scores splicing (acceptor and donor gain or loss)."
    )
    c2.button(f"Use {SPLICING_MODEL}", on_click=_choose_model, args=(SPLICING_MODEL,))


OWN_TABLE = "This genome's gene table"
UPLOAD_TABLE = "Upload a gene table"


def gene_table_picker(reference: ReferenceChoice | None):
    """SpliceAI's gene annotation: the reference's own, grch37/grch38 from the package, or an upload.

    Returns
    -------
    GeneTable or None
        ``None`` (with a hint shown) until one is available.
    """
    options = ([OWN_TABLE] if reference is not None and reference.annotation is not None else []) + [
        *BUILT_IN,
        UPLOAD_TABLE,
    ]
    choice = st.selectbox(
        "Gene annotation (SpliceAI scores variants inside annotated transcripts)",
        options,
        key=state.VARIANT_ANNOTATION,
        help="Tab-separated: #NAME CHROM STRAND TX_START TX_END EXON_START EXON_END, as the spliceai "
        "command line uses (grch37/grch38 come with the spliceai package).",
    )
    if choice == OWN_TABLE:
        return cached_gene_table(str(reference.annotation))
    if choice != UPLOAD_TABLE:
        return cached_gene_table(choice)
    upload = st.file_uploader(
        "Gene table (text)", type=["txt", "tsv"], key=state.VARIANT_ANNOTATION_UPLOAD, max_upload_size=20
    )
    if upload is None:
        st.info("Upload a gene table, or pick grch37 / grch38.")
        return None
    text = upload.getvalue().decode("utf-8", errors="replace")
    return parse_gene_table(text, upload.name)
