"""genodash.ui.markdown: data shown through Streamlit's Markdown keeps its characters."""

import re

from genodash.ui.markdown import LABEL_LENGTH, literal, short_label


def test_formatting_characters_are_escaped_and_nothing_else_changes():
    reason = "1 ALT '*' marks a deletion; row 3: ALT '*' (deletion on another record)"
    assert literal(reason) == reason.replace("*", r"\*").replace("(", r"\(").replace(")", r"\)")
    for text in ("HBB_IVS1_110 $5$ [link](x) `code` #1 a|b ~x~ <b>", "plain words, 42"):
        escaped = literal(text)
        assert re.sub(r"\\(.)", r"\1", escaped) == text  # Markdown shows the text itself
        assert not re.search(r"(?<!\\)[*_`$\[\]]", escaped)  # no formatting character left bare


def test_long_labels_are_cut_with_an_ellipsis():
    name = "1. chr1:1000000-1000200(+) peak from a long FASTA header line"
    assert short_label("1. short") == "1. short"
    assert short_label(name) == name[: LABEL_LENGTH - 1] + "…" and len(short_label(name)) == LABEL_LENGTH
