"""Gene tables in SpliceAI's layout: which transcript a variant falls in, and its exon boundaries.

The layout (tab-separated, one header line) is that of the ``spliceai`` package's
``annotations/grch37.txt`` and ``grch38.txt``::

    #NAME  CHROM  STRAND  TX_START  TX_END  EXON_START  EXON_END
    HBB    11     -       5225463   5229395 5225463,5226576,5227020,  5225726,5226799,5227071,

Starts are 0-based, ends 1-based (BED-like); exon lists are comma-separated (with a
trailing comma in the shipped tables). Inside genodash a :class:`Gene` holds 1-based
inclusive coordinates, converted once here.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from genodash.errors import InputError, check
from genodash.spliceai.weights import INSTALL_COMMAND, package_dir

COLUMNS = ("#NAME", "CHROM", "STRAND", "TX_START", "TX_END", "EXON_START", "EXON_END")
BUILT_IN = ("grch37", "grch38")


@dataclass(frozen=True)
class Gene:
    """One transcript of a gene table, 1-based inclusive coordinates.

    Attributes
    ----------
    name, chrom : str
    strand : {"+", "-"}
    tx_start, tx_end : int
        First and last base of the transcript.
    exon_starts, exon_ends : tuple of int
        First and last base of each exon.
    """

    name: str
    chrom: str
    strand: str
    tx_start: int
    tx_end: int
    exon_starts: tuple[int, ...]
    exon_ends: tuple[int, ...]

    def nearest_boundary(self, pos: int) -> int:
        """Signed distance from ``pos`` to the nearest exon start or end (ties: the lower one).

        Parameters
        ----------
        pos : int
            1-based position.

        Returns
        -------
        int
            ``boundary - pos``, as the official masking (``-M 1``) uses it.
        """
        boundaries = sorted(set(self.exon_starts) | set(self.exon_ends))
        return min((b - pos for b in boundaries), key=abs)


def normalise_chrom(name: str, like: str) -> str:
    """Add or drop a ``chr`` prefix so that ``name`` follows the style of ``like``.

    Parameters
    ----------
    name : str
        A contig name from a VCF (``1`` or ``chr1``).
    like : str
        A contig name of the target (gene table or FASTA).

    Returns
    -------
    str
    """
    if name.startswith("chr") and not like.startswith("chr"):
        return name.removeprefix("chr")
    if not name.startswith("chr") and like.startswith("chr"):
        return "chr" + name
    return name


class GeneTable:
    """Transcripts by contig, searchable by position.

    Parameters
    ----------
    genes : list of Gene
        In table order (the order in which several genes of one variant are reported).
    source : str
        Where the table came from, for messages.
    """

    def __init__(self, genes: list[Gene], source: str) -> None:
        check(len(genes) > 0, f"gene table {source} has no genes")
        self.genes = tuple(genes)
        self.source = source
        self._chroms = np.array([g.chrom for g in genes], dtype=object)
        self._starts = np.array([g.tx_start for g in genes], dtype=np.int64)
        self._ends = np.array([g.tx_end for g in genes], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.genes)

    def overlapping(self, chrom: str, pos: int) -> list[int]:
        """Indices of the transcripts that contain a position.

        Parameters
        ----------
        chrom : str
            Contig as written in the VCF; a ``chr`` prefix is added or dropped to
            match the table's first contig, as the official command line does.
        pos : int
            1-based position.

        Returns
        -------
        list of int
            In table order.
        """
        chrom = normalise_chrom(chrom, self.genes[0].chrom)
        hits = (self._chroms == chrom) & (self._starts <= pos) & (pos <= self._ends)
        return np.flatnonzero(hits).tolist()


def _positions(field: str, what: str, where: str, shift: int) -> tuple[int, ...]:
    items = field.strip().split(",")
    if items and items[-1] == "":
        items = items[:-1]
    try:
        return tuple(int(x) + shift for x in items)
    except ValueError as exc:
        raise InputError(f"{where}: {what} {field!r} is not a comma-separated list of integers") from exc


def parse_gene_table(text: str, source: str) -> GeneTable:
    """Parse a gene table (see the module docstring for the layout).

    Parameters
    ----------
    text : str
        The whole file.
    source : str
        Its name, used in messages.

    Returns
    -------
    GeneTable

    Raises
    ------
    InputError
        A missing column, a malformed number or strand, or an empty table (the
        message names the line).
    """
    rows = csv.reader(io.StringIO(text), delimiter="\t")
    header = next(rows, None)
    check(header is not None, f"gene table {source} is empty")
    header = [h.strip() for h in header]
    missing = [c for c in COLUMNS if c not in header]
    check(
        not missing,
        f"gene table {source}: the header lacks {', '.join(missing)}; expected tab-separated "
        + " ".join(COLUMNS),
    )
    col = {name: header.index(name) for name in COLUMNS}
    genes = []
    for line, row in enumerate(rows, start=2):
        if not row or not "".join(row).strip():
            continue
        where = f"gene table {source}, line {line}"
        check(len(row) >= len(header), f"{where}: {len(row)} columns, the header has {len(header)}")
        value = {name: row[i].strip() for name, i in col.items()}
        check(value["STRAND"] in ("+", "-"), f"{where}: strand {value['STRAND']!r} is not + or -")
        try:
            tx_start, tx_end = int(value["TX_START"]) + 1, int(value["TX_END"])
        except ValueError as exc:
            raise InputError(f"{where}: TX_START/TX_END must be integers") from exc
        starts = _positions(value["EXON_START"], "EXON_START", where, 1)
        ends = _positions(value["EXON_END"], "EXON_END", where, 0)
        check(len(starts) == len(ends) > 0, f"{where}: EXON_START and EXON_END list different exon counts")
        check(tx_start <= tx_end, f"{where}: TX_START is after TX_END")
        genes.append(Gene(value["#NAME"], value["CHROM"], value["STRAND"], tx_start, tx_end, starts, ends))
    return GeneTable(genes, source)


def read_gene_table(annotation: str | os.PathLike) -> GeneTable:
    """The package's ``grch37`` / ``grch38`` table, or a custom file in the same layout.

    Parameters
    ----------
    annotation : str or path
        ``"grch37"``, ``"grch38"`` (GENCODE V24 canonical transcripts, from the
        installed ``spliceai`` package) or a path.

    Returns
    -------
    GeneTable

    Raises
    ------
    InputError
        Unknown file, unreadable table, or a built-in table whose package is missing.
    """
    if str(annotation) in BUILT_IN:
        root = package_dir()
        check(
            root is not None,
            f"the {annotation} gene table ships in the spliceai package; install it with: {INSTALL_COMMAND}",
        )
        path = root / "annotations" / f"{annotation}.txt"
    else:
        path = Path(annotation)
    check(path.is_file(), f"gene table {path} does not exist (use grch37, grch38 or a file)")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"gene table {path} is not a text file") from exc
    return parse_gene_table(text, str(annotation))
