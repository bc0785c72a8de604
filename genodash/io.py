"""Read FASTA from a path, bytes, text or a file object, safely.

Everything a user can paste or upload passes through :func:`parse_fasta`, which
never touches the disk. Problems raise :class:`~genodash.errors.FastaError` with
the record name, line and position of the first problems found.
"""

from __future__ import annotations

import io
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from genodash.errors import FastaError
from genodash.sequence import IUPAC_CODES

#: Largest decompressed input accepted by default (bytes).
DEFAULT_MAX_BYTES = 256 * 1024 * 1024
#: Letters that occur in protein but are not IUPAC nucleotide codes.
_PROTEIN_ONLY = frozenset("EFILPQ")
#: Unambiguous nucleotide letters (and N): most letters of a real sequence line are these.
_NUCLEOTIDES = frozenset("ACGTUN")
#: Deletes every character a clean sequence line may hold (IUPAC letters, any case, and spaces).
_DROP_CLEAN = str.maketrans("", "", "".join(IUPAC_CODES) + "".join(IUPAC_CODES).lower() + " \t\r\n\f\v")
#: How much of a line is quoted in a message.
_QUOTE = 40
_MAX_PROBLEMS = 5
_MAGIC = {
    b"BZh": "bzip2",
    b"PK\x03\x04": "zip",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"BAM\x01": "BAM",
    b"\x89HDF": "HDF5",
}


@dataclass(frozen=True)
class Record:
    """One named DNA sequence.

    Attributes
    ----------
    name : str
        The first word of the FASTA header, or ``seq<k>`` for pasted sequence
        without a header.
    sequence : str
        Upper case, ``U`` read as ``T``; IUPAC ambiguity codes kept.
    """

    name: str
    sequence: str


def _decompress(data: bytes, max_bytes: int) -> bytes:
    """Gunzip ``data`` (also multi-member / bgzip), refusing more than ``max_bytes`` out."""
    out = bytearray()
    rest = data
    try:
        while rest:
            decomp = zlib.decompressobj(wbits=31)
            chunk = decomp.decompress(rest, max_bytes + 1 - len(out))
            out += chunk
            if len(out) > max_bytes:
                raise FastaError(
                    f"the gzip file expands to more than {max_bytes // 2**20} MiB; "
                    "that is above this server's limit"
                )
            if not decomp.eof:
                if decomp.unconsumed_tail:
                    raise FastaError(
                        f"the gzip file expands to more than {max_bytes // 2**20} MiB; "
                        "that is above this server's limit"
                    )
                raise FastaError("the gzip file is truncated: it ends before its last block")
            rest = decomp.unused_data
            # bgzip ends with an empty block; padding zeros after the last member are allowed.
            if rest and not rest.startswith(b"\x1f\x8b"):
                if rest.strip(b"\x00"):
                    raise FastaError("the gzip file has extra bytes after its end")
                break
    except zlib.error as exc:
        raise FastaError(f"the gzip file is corrupt ({exc})") from exc
    return bytes(out)


