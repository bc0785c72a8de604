"""Pieces of the Variant page's view that need no browser: logo reading notes, heatmap clicks."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

from genodash.attribution_figures import ism_heatmap
from genodash.spliceai.scoring import DeltaScores, VariantScores
from genodash.ui.page_icon import page_icon
from genodash.ui.variant_view import (
    NOT_SCORED,
    spliceai_logo_flank,
    spliceai_logo_reading,
    triage_column_order,
    triage_styled,
)
from genodash.variants.figures import clickable
from genodash.variants.record import Variant
from genodash.variants.triage import TriageRow, triage_table

from .conftest import ROOT


def row_with(*scores: float, dps=(2, 21, 21, 50)) -> TriageRow:
    variant = Variant("U01317.1", 62387, "G", "A", "", "line 1")
    delta = DeltaScores("A", "HBB", *scores, *dps)
    return TriageRow(variant, None, splice=VariantScores((delta,)))


def test_logo_reading_notes_negligible_scores_and_gained_sites():
    hbs = row_with(0.0, 0.01, 0.0, 0.0)
    assert "below 0.2 (largest 0.01)" in spliceai_logo_reading(hbs, "donor", -1)
    ivs1_110 = row_with(0.45, 0.06, 0.0, 0.0)
    gain = spliceai_logo_reading(ivs1_110, "acceptor", 2)
    assert gain.startswith("This is the gained acceptor (DS_AG 0.45)") and "nearly flat" in gain
    assert spliceai_logo_reading(ivs1_110, "acceptor", 21) is None  # the lost site: both logos have it
    ivs1_1 = row_with(0.0, 0.0, 0.49, 0.98, dps=(-39, -1, -17, -1))
    lost = spliceai_logo_reading(ivs1_1, "donor", -1)
    assert lost.startswith("This is the lost donor (DS_DL 0.98)") and "ALT has little donor" in lost
    assert spliceai_logo_reading(ivs1_110, "donor", 2) is None


def test_triage_columns_leave_out_empty_reasons():
    import pandas as pd

    table = pd.DataFrame(
        {"row": [1, 2], "variant": ["a", "b"], "status": ["scored", "not scored"],
         "reason": ["", "ref_mismatch"], "detail": ["", "REF is A"], "kind": ["snv", "snv"],
         "Oct4 delta": [0.1, None]}
    )  # fmt: skip
    assert triage_column_order(table) == [
        "row", "variant", "Oct4 delta", "status", "reason", "detail", "kind"
    ]  # fmt: skip
    scored = table[table["status"] == "scored"]
    assert triage_column_order(scored) == ["row", "variant", "Oct4 delta", "status", "kind"]


def test_spliceai_logos_reach_the_explained_site():
    assert spliceai_logo_flank(-1) == 30  # IVS1-1: the lost donor next to the variant
    assert spliceai_logo_flank(34) == 42  # HbS: the donor at +34 and its GT are on the logos
    assert spliceai_logo_flank(-34) == 42
    assert spliceai_logo_flank(400) == 100  # far sites: capped, the page says the site is beyond


def test_heatmap_marks_the_observed_bases_and_only_substitutions_are_clickable():
    sequence = "ACGTN"
    fig = clickable(ism_heatmap(np.zeros((4, 5)), sequence, 101), 101, sequence)
    heat, observed, cells = fig.data
    assert list(observed.x) == [101, 102, 103, 104] and list(observed.y) == list("ACGT")  # not the N
    picked = set(zip(cells.x, cells.y, strict=True))
    assert len(picked) == 4 * 5 - 4 and (101, "A") not in picked and (101, "C") in picked
    assert (105, "A") in picked  # any base replaces an N
    assert list(fig.layout.xaxis.tickvals) == [101, 102, 103, 104, 105]  # one tick per column
    assert observed.unselected.marker.opacity == 1  # a click elsewhere does not fade the dots


def test_unscored_rows_keep_whole_offsets():
    scored = row_with(0.45, 0.06, 0.0, 0.0)
    unscored = TriageRow(scored.entry, None, splice=VariantScores((), ("outside every gene",)))
    table = triage_table([scored, unscored], ["neither", "acceptor", "donor"], spliceai=True)
    assert str(table["DP_AG"].dtype) == "Int64" and table["DP_AG"].tolist()[0] == 2
    assert table.to_csv(sep="\t", index=False).splitlines()[1].split("\t")[-5:-1] == ["2", "21", "21", "50"]
    # on the page (Streamlit shows a missing number as "None"): text, the dash where not scored
    styled = triage_styled(table)
    assert styled.data["DS_AG"].tolist() == ["0.45", NOT_SCORED] and styled.data["DP_AL"].tolist() == [
        "+21",
        NOT_SCORED,
    ]
    css = styled._compute().ctx
    column = list(table.columns).index("DS_AG")
    assert css[(0, column)] == [("background-color", "#ffdd57")] and not css.get(
        (1, column)
    )  # 0.45: moderate
    assert triage_styled(table.iloc[:1]).data["DS_AG"].dtype.kind == "f"  # all scored: numbers, they sort
    # no row scored at all (a single REF mismatch): still the dash, not "None"
    alone = triage_table([unscored], ["neither", "acceptor", "donor"], spliceai=True)
    assert triage_styled(alone).data["DS_AG"].tolist() == [NOT_SCORED]
    assert triage_styled(alone).data["max DS"].tolist() == [NOT_SCORED]


def test_every_download_button_leaves_the_page_alone():
    """A download that reruns the page can drop another button's pending made-on-click file.

    In the browser (Streamlit 1.67), after one download started a rerun, a report or logo
    made on click sometimes never came ('Deferred file ... not found' in the server log).
    """
    calls = []
    for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "genodash" / "ui").glob("*.py")]:
        for node in ast.walk(ast.parse(Path(path).read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "download_button":
                options = {k.arg: k.value for k in node.keywords}
                ignored = (
                    isinstance(options.get("on_click"), ast.Constant)
                    and options["on_click"].value == "ignore"
                )
                calls.append((path.name, node.lineno, ignored))
    assert len(calls) >= 15
    assert [c for c in calls if not c[2]] == []


def test_page_icon_is_drawn_locally():
    icon = page_icon(32)
    assert icon.size == (32, 32) and icon.getpixel((28, 31))[3] == 255 and icon.getpixel((0, 0))[3] == 0


def test_a_kept_table_selection_does_not_override_the_picker():
    """Click row 4, then choose variant 7 in the picker: 7 stays (the table still shows row 4 selected)."""
    from genodash.ui.variant_view import follow_table_click

    last, pick = follow_table_click(None, 3, 0)  # a click on row 4
    assert (last, pick) == (3, 3)
    assert follow_table_click(last, 3, 6) == (3, 6)  # picker moved to 7; the same selection is kept
    assert follow_table_click(3, 5, 6) == (5, 5)  # a click on another row decides again
    assert follow_table_click(3, None, 6) == (None, 6)  # row deselected: the picker's choice stands
    assert follow_table_click(None, 3, 6) == (3, 3)  # the same row clicked again after deselecting
