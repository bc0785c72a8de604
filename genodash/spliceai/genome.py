"""A reference genome FASTA (plain or bgzip) read with pyfaidx, its index kept out of the user's folder.

pyfaidx writes ``<file>.fai`` (and ``<file>.gzi`` for bgzip) beside the FASTA. Here
the index lives in a private temporary directory that is removed on :meth:`Genome.close`;
an index that already sits beside the FASTA is copied there (with its time stamp, so a
stale one is rebuilt, in the temporary directory), never written to.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from genodash.errors import InputError, check
from genodash.spliceai.genes import normalise_chrom

#: Mitochondrial contig spellings tried for one another when a name is missing.
_ALIASES = {"M": "MT", "MT": "M", "chrM": "chrMT", "chrMT": "chrM"}


def _is_gzip(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(2) == b"\x1f\x8b"


class Genome:
    """Random access to the contigs of a FASTA file.

    Parameters
    ----------
    path : str or Path
        Plain FASTA, or bgzip-compressed (``bgzip``, not plain ``gzip``).

    Raises
    ------
    InputError
        Missing file, plain gzip, duplicate contig names or an unreadable FASTA.

    Notes
    -----
    Use as a context manager, or call :meth:`close`. Sequence comes back as stored in
    the file (soft-masked lower case is kept).
    """

    def __init__(self, path: str | Path) -> None:
        import pyfaidx

        self.path = Path(path)
        check(self.path.is_file(), f"reference FASTA {self.path} does not exist")
        self._tmp = tempfile.TemporaryDirectory(prefix="genodash-fai-")
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

    def resolve(self, chrom: str) -> str | None:
        """The FASTA's name for a VCF contig (``chr`` prefix matched to the FASTA's style), or ``None``."""
        name = normalise_chrom(chrom, self._first)
        if name in self.lengths:
            return name
        alias = _ALIASES.get(name)
        return alias if alias in self.lengths else None

    def fetch(self, name: str, start: int, end: int) -> str:
        """Bases ``start..end`` (1-based, inclusive) of contig ``name``.

        Raises
        ------
        InputError
            Unknown contig, or a range outside it.
        """
        check(name in self.lengths, f"contig {name!r} is not in the reference {self.path.name}")
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
