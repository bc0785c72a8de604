"""A reference genome FASTA (plain or bgzip) read with pyfaidx, its index kept out of the user's folder.

pyfaidx writes ``<file>.fai`` (and ``<file>.gzi`` for bgzip) beside the FASTA. Here
the index lives in a private temporary directory that is removed on :meth:`Genome.close`;
an index that already sits beside the FASTA is copied there (with its time stamp, so a
stale one is rebuilt, in the temporary directory), never written to. A FASTA uploaded
in the browser (:meth:`Genome.from_bytes`) is written into that temporary directory
too, and removed with it.
"""

from __future__ import annotations

import gzip
import io
import shutil
import tempfile
import zlib
from pathlib import Path

from genodash.errors import InputError, check
from genodash.spliceai.genes import normalise_chrom

#: Mitochondrial contig spellings tried for one another when a name is missing.
_MITO = ("chrM", "chrMT", "MT", "M")


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


class Genome:
    """Random access to the contigs of a FASTA file.

    Parameters
    ----------
    path : str or Path
        Plain FASTA, or bgzip-compressed (``bgzip``, not plain ``gzip``).
    name : str, optional
        The file name shown in messages (default: the file's own name).

    Raises
    ------
    InputError
        Missing file, plain gzip, duplicate contig names or an unreadable FASTA.

    Notes
    -----
    Use as a context manager, or call :meth:`close`. Sequence comes back as stored in
    the file (soft-masked lower case is kept).
    """

    def __init__(
        self, path: str | Path, *, name: str | None = None, _tmp: tempfile.TemporaryDirectory | None = None
    ) -> None:
        import pyfaidx

        self.path = Path(path)
        #: the file name shown to users (an upload's own name, not its temporary copy's)
        self.name = name or self.path.name
        check(self.path.is_file(), f"reference FASTA {self.path} does not exist")
        self._tmp = _tmp if _tmp is not None else tempfile.TemporaryDirectory(prefix="genodash-fai-")
        index = Path(self._tmp.name) / "genome.fai"
        gzi = Path(self._tmp.name) / "genome.gzi"
        for beside, copy in ((Path(f"{self.path}.fai"), index), (Path(f"{self.path}.gzi"), gzi)):
            if beside.is_file():
                shutil.copy2(beside, copy)
        try:
            self._faidx = pyfaidx.Faidx(
                str(self.path),
                indexname=str(index),
                gzi_indexname=str(gzi) if _is_gzip(self.path) else None,
                strict_bounds=True,
            )
        except pyfaidx.UnsupportedCompressionFormat as exc:
            self._tmp.cleanup()
            raise InputError(
                f"reference FASTA {self.path} is gzip-compressed but not with bgzip; "
                "recompress it with: gunzip -c file.fa.gz | bgzip > file.fa.gz"
            ) from exc
        except (ValueError, OSError, IndexError, pyfaidx.FastaIndexingError) as exc:
            self._tmp.cleanup()
            raise InputError(f"reference FASTA {self.path} cannot be indexed: {exc}") from exc
        self.lengths = {name: record.rlen for name, record in self._faidx.index.items()}
        check(len(self.lengths) > 0, f"reference FASTA {self.path} has no sequences")
        self._first = next(iter(self.lengths))

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "uploaded.fa", *, max_bytes: int = 2**31) -> Genome:
        """Index a FASTA given as bytes (e.g. a browser upload), inside a private temporary directory.

        Parameters
        ----------
        data : bytes
            Plain, gzip or bgzip FASTA; gzip is decompressed (at most ``max_bytes``).
        name : str
            The user's file name, for messages (never used as a path).
        max_bytes : int
            Largest decompressed size accepted.

        Returns
        -------
        Genome
            Its :meth:`close` removes the copy and the index.
        """
        check(len(data) > 0, f"reference FASTA {name!r} is empty")
        if data[:2] == b"\x1f\x8b":
            try:
                with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
                    data = handle.read(max_bytes + 1)
            except (OSError, EOFError, zlib.error) as exc:
                raise InputError(f"reference FASTA {name!r} is a damaged gzip file ({exc})") from exc
            check(len(data) <= max_bytes, f"reference FASTA {name!r} unpacks to over {max_bytes:,} bytes")
        check(
            data.lstrip()[:1] == b">",
            f"reference FASTA {name!r} does not start with a '>' header line",
        )
        tmp = tempfile.TemporaryDirectory(prefix="genodash-ref-")
        path = Path(tmp.name) / "reference.fa"
        path.write_bytes(data)
        try:
            return cls(path, name=name, _tmp=tmp)
        except InputError as exc:
            tmp.cleanup()
            raise InputError(str(exc).replace(str(path), repr(name))) from exc

    def resolve(self, chrom: str) -> str | None:
        """The FASTA's name for a VCF contig, or ``None``.

        Tried in order: the name as given; its ``chr`` prefix matched to the FASTA's
        first contig; the prefix added or dropped; and for the mitochondrion every
        spelling of ``chrM``, ``chrMT``, ``MT``, ``M``.
        """
        toggled = chrom.removeprefix("chr") if chrom.startswith("chr") else "chr" + chrom
        for name in (chrom, normalise_chrom(chrom, self._first), toggled):
            if name in self.lengths:
                return name
        if chrom in _MITO:
            return next((name for name in _MITO if name in self.lengths), None)
        return None

    def fetch(self, name: str, start: int, end: int) -> str:
        """Bases ``start..end`` (1-based, inclusive) of contig ``name``.

        Raises
        ------
        InputError
            Unknown contig, or a range outside it.
        """
        check(name in self.lengths, f"contig {name!r} is not in the reference {self.name}")
        check(
            1 <= start <= end <= self.lengths[name],
            f"{name}:{start}-{end} is outside the contig (1-{self.lengths[name]})",
        )
        return str(self._faidx.fetch(name, start, end).seq)

    def close(self) -> None:
        """Close the file and remove the temporary index."""
        self._faidx.close()
        self._tmp.cleanup()

    def __enter__(self) -> Genome:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
