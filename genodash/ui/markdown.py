"""Text shown through Streamlit's widgets and Markdown (captions, info boxes, headings) as written."""

from __future__ import annotations

import re

#: Characters Markdown (and Streamlit's ``$...$`` LaTeX) would read as formatting.
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$<>])")


def literal(text: str) -> str:
    """``text`` with every Markdown formatting character backslash-escaped.

    For words that come from data (reason texts such as ``ALT '*'``, sequence names,
    variant IDs) inside a Markdown string: ``a * b * c`` would otherwise turn italic and
    lose its asterisks, ``$x$`` become LaTeX.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        Rendered by Markdown as ``text`` itself.
    """
    return _SPECIAL.sub(r"\\\1", text)


#: Longest label a chip of a multiselect shows whole (a FASTA name can be a whole line).
LABEL_LENGTH = 40


def short_label(label: str) -> str:
    """``label`` cut to :data:`LABEL_LENGTH` characters with an ellipsis (the value keeps it whole).

    Parameters
    ----------
    label : str

    Returns
    -------
    str
    """
    return label if len(label) <= LABEL_LENGTH else label[: LABEL_LENGTH - 1] + "…"


__all__ = ["LABEL_LENGTH", "literal", "short_label"]