def decode_text(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Turn uploaded bytes into text: gunzip when gzip, refuse binary.

    Parameters
    ----------
    data : bytes
        The raw file content, plain or gzip (detected by magic bytes).
    max_bytes : int, optional
        Largest size accepted, before and after decompression.

    Returns
    -------
    str
        The text with any UTF-8 byte-order mark removed.

    Raises
    ------
    FastaError
        Too large, corrupt or truncated gzip, another compression format, binary data.
    """
    if len(data) > max_bytes:
        raise FastaError(f"the file is {len(data) / 2**20:.1f} MiB; the limit is {max_bytes // 2**20} MiB")
    if data[:2] == b"\x1f\x8b":
        data = _decompress(data, max_bytes)
    for magic, kind in _MAGIC.items():
        if data.startswith(magic):
            raise FastaError(f"this is a {kind} file, not FASTA; plain text or gzip (.gz) is accepted")
    if b"\x00" in data[:65536]:
        raise FastaError("this is a binary file, not FASTA text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FastaError(
            f"byte {exc.start + 1} is not text (not UTF-8): this does not look like a FASTA file"
        ) from exc
    return text.removeprefix("\ufeff")


def _sequence_span(line: str, length: int) -> tuple[int, int]:
    """Where a sequence line's letters are: all of it, less a position number that checks out.

    GenBank writes each line's first position before its bases ("61 acgt..."), EMBL the
    position of its last base after them. Such a number is skipped only when it is exactly
    that position (``length``: bases of the record before this line); any other digit stays
    and is reported.

    Returns
    -------
    tuple of int
        ``(start, end)``: the slice of ``line`` that holds the bases (and their spaces).
    """
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", line)]
    if len(words) < 2:
        return 0, len(line)
    (first_start, first_end), (last_start, last_end) = words[0], words[-1]
    first, last = line[first_start:first_end], line[last_start:last_end]
    if _is_number(first) and int(first) == length + 1:
        return first_end, len(line)
    if _is_number(last) and int(last) == length + sum(end - start for start, end in words[:-1]):
        return 0, last_start
    return 0, len(line)


def _is_number(word: str) -> bool:
    return word.isascii() and word.isdigit()


def _line_problem(line: str, span: tuple[int, int], line_no: int, record: str, offset: int) -> str | None:
    """Describe the first bad character of ``line[span[0]:span[1]]``, or ``None`` if clean.

    Columns count from the start of ``line`` as typed; sequence positions count bases only.
    """
    if not line[span[0] : span[1]].translate(_DROP_CLEAN):  # the usual case, at C speed
        return None
    position = offset
    for col in range(*span):
        letter = line[col]
        if letter.isspace():
            continue
        position += 1
        upper = letter.upper()
        if upper in IUPAC_CODES:
            continue
        where = f"record '{record}', line {line_no}, column {col + 1} (sequence position {position})"
        if letter.isdigit():
            words = line.split()
            numbered = _is_number(words[0]) or _is_number(words[-1])
            return f"{where}: digit {letter!r}; sequence lines hold only nucleotide letters" + (
                " (a number at the start or end of a line is read as GenBank or EMBL numbering only "
                "when it is that line's first or last position)"
                if numbered
                else ""
            )
        if letter in "-.":
            return f"{where}: gap {letter!r}; remove alignment gaps before use"
        if upper in _PROTEIN_ONLY:
            return f"{where}: {letter!r} is not a nucleotide; is this a protein sequence?"
        return (
            f"{where}: {letter!r} is not a nucleotide letter "
            f"(allowed: {''.join(sorted(IUPAC_CODES))}, any case)"
        )
    return None


def _quote(line: str) -> str:
    """The start of ``line`` for a message: at most :data:`_QUOTE` characters, in quotes."""
    return repr(line if len(line) <= _QUOTE else line[:_QUOTE] + "...")


def _vcf_problem(lines: list[str]) -> str | None:
    """Say so when the text is a VCF, else ``None``.

    A VCF: ``##fileformat=VCF`` first, or a ``#CHROM`` line among the ``#`` lines it opens
    with. Only that opening block is read, so a FASTA (first line ``>``) costs one line.
    """
    found = None
    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("#"):
            break
        if line.lower().startswith("##fileformat=vcf") or line.startswith("#CHROM"):
            found = i
            break
    if found is None:
        return None
    return (
        f"this is a VCF of variants (line {found + 1} reads {_quote(lines[found].strip())}), "
        "not DNA sequences: score its variants on the Variant page"
    )


def _not_dna_problem(lines: list[str]) -> str | None:
    """Describe headerless text whose first sequence line is clearly prose, not DNA; else ``None``.

    Clearly not DNA: words separated by spaces, one of which holds a letter that is no
    IUPAC nucleotide code, or letters that are mostly not ``A, C, G, T, U, N``. Anything
    else is left to the per-letter checks, which name the exact column.
    """
    for line_no, raw_line in enumerate(lines, start=1):
        line = raw_line.strip()[:1000]  # enough to judge; a genome on one line stays cheap
        if not line or line.startswith(";"):
            continue
        letters = [c.upper() for c in line if c.isalpha()]
        if not letters:
            return None
        words = line.split()
        prose = len(words) > 1 and any(
            any(c.isalpha() and c.upper() not in IUPAC_CODES for c in word) for word in words
        )
        mostly_other = sum(c in _NUCLEOTIDES for c in letters) < len(letters) / 2
        if not (prose or mostly_other):
            return None
        protein = len(words) == 1 and len(letters) >= 10 and not _PROTEIN_ONLY.isdisjoint(letters)
        return (
            "this is neither FASTA (no '>name' header line) nor a plain DNA sequence: "
            f"line {line_no} reads {_quote(line)}"
            + (" (is this a protein sequence?)" if protein else "")
            + ". FASTA starts each sequence with a line '>name'; a plain sequence holds only "
            "nucleotide letters"
        )
    return None


def parse_fasta(data: bytes | str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Record]:
    """Parse FASTA (or headerless sequence) from content; never reads the disk.

    Parameters
    ----------
    data : bytes or str
        File content (plain or gzip bytes) or pasted text. Text without any ``>``
        header is read as raw sequence: blocks separated by blank lines are
        separate sequences named ``seq1``, ``seq2``, ...; lines within a block
        are joined. CRLF, lone CR and a UTF-8 byte-order mark are accepted, and so
        are GenBank- or EMBL-style position numbers that match the line's positions.
        Headerless text whose first line is clearly not DNA (words of prose,
        mostly letters other than A, C, G, T, U, N) and VCF text are refused
        with one message that says what the input is.
    max_bytes : int, optional
        Largest input accepted (after decompression).

    Returns
    -------
    list of Record
        In input order, at least one.

    Raises
    ------
    FastaError
        With the record name and line (and position) of up to five problems.
    """
    text = decode_text(data, max_bytes=max_bytes) if isinstance(data, bytes | bytearray) else data
    text = text.removeprefix("\ufeff")
    lines = text.splitlines()
    if not any(line.strip() for line in lines):
        raise FastaError("the input is empty: paste sequences or upload a FASTA file")
    has_header = any(line.lstrip().startswith(">") for line in lines)
    if problem := _vcf_problem(lines) or (None if has_header else _not_dna_problem(lines)):
        raise FastaError(problem)

    records: list[Record] = []
    problems: list[str] = []
    name: str | None = None
    header_line = 0
    chunks: list[str] = []
    length = 0

    def close() -> None:
        if name is None:
            return
        if not chunks:
            kind = "header" if has_header else "block"
            problems.append(f"record '{name}' ({kind} at line {header_line}) has no sequence")
        else:
            seq = "".join(chunks).upper().replace("U", "T")
            records.append(Record(name, seq))

    for line_no, raw_line in enumerate(lines, start=1):
        line = raw_line.strip()
        if line.startswith(">"):
            close()
            words = line[1:].split()
            name = words[0] if words else f"seq{len(records) + 1}"
            header_line, chunks, length = line_no, [], 0
            continue
        if not line or line.startswith(";"):
            if not has_header and not line and name is not None:
                close()
                name = None
            continue
        if name is None:
            if has_header:
                problems.append(
                    f"line {line_no} holds sequence before the first '>' header; "
                    "give every sequence a header line, or paste sequences without any headers"
                )
                if len(problems) >= _MAX_PROBLEMS:
                    break
                continue
            name = f"seq{len(records) + 1}"
            header_line, chunks, length = line_no, [], 0
        span = _sequence_span(raw_line, length)
        problem = _line_problem(raw_line, span, line_no, name, length)
        line = "".join(raw_line[span[0] : span[1]].split())
        if problem:
            problems.append(problem)
            if len(problems) >= _MAX_PROBLEMS:
                break
        chunks.append(line)
        length += len(line)
    else:
        close()

    if problems:
        more = " (showing the first five problems)" if len(problems) >= _MAX_PROBLEMS else ""
        raise FastaError("cannot read the sequences" + more + ":\n- " + "\n- ".join(problems))
    return records


def read_fasta(
    source: str | os.PathLike | bytes | BinaryIO | TextIO, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> list[Record]:
    """Read FASTA records from a path, bytes, text or an open file.

    Parameters
    ----------
    source : str, path-like, bytes or file object
        A ``pathlib.Path`` (or other path-like) is read from disk; ``bytes`` and
        file objects are content. A ``str`` naming an existing file (one line,
        no ``>``) is read from disk, any other ``str`` is content. Code that
        handles user input calls :func:`parse_fasta`, which never reads the disk.
    max_bytes : int, optional
        Largest input accepted, before and after decompression.

    Returns
    -------
    list of Record
    """
    if isinstance(source, str) and "\n" not in source and ">" not in source:
        if os.path.isfile(source):
            source = Path(source)
    if isinstance(source, os.PathLike):
        path = Path(source)
        if not path.is_file():
            raise FastaError(f"no such file: {path}")
        if path.stat().st_size > max_bytes:
            raise FastaError(f"{path.name} is larger than {max_bytes // 2**20} MiB")
        return parse_fasta(path.read_bytes(), max_bytes=max_bytes)
    if isinstance(source, io.TextIOBase) or hasattr(source, "read"):
        content = source.read(max_bytes + 1)
        if len(content) > max_bytes:
            raise FastaError(f"the input is larger than {max_bytes // 2**20} MiB")
        return parse_fasta(content, max_bytes=max_bytes)
    return parse_fasta(source, max_bytes=max_bytes)


def write_fasta(records: list[Record], width: int = 60) -> str:
    """Format records as FASTA text with lines of ``width`` letters.

    Parameters
    ----------
    records : list of Record
    width : int, optional

    Returns
    -------
    str
    """
    out = []
    for record in records:
        out.append(f">{record.name}")
        out.extend(record.sequence[i : i + width] for i in range(0, len(record.sequence), width))
    return "\n".join(out) + "\n"


__all__ = ["Record", "parse_fasta", "read_fasta", "decode_text", "write_fasta"]
