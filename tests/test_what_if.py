"""One substitution scored directly: against the ISM heatmap, in the user's coordinates."""

import random

import pytest
import torch

from genodash.errors import InputError
from genodash.explanations import explain_records
from genodash.io import Record, parse_fasta
from genodash.models import example_fasta
from genodash.predict import predict
from genodash.sequence import one_hot_encode
from genodash.what_if import what_if


@pytest.fixture(scope="module")
def explained(oct4_mafk):
    records = parse_fasta(example_fasta("oct4-mafk"))[:2]
    rng = random.Random(3)
    records.append(Record("short", "".join(rng.choice("ACGT") for _ in range(120))))  # padded to 200
    records.append(Record("long", "".join(rng.choice("ACGT") for _ in range(260))))  # cropped to 200
    return explain_records(oct4_mafk, records, methods=["ism"], target="MafK")


def test_the_direct_pass_equals_the_ism_cell_for_every_task(oct4_mafk, explained):
    ism = explained.attributions["ism"].hypothetical
    for index, column, step in [(0, 0, 1), (0, 57, 2), (1, 199, 3), (3, 120, 1), (2, 100, 2)]:
        ref = explained.fitted[index].sequence[column]
        base = "ACGT"[("ACGT".index(ref) + step) % 4]  # not the base there
        change = what_if(oct4_mafk, explained, index, column, base)
        assert (change.ref, change.alt) == (ref, base)
        expected = float(ism[index, "ACGT".index(base), column])
        assert change.ism_effect == pytest.approx(expected, abs=1e-7)
        assert change.explained_change == pytest.approx(expected, rel=1e-4, abs=1e-5)
        assert change.agreement_message().endswith("(the same).")
        # every task, from a plain forward pass of the two sequences
        mutant = list(explained.fitted[index].sequence)
        mutant[column] = base
        raw = predict(oct4_mafk.model, one_hot_encode([explained.fitted[index].sequence, "".join(mutant)]))
        assert list(change.table["task"]) == ["Oct4", "MafK"]
        assert torch.allclose(torch.tensor(change.table["before"].values), raw[0], atol=1e-6)
        assert torch.allclose(torch.tensor(change.table["after"].values), raw[1], atol=1e-6)
        assert torch.allclose(torch.tensor(change.table["after (shown)"].values), torch.sigmoid(raw[1]))


def test_positions_and_the_mutant_record_are_in_the_users_coordinates(oct4_mafk, explained):
    short, long = explained.records[2].sequence, explained.records[3].sequence
    pad = explained.fitted[2].offset  # negative: N padding on the left
    assert pad < 0
    inside = what_if(oct4_mafk, explained, 2, -pad + 9, "A")  # the short sequence's 10th base
    assert inside.position == 10 and inside.ref == short[9]
    name, sequence = inside.mutant_fasta.splitlines()
    assert name == f">short_10{short[9]}>A"
    assert sequence == short[:9] + "A" + short[10:]
    padding = what_if(oct4_mafk, explained, 2, 0, "C")
    assert padding.ref == "N" and padding.position == pad + 1 <= 0 and padding.mutant_fasta is None
    crop = explained.fitted[3].offset  # positive: the long sequence's first bases are not shown
    cropped = what_if(oct4_mafk, explained, 3, 0, "T")
    assert cropped.position == crop + 1 and cropped.ref == long[crop]
    assert cropped.mutant_fasta.splitlines()[1] == long[:crop] + "T" + long[crop + 1 :]


@pytest.mark.parametrize(
    ("index", "column", "base", "message"),
    [(0, 0, "N", "must be A, C, G or T"), (0, 200, "A", "outside the sequence's 200 columns"),
     (9, 0, "A", "sequence 10 is not among"), (0, 5, "same", "position 6 is already")],
)  # fmt: skip
def test_bad_choices_are_named(oct4_mafk, explained, index, column, base, message):
    if base == "same":
        base = explained.fitted[index].sequence[column]
    with pytest.raises(InputError, match=message):
        what_if(oct4_mafk, explained, index, column, base)


def test_a_mutant_and_its_original_are_drawn_on_one_y_scale(explained):
    """The Explain page's "Compare its logos with": both logos share their y limits."""
    from genodash.ui.render_cache import _logo

    mine = _logo(explained, "ism", 0, 40, 140, False, scale_with=1)
    theirs = _logo(explained, "ism", 1, 40, 140, False, scale_with=0)
    alone = [_logo(explained, "ism", i, 40, 140, False).axes[0].get_ylim() for i in (0, 1)]
    shared = mine.axes[0].get_ylim()
    assert shared == theirs.axes[0].get_ylim()
    assert alone[0] != alone[1]  # different sequences: on their own, different scales
    assert shared[0] <= min(a[0] for a in alone) and shared[1] >= max(a[1] for a in alone)
    assert theirs.axes[0].get_title(loc="left") == f"ism: {explained.records[1].name}"


def test_rendered_logos_are_kept_per_session_and_bounded(explained, monkeypatch):
    """Logo PNGs show the user's sequence: kept in that session's state only, most recent first."""
    from types import SimpleNamespace

    from genodash.ui import render_cache, state

    monkeypatch.setattr(render_cache, "LOGOS_PER_SESSION", 3)
    mine, theirs = SimpleNamespace(session_state={}), SimpleNamespace(session_state={})
    monkeypatch.setattr(render_cache, "st", mine)
    first = render_cache.logo_png("run", "ism", 0, 0, 50, False, explained)
    assert first.startswith(b"\x89PNG")
    assert render_cache.logo_png("run", "ism", 0, 0, 50, False, explained) is first  # not redrawn
    monkeypatch.setattr(render_cache, "st", theirs)
    assert render_cache.logo_png("run", "ism", 0, 0, 50, False, explained) is not first  # its own
    monkeypatch.setattr(render_cache, "st", mine)
    for end in (60, 70, 80):
        render_cache.logo_png("run", "ism", 0, 0, end, False, explained)
    kept = mine.session_state[state.EXPLAIN_LOGO_PNGS]
    assert [key[4] for key in kept] == [60, 70, 80]  # the oldest window went first
