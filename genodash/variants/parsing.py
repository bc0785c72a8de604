"""Read variants from text a user types and from VCF files, streaming.

Accepted one per line (``#`` lines and blank lines are skipped; text after ``#`` on a
typed line becomes the variant's ID):

- ``chr17:43045712 G>A`` (also ``chr17:43,045,712 G>A``, ``chr17:43045712:G>A``)
- ``17-43045712-G-A``, ``17:43045712:G:A``, ``17_43045712_G_A`` (gnomAD style)
- a VCF data line (tab- or space-separated, at least 5 columns)

Multi-allelic entries (``G>A,T`` or ``ALT=A,T``) become one :class:`Variant` per ALT.
Anything else becomes a :class:`Rejection` naming the line; nothing raises for one bad
entry. VCF files are read line by line (plain, gzip or bgzip) and only the first
eight columns are kept: genotype columns are dropped as each line is read.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from genodash.errors import InputError, check
from genodash.variants.record import Rejection, Variant

_BASES = frozenset("ACGTN")
_ALT = r"(?P<alt>[A-Za-z0-9*,.\[\]:<>_]+)"
_ARROW = re.compile(r"^(?P<chrom>[^\s:]+):(?P<pos>[\d,]+)[\s:]*(?P<ref>[A-Za-z]+)\s*>\s*" + _ALT + "$")
_DASHED = re.compile(r"^(?P<chrom>[^\s:_-]+)[-:_](?P<pos>\d+)[-:_](?P<ref>[A-Za-z]+)[-:_]" + _ALT + "$")

Entry = Variant | Rejection


def _short(chrom: str, pos: str, ref: str, alt: str) -> str:
    return f"{chrom}:{pos} {ref}>{alt}"[:80]


def split_alleles(chrom: str, pos: str, ref: str, alts: str, source: str, vid: str = ".") -> list[Entry]:
    """Check the fields of one entry and split its ALT alleles.

    Parameters
    ----------
    chrom, pos, ref, alts : str
        As written (``pos`` 1-based; ``alts`` comma-separated).
    source : str
        Where the entry is, e.g. ``"line 3"``.
    vid : str
        The ID column.

    Returns
    -------
    list of Variant or Rejection
        One per ALT allele (one rejection for an unreadable entry).
    """
    entry = _short(chrom, pos, ref, alts)
    try:
        position = int(pos.replace(",", ""))
    except ValueError:
        return [Rejection(source, entry, "unreadable", f"position {pos!r} is not a whole number")]
    if position < 1:
        return [Rejection(source, entry, "unreadable", f"position {position} is below 1 (VCF is 1-based)")]
    ref_upper = ref.upper()
    if not ref_upper or not set(ref_upper) <= _BASES:
        bad = "".join(sorted(set(ref_upper) - _BASES)) or "(empty)"
        return [Rejection(source, entry, "invalid_bases", f"REF {ref!r} has letters other than ACGTN: {bad}")]
    if alts in ("", "."):
        return [Rejection(source, entry, "no_alt", "ALT is '.', there is no alternate allele")]
    out: list[Entry] = []
    for alt in alts.split(","):
        problem = _allele_problem(ref_upper, alt)
        if problem is None:
            out.append(Variant(chrom, position - 1, ref_upper, alt.upper(), vid or ".", source))
            continue
        site = (chrom, str(position), vid or ".", ref, alt) if alt not in ("", "-") else None
        out.append(Rejection(source, _short(chrom, pos, ref, alt), *problem, site))
    return out


def _allele_problem(ref: str, alt: str) -> tuple[str, str] | None:
    """Why one ALT allele cannot be scored against ``ref`` (upper case): ``(reason, detail)``, or ``None``."""
    if alt == "*":
        return "spanning_deletion", "ALT '*' (deletion on another record)"
    if "[" in alt or "]" in alt:
        return "breakend", f"ALT {alt!r} is a breakend; not supported"
    if alt.startswith("<") or alt in (".", "-", ""):
        return "symbolic", f"ALT {alt!r} is symbolic; not supported"
    if not set(alt.upper()) <= _BASES:
        bad = "".join(sorted(set(alt.upper()) - _BASES))
        return "invalid_bases", f"ALT {alt!r} is not ACGTN: {bad}"
    if alt.upper() == ref:
        return "ref_equals_alt", f"REF and ALT are both {ref}"
    return None


def parse_line(line: str, source: str) -> list[Entry]:
    """Read one line in any accepted form; see the module docstring.

    Returns
    -------
    list of Variant or Rejection
        Empty for blank and ``#`` lines.
    """
    text = line.strip().lstrip("\ufeff")
    if not text or text.startswith("#"):
        return []
    fields = text.split("\t") if "\t" in text else text.split()
    if len(fields) >= 5 and fields[1].replace(",", "").isdigit():
        return split_alleles(fields[0], fields[1], fields[3], fields[4], source, fields[2])
    text, _, comment = text.partition("#")  # "chr1:5 A>G  # my note": the note becomes the ID
    compact = " ".join(text.split())
    match = _ARROW.match(compact) or _DASHED.match(compact)
    if match is None:
        return [
            Rejection(
                source,
                text[:80],
                "unreadable",
                "not a variant; write chr17:43045712 G>A, 17-43045712-G-A or a VCF line",
            )
        ]
    return split_alleles(
        match["chrom"], match["pos"], match["ref"], match["alt"], source, comment.strip() or "."
    )


def parse_text(text: str) -> list[Entry]:
    """Every variant typed or pasted in a text box, line by line.

    Parameters
    ----------
    text : str

    Returns
    -------
    list of Variant or Rejection
        In input order; sources are ``"line N"`` (1-based).
    """
    entries: list[Entry] = []
    for number, line in enumerate(text.splitlines(), start=1):
        entries.extend(parse_line(line, f"line {number}"))
    return entries


@dataclass
class VcfHeader:
    """The header of a VCF.

    Attributes
    ----------
    meta : list of str
        ``##`` lines.
    columns : list of str
        The first eight names of the ``#CHROM`` line (sample names are not kept).
    samples : int
        How many sample (genotype) columns the file has.
    """

    meta: list[str]
    columns: list[str]
    samples: int


def text_lines(stream: BinaryIO, name: str) -> Iterator[str]:
    """Decode a binary stream line by line; gzip/bgzip detected by magic bytes.

    Raises
    ------
    InputError
        Damaged gzip or text that is not UTF-8, naming the line.
    """
    buffered = io.BufferedReader(stream) if not hasattr(stream, "peek") else stream
    magic = buffered.peek(2)[:2]
    check(magic[:1] != b"", f"{name} is empty")
    raw: BinaryIO = gzip.GzipFile(fileobj=buffered) if magic == b"\x1f\x8b" else buffered
    number = 0
    try:
        for number, line in enumerate(raw, start=1):  # noqa: B007
            yield line.decode("utf-8-sig").rstrip("\r\n")  # -sig: a leading byte-order mark is dropped
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} line {number} is not UTF-8 text; is it a VCF?") from exc
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(f"{name} is damaged or truncated gzip near line {number + 1} ({exc})") from exc


class VcfStream:
    """Variants of a VCF read one line at a time (memory stays flat however long the file).

    Parameters
    ----------
    source : str, Path, bytes or binary file object
        A path, the file's bytes (a browser upload), or an open binary stream.
    name : str, optional
        How messages name the file.

    Raises
    ------
    InputError
        Not a VCF (no ``#CHROM`` line before the data), empty, not text.

    Notes
    -----
    Iterate to get ``(line_number, first_eight_columns, entries)``; genotype
    columns are split off and dropped before anything else sees the line.
    """

    def __init__(self, source: str | Path | bytes | BinaryIO, name: str | None = None) -> None:
        if isinstance(source, bytes):
            self.name = name or "uploaded VCF"
            stream: BinaryIO = io.BytesIO(source)
        elif isinstance(source, (str, Path)):
            path = Path(source)
            self.name = name or path.name
            check(path.is_file(), f"VCF {path} does not exist")
            stream = path.open("rb")
        else:
            self.name = name or "VCF"
            stream = source
        self._stream = stream
        self._lines = text_lines(stream, self.name)
        self._number = 0
        meta: list[str] = []
        try:
            for line in self._lines:
                self._number += 1
                if line.startswith("##"):
                    meta.append(line)
                    continue
                if line.startswith("#CHROM"):
                    columns = line.split("\t")
                    self.header = VcfHeader(meta, columns[:8], max(0, len(columns) - 9))
                    return
                raise InputError(
                    f"{self.name} line {self._number}: expected '##' header lines and then '#CHROM'; "
                    f"got {line[:40]!r}. Is this a VCF? (single variants can be typed as chr17:43045712 G>A)"
                )
            raise InputError(f"{self.name} has no '#CHROM' header line; is it a VCF?")
        except InputError:
            self.close()  # also when the file is empty, not UTF-8 or damaged gzip
            raise

    def __iter__(self) -> Iterator[tuple[int, list[str], list[Entry]]]:
        for line in self._lines:
            self._number += 1
            if not line.strip():
                continue
            fields = line.split("\t", 8)[:8]
            source = f"line {self._number}"
            if len(fields) < 5:
                entry = Rejection(
                    source, line[:60], "unreadable", f"{len(fields)} tab-separated columns; VCF needs 8"
                )
                yield self._number, fields, [entry]
                continue
            chrom, pos, vid, ref, alts = fields[:5]
            yield self._number, fields, split_alleles(chrom, pos, ref, alts, source, vid)

    def entries(self) -> Iterator[Entry]:
        """Just the variants and rejections, in file order."""
        for _, _, entries in self:
            yield from entries

    def close(self) -> None:
        """Close the underlying file."""
        self._stream.close()

    def __enter__(self) -> VcfStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def looks_like_vcf(text: str) -> bool:
    """Whether pasted text is a whole VCF (starts with ``##fileformat`` or ``#CHROM``)."""
    head = text.lstrip("\ufeff \n")
    return head.startswith("##fileformat=VCF") or head.startswith("#CHROM")


def variants_only(entries: Iterable[Entry]) -> list[Variant]:
    """The :class:`Variant` entries of a list."""
    return [e for e in entries if isinstance(e, Variant)]
