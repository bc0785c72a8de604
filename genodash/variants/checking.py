"""Check variants against a reference genome before anything is scored."""

from __future__ import annotations

from dataclasses import dataclass

from genodash.genome import Genome
from genodash.variants.record import Rejection, Variant


@dataclass(frozen=True)
class CheckedVariant:
    """A variant whose contig, position and REF agree with the reference.

    Attributes
    ----------
    variant : Variant
        As the user gave it.
    contig : str
        The reference's name for its contig (after ``chr``/``MT`` mapping).
    contig_length : int
    """

    variant: Variant
    contig: str
    contig_length: int


def check_variant(
    variant: Variant, genome: Genome, *, max_allele: int | None = None
) -> CheckedVariant | Rejection:
    """Check one variant against the reference.

    Parameters
    ----------
    variant : Variant
    genome : Genome
        Fetches are strict: nothing outside the contig is read.
    max_allele : int, optional
        Longest REF or ALT accepted (e.g. the model's input length).

    Returns
    -------
    CheckedVariant or Rejection
        Reasons: ``unknown_contig``, ``past_contig_end``, ``ref_mismatch``, ``too_long``.
    """
    where = variant.source or variant.label
    entry = variant.label
    contig = genome.resolve(variant.chrom)
    if contig is None:
        shown = ", ".join(list(genome.lengths)[:5]) + (", ..." if len(genome.lengths) > 5 else "")
        return Rejection(
            where,
            entry,
            "unknown_contig",
            f"contig {variant.chrom!r} is not in {genome.name} (which has {shown})",
        )
    length = genome.lengths[contig]
    if variant.end > length:
        return Rejection(
            where,
            entry,
            "past_contig_end",
            f"REF ends at {contig}:{variant.end:,}, past the end of the contig ({length:,} nt)",
        )
    if max_allele is not None and max(len(variant.ref), len(variant.alt)) > max_allele:
        return Rejection(
            where,
            entry,
            "too_long",
            f"an allele of {max(len(variant.ref), len(variant.alt)):,} nt does not fit the "
            f"model's {max_allele:,} nt input",
        )
    found = genome.fetch(contig, variant.pos, variant.end).upper()
    if found != variant.ref:
        return Rejection(
            where,
            entry,
            "ref_mismatch",
            f"REF is {variant.ref} but {genome.name} has {found} at {contig}:{variant.pos:,}",
        )
    return CheckedVariant(variant, contig, length)
