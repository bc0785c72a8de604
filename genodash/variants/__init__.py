"""Variants: parse them, check them against a reference, and score REF against ALT.

- :mod:`~genodash.variants.record`: :class:`Variant` (0-based ``start`` inside, 1-based
  ``pos`` at the user's edge) and :class:`Rejection` (an entry not scored, and why;
  :data:`REASONS` lists every reason)
- :mod:`~genodash.variants.parsing`: typed text (``chr17:43045712 G>A``,
  ``17-43045712-G-A``, VCF lines) and VCF files (plain, gzip, bgzip) read line by line;
  genotype columns are dropped as lines are read
- :mod:`~genodash.variants.checking`: contig names mapped (``chr1``/``1``, ``chrM``/``MT``),
  bounds, REF against the genome
- :mod:`~genodash.variants.windows`: REF and ALT input windows centred for a model, and
  their explicit alignment (indels included)
- :mod:`~genodash.variants.scoring`: REF, ALT and delta with any zoo model, in batches
- :mod:`~genodash.variants.splicing`: official SpliceAI delta scores and tracks
"""

from genodash.variants.checking import CheckedVariant, check_variant
from genodash.variants.parsing import VcfStream, parse_line, parse_text
from genodash.variants.record import REASONS, Rejection, Variant
from genodash.variants.scoring import VariantScore, score_one, score_variants
from genodash.variants.windows import Alignment, AlleleWindows, align, build_windows

__all__ = [
    "REASONS",
    "AlleleWindows",
    "Alignment",
    "CheckedVariant",
    "Rejection",
    "Variant",
    "VariantScore",
    "VcfStream",
    "align",
    "build_windows",
    "check_variant",
    "parse_line",
    "parse_text",
    "score_one",
    "score_variants",
]
