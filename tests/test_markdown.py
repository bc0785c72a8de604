"""genodash.ui.markdown: data shown through Streamlit's Markdown keeps its characters."""

import re

from genodash.ui.markdown import literal


def test_formatting_characters_are_escaped_and_nothing_else_changes():
    reason = "1 ALT '*' marks a deletion; row 3: ALT '*' (deletion on another record)"
    assert literal(reason) == reason.replace("*", r"\*").replace("(", r"\(").replace(")", r"\)")
    for text in ("HBB_IVS1_110 $5$ [link](x) `code` #1 a|b ~x~ <b>", "plain words, 42"):
        escaped = literal(text)
        assert re.sub(r"\\(.)", r"\1", escaped) == text  # Markdown shows the text itself
        assert not re.search(r"(?<!\\)[*_`$\[\]]", escaped)  # no formatting character left bare
