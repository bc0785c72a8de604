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

import importlib

#: public name -> submodule; imported on first use (PEP 562), so importing one light
#: submodule (``genodash.variants.command`` for ``genodash --help``) does not load torch.
_EXPORTS = {
    "CheckedVariant": "checking",
    "check_variant": "checking",
    "VcfStream": "parsing",
    "parse_line": "parsing",
    "parse_text": "parsing",
    "REASONS": "record",
    "Rejection": "record",
    "Variant": "record",
    "VariantScore": "scoring",
    "score_one": "scoring",
    "score_variants": "scoring",
    "Alignment": "windows",
    "AlleleWindows": "windows",
    "align": "windows",
    "build_windows": "windows",
}


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"genodash.variants.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'genodash.variants' has no attribute {name!r}")


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
