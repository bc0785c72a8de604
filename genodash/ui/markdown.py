"""Text shown through Streamlit's Markdown (captions, info boxes, headings) exactly as written."""

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


__all__ = ["literal"]
