"""Reference genomes a user can pick: the shipped demo locus and a server's genomes folder.

The server's folder is ``$GENODASH_GENOMES_DIR`` (several separated by ``os.pathsep``).
Every ``*.fa``, ``*.fasta``, ``*.fna`` (optionally bgzip-compressed, ``.gz``/``.bgz``) in
it is offered. A SpliceAI gene table for a genome may sit beside it as
``<genome stem>.spliceai.txt``; the tables installed with the ``spliceai`` package
(``grch37``, ``grch38``) can be chosen for any genome. FASTA indexes are built in a
temporary directory (:class:`genodash.genome.Genome`), never in that folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

GENOMES_DIR_ENV = "GENODASH_GENOMES_DIR"
DEMO_DIR = Path(__file__).resolve().parent.parent.parent / "data" / "hbb_locus"
_SUFFIXES = (".fa", ".fasta", ".fna")


@dataclass(frozen=True)
class ReferenceSource:
    """A reference genome on the server.

    Attributes
    ----------
    label : str
        Shown in the picker.
    fasta : Path
    annotation : Path or None
        A SpliceAI gene table for it, when one is known.
    examples : Path or None
        A VCF of example variants (the demo locus).
    description : str
    """

    label: str
    fasta: Path
    annotation: Path | None = None
    examples: Path | None = None
    description: str = ""


def demo_reference() -> ReferenceSource:
    """The human beta-globin locus (INSDC U01317.1) with its genes and ten thalassemia variants."""
    return ReferenceSource(
        "Demo: human beta-globin locus (U01317.1, 73 kb)",
        DEMO_DIR / "U01317.1.fa",
        DEMO_DIR / "annotation_spliceai.txt",
        DEMO_DIR / "hbb_variants.vcf",
        "73,308 bp of human chromosome 11 around HBE1, HBG2, HBG1, HBD and HBB, one contig named "
        "U01317.1; ten real variants with known consequences (thalassemia splice variants and controls).",
    )


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".bgz"):
        name = name.removesuffix(suffix)
    return Path(name).stem


def server_references() -> list[ReferenceSource]:
    """FASTA files in ``$GENODASH_GENOMES_DIR`` (none when it is unset)."""
    found = []
    for folder in filter(None, os.environ.get(GENOMES_DIR_ENV, "").split(os.pathsep)):
        root = Path(folder)
        if not root.is_dir():
            continue
        for path in sorted(root.iterdir()):
            name = path.name.removesuffix(".gz").removesuffix(".bgz")
            if path.is_file() and name.endswith(_SUFFIXES):
                table = path.with_name(f"{_stem(path)}.spliceai.txt")
                found.append(
                    ReferenceSource(f"Server: {path.name}", path, table if table.is_file() else None)
                )
    return found


def demo_variants_text() -> str:
    """The demo VCF's variants as text lines (``chrom:pos REF>ALT``), for the text box."""
    from genodash.variants.parsing import VcfStream

    with VcfStream(demo_reference().examples) as stream:
        lines = []
        for _, fields, _entries in stream:
            lines.append(f"{fields[0]}:{fields[1]} {fields[3]}>{fields[4]}  # {fields[2]}")
    return "\n".join(lines)
