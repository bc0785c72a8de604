"""A variant, and the row that says why an entry was not scored.

Positions are 0-based inside (``Variant.start``) and 1-based at the user's edge
(``Variant.pos``, every message and table), as in VCF.
"""

from __future__ import annotations

from dataclasses import dataclass

#: reason code -> what it means, in plain words (the triage table shows both).
REASONS: dict[str, str] = {
    "unreadable": "the entry is not a variant genodash can read",
    "no_alt": "ALT is '.', there is no alternate allele",
    "symbolic": "symbolic ALT allele such as <DEL> or <INS>: no sequence to score",
    "breakend": "breakend ALT allele (structural variant): no sequence to score",
    "spanning_deletion": "ALT '*' marks a deletion described on another record",
    "invalid_bases": "REF or ALT has letters other than A, C, G, T, N",
    "ref_equals_alt": "REF and ALT are the same sequence",
    "unknown_contig": "the contig is not in the reference genome (tried chr/no-chr and chrM/MT spellings)",
    "past_contig_end": "the position lies past the end of the contig",
    "ref_mismatch": "REF differs from the reference genome at this position (wrong genome build?)",
    "too_long": "REF or ALT is longer than the model's input window",
}


@dataclass(frozen=True)
class Variant:
    """One REF > ALT change.

    Attributes
    ----------
    chrom : str
        Contig as the user wrote it.
    start : int
        0-based position of the first REF base.
    ref, alt : str
        Upper-case alleles (VCF style: indels keep their anchor base).
    id : str
        The VCF ID column, or ``"."``.
    source : str
        Where the entry came from, e.g. ``"line 12"``.
    """

    chrom: str
    start: int
    ref: str
    alt: str
    id: str = "."
    source: str = ""

    @property
    def pos(self) -> int:
        """1-based position, as in VCF."""
        return self.start + 1

    @property
    def end(self) -> int:
        """0-based exclusive end of REF."""
        return self.start + len(self.ref)

    @property
    def kind(self) -> str:
        """``"SNV"``, ``"MNV"``, ``"insertion"``, ``"deletion"`` or ``"complex"``."""
        if len(self.ref) == len(self.alt):
            return "SNV" if len(self.ref) == 1 else "MNV"
        if len(self.alt) > len(self.ref):
            return "insertion" if self.alt.startswith(self.ref) else "complex"
        anchored = self.ref.startswith(self.alt) or (len(self.alt) == 1 and self.ref.endswith(self.alt))
        return "deletion" if anchored else "complex"

    @property
    def label(self) -> str:
        """``chrom:pos REF>ALT`` (1-based)."""
        return f"{self.chrom}:{self.pos} {self.ref}>{self.alt}"


@dataclass(frozen=True)
class Rejection:
    """An entry that is not scored, and why.

    Attributes
    ----------
    source : str
        Where the entry came from, e.g. ``"line 12"``.
    entry : str
        The entry in short form (``chrom:pos REF>ALT`` when known); never genotype columns.
    reason : str
        A key of :data:`REASONS`.
    detail : str
        The specific message, naming the values.
    site : tuple of str, optional
        ``(CHROM, POS, ID, REF, ALT)`` as written, when they make a VCF record (a whole
        POS; one ALT allele), so an annotated VCF can keep the entry; ``None`` otherwise.
    """

    source: str
    entry: str
    reason: str
    detail: str
    site: tuple[str, str, str, str, str] | None = None

    @property
    def message(self) -> str:
        """``source (entry): detail``."""
        return f"{self.source} ({self.entry}): {self.detail}"
