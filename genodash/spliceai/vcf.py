"""Read and write VCF text (plain, gzip or bgzip) for SpliceAI annotation.

Records are passed through as text: only the INFO column of scored records changes,
so genotype columns are never parsed, logged or reformatted. The header gets the two
lines the original command line (through htslib) adds: ``##FILTER=<ID=PASS,...>``
after ``##fileformat`` when missing, and the SpliceAI ``##INFO`` line before
``#CHROM`` unless one is already there.
"""

from __future__ import annotations

import gzip
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from genodash.errors import InputError, check
from genodash.spliceai.scoring import INFO_HEADER, VariantRecord

PASS_FILTER = '##FILTER=<ID=PASS,Description="All filters passed">'
INFO_KEY = "SpliceAI"


@dataclass(frozen=True)
class VcfLine:
    """One data line of a VCF.

    Attributes
    ----------
    number : int
        1-based line number in the file.
    text : str
        The line without its line ending.
    record : VariantRecord or None
        ``None`` when the line cannot be read as a record (see ``problem``).
    problem : str
        Why the line is not a record, or ``""``.
    """

    number: int
    text: str
    record: VariantRecord | None
    problem: str = ""


def open_text(path: str | Path) -> TextIO:
    """Open a VCF for reading: ``-`` is standard input; gzip/bgzip detected by magic bytes."""
    if str(path) == "-":
        return sys.stdin
    path = Path(path)
    check(path.is_file(), f"input VCF {path} does not exist")
    with path.open("rb") as handle:
        magic = handle.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline=None)
    return path.open("r", encoding="utf-8", newline=None)


def parse_line(text: str, number: int) -> VcfLine:
    """Read the fields scoring needs from one data line."""
    fields = text.split("\t")
    if len(fields) < 8:
        return VcfLine(number, text, None, f"line {number}: {len(fields)} tab-separated columns, VCF needs 8")
    chrom, pos, _, ref, alt = fields[:5]
    try:
        position = int(pos)
    except ValueError:
        return VcfLine(number, text, None, f"line {number}: POS {pos!r} is not an integer")
    alts = () if alt == "." else tuple(alt.split(","))
    label = f"line {number} ({chrom}:{position} {ref}>{alt})"
    return VcfLine(number, text, VariantRecord(chrom, position, ref, alts, label))


class VcfReader:
    """A VCF file: its header lines, then its data lines one by one.

    Parameters
    ----------
    path : str or Path
        Plain or gzip/bgzip VCF, or ``-`` for standard input.

    Raises
    ------
    InputError
        A missing file, a file that is not text, or no ``#CHROM`` line.
    """

    def __init__(self, path: str | Path) -> None:
        self._handle = open_text(path)
        self.header: list[str] = []
        self._number = 0
        try:
            for line in self._handle:
                self._number += 1
                line = line.rstrip("\r\n")
                if self._number == 1:
                    line = line.lstrip("\ufeff")
                self.header.append(line)
                if line.startswith("#CHROM"):
                    break
                check(
                    line.startswith("##"),
                    f"input VCF line {self._number}: expected a ## header line or #CHROM, got {line[:40]!r}",
                )
        except (UnicodeDecodeError, OSError, EOFError) as exc:
            self.close()
            raise InputError(f"input VCF {path} is not readable VCF text ({exc})") from exc
        except InputError:
            self.close()
            raise
        if not (self.header and self.header[-1].startswith("#CHROM")):
            self.close()
            raise InputError(f"input VCF {path} has no #CHROM header line")

    def __iter__(self) -> Iterator[VcfLine]:
        try:
            for line in self._handle:
                self._number += 1
                text = line.rstrip("\r\n")
                if text:
                    yield parse_line(text, self._number)
        except (UnicodeDecodeError, OSError, EOFError) as exc:
            raise InputError(f"input VCF line {self._number + 1} cannot be read ({exc})") from exc

    def close(self) -> None:
        """Close the file (not standard input)."""
        if self._handle is not sys.stdin:
            self._handle.close()


def annotate_header(header: list[str]) -> list[str]:
    """The input header with the lines the original adds.

    Parameters
    ----------
    header : list of str
        Meta lines and the ``#CHROM`` line.

    Returns
    -------
    list of str
    """
    lines = list(header)
    if not any(line.startswith("##FILTER=<ID=PASS,") for line in lines):
        at = 1 if lines and lines[0].startswith("##fileformat") else 0
        lines.insert(at, PASS_FILTER)
    if not any(line.startswith(f"##INFO=<ID={INFO_KEY},") for line in lines):
        lines.insert(len(lines) - 1, INFO_HEADER)
    return lines


def annotate_line(text: str, value: str) -> str:
    """Set ``SpliceAI=<value>`` in the INFO column of a data line (replacing an old one in place)."""
    fields = text.split("\t")
    entry = f"{INFO_KEY}={value}"
    info = fields[7]
    if info in ("", "."):
        fields[7] = entry
    else:
        items = info.split(";")
        keys = [item.split("=", 1)[0] for item in items]
        if INFO_KEY in keys:
            items[keys.index(INFO_KEY)] = entry
        else:
            items.append(entry)
        fields[7] = ";".join(items)
    return "\t".join(fields)


class VcfWriter:
    """Write VCF text: ``-`` is standard output; ``.gz``/``.bgz`` names get bgzip, as pysam does.

    Parameters
    ----------
    path : str or Path

    Raises
    ------
    InputError
        The file cannot be created.
    """

    def __init__(self, path: str | Path) -> None:
        self._stdout = str(path) == "-"
        self._bgzf = None
        self._text: TextIO | None = None
        if self._stdout:
            self._text = sys.stdout
            return
        path = Path(path)
        try:
            if path.suffix in (".gz", ".bgz"):
                from Bio import bgzf

                self._bgzf = bgzf.BgzfWriter(str(path), "wb")
            else:
                self._text = path.open("w", encoding="utf-8", newline="\n")
        except OSError as exc:
            raise InputError(f"output VCF {path} cannot be written ({exc.strerror or exc})") from exc

    def write_line(self, line: str) -> None:
        """Write one line (a newline is added)."""
        if self._bgzf is not None:
            self._bgzf.write((line + "\n").encode("utf-8"))
        else:
            self._text.write(line + "\n")

    def close(self) -> None:
        """Flush and close (standard output is only flushed)."""
        if self._bgzf is not None:
            self._bgzf.close()
        elif self._stdout:
            self._text.flush()
        else:
            self._text.close()
