from collections import Counter

import numpy as np
import pytest

from genodash import compiled
from genodash.errors import InputError
from genodash.shuffle import dinucleotide_shuffle, dinucleotide_shuffles


def dinucleotides(seq):
    return Counter(zip(seq, seq[1:]))


def _reference_shuffle(seq, rng):
    """The implementation before dinucleotide_shuffles (commit c60f7d0), kept as the oracle."""
    if len(seq) < 3:
        return seq
    exits = {}
    for a, b in zip(seq, seq[1:]):
        exits.setdefault(a, []).append(b)
    last = seq[-1]
    in_tree = {last}
    last_exit = {}
    for start in exits:
        node = start
        while node not in in_tree:
            last_exit[node] = int(rng.integers(len(exits[node])))
            node = exits[node][last_exit[node]]
        node = start
        while node not in in_tree:
            in_tree.add(node)
            node = exits[node][last_exit[node]]
    order = {}
    for node, targets in exits.items():
        targets = list(targets)
        keep = targets.pop(last_exit[node]) if node in last_exit else None
        rng.shuffle(targets)
        if keep is not None:
            targets.append(keep)
        order[node] = targets[::-1]
    out = [seq[0]]
    node = seq[0]
    for _ in range(len(seq) - 1):
        node = order[node].pop()
        out.append(node)
    return "".join(out)


def _random_sequences():
    """Sequences of many shapes: every length 1..8, few or odd letters, runs, 1 kb."""
    gen = np.random.default_rng(2024)
    seqs = ["A", "AC", "ACG", "AAA", "AAAAAA", "ACACAC", "AAAAAAC", "CAAAAAA", "GGGGCGGGG"]
    seqs += ["acgtn", "ACGTNNNNACGT", "AcGtAcGt", "ATATATATTTAA", "NNNNNNNN", "xyzzyx", "AÇGΔTÇΔ"]
    seqs += ["AC\x00GT\x00\x00A"]  # NUL letters: the Python path
    for length in list(range(1, 9)) * 6 + [20, 50, 200, 1000]:
        alphabet = gen.choice(["ACGT", "AC", "GT", "ACG", "ACGTN", "acgtACGT", "A"])
        seqs.append("".join(gen.choice(list(alphabet), length)))
    return seqs


SEQUENCES = _random_sequences()


@pytest.mark.parametrize("seq", SEQUENCES, ids=lambda s: f"{len(s)}:{s[:12]}")
def test_same_strings_and_draws_as_the_reference(seq, either_path):
    for seed in range(3):
        ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
        expected = [_reference_shuffle(seq, theirs) for _ in range(7)]
        assert dinucleotide_shuffles(seq, ours, 7) == expected
        # Same draws: the generators end in the same state.
        assert ours.bit_generator.state == theirs.bit_generator.state
        ours, theirs = np.random.default_rng(seed), np.random.default_rng(seed)
        assert [dinucleotide_shuffle(seq, ours) for _ in range(3)] == [
            _reference_shuffle(seq, theirs) for _ in range(3)
        ]
        assert ours.bit_generator.state == theirs.bit_generator.state


@pytest.fixture(params=["compiled", "python"])
def either_path(request, monkeypatch):
    """Both implementations: numba's compiled loops and the plain Python one."""
    if request.param == "python":
        monkeypatch.setattr(compiled, "AVAILABLE", False)
    return request.param


def test_many_random_sequences_match_the_reference(either_path):
    gen = np.random.default_rng(7)
    for k in range(300):
        seq = "".join(gen.choice(list("ACGTN"), int(gen.integers(1, 120))))
        ours, theirs = np.random.default_rng(k), np.random.default_rng(k)
        assert dinucleotide_shuffles(seq, ours, 4) == [_reference_shuffle(seq, theirs) for _ in range(4)]


@pytest.mark.parametrize("seq", SEQUENCES, ids=lambda s: f"{len(s)}:{s[:12]}")
def test_keeps_dinucleotides_and_ends_for_any_sequence(seq):
    for out in dinucleotide_shuffles(seq, np.random.default_rng(1), 5):
        assert len(out) == len(seq)
        assert dinucleotides(out) == dinucleotides(seq)
        assert out[0] == seq[0] and out[-1] == seq[-1]


@pytest.mark.parametrize("seed", range(5))
def test_keeps_dinucleotides_and_ends(seed):
    rng = np.random.default_rng(seed)
    seq = "".join(np.random.default_rng(100 + seed).choice(list("ACGTN"), 300))
    out = dinucleotide_shuffle(seq, rng)
    assert dinucleotides(out) == dinucleotides(seq)
    assert out[0] == seq[0] and out[-1] == seq[-1] and out != seq


def test_shuffles_differ_and_are_not_all_the_input():
    seq = "".join(np.random.default_rng(3).choice(list("ACGT"), 200))
    outs = dinucleotide_shuffles(seq, np.random.default_rng(0), 20)
    assert len(set(outs)) == 20 and seq not in outs


def test_seeded_and_reproducible():
    seq = "ACGTTGCAACGGTACCATGA" * 5
    a = dinucleotide_shuffle(seq, np.random.default_rng(7))
    b = dinucleotide_shuffle(seq, np.random.default_rng(7))
    assert a == b
    many = dinucleotide_shuffles(seq, np.random.default_rng(7), 10)
    assert many == dinucleotide_shuffles(seq, np.random.default_rng(7), 10)
    assert many[0] == a
    # Pinned (made by the implementation of commit c60f7d0): references must not change.
    assert dinucleotide_shuffles("ACGTTGCAACGGTACCATGA", np.random.default_rng(0), 3) == [
        "ACACCGTTGGAATGCGTACA",
        "ACACGTGCGTGGAATTACCA",
        "ATGCGGTTGACAACCACGTA",
    ]


def test_short_and_empty():
    assert dinucleotide_shuffle("AC", np.random.default_rng(0)) == "AC"
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    assert dinucleotide_shuffles("A", rng, 3) == ["A", "A", "A"]
    assert rng.bit_generator.state == state
    assert dinucleotide_shuffles("ACGT", rng, 0) == []
    with pytest.raises(InputError, match="empty"):
        dinucleotide_shuffle("", np.random.default_rng(0))
    with pytest.raises(InputError, match="empty"):
        dinucleotide_shuffles("", np.random.default_rng(0), 2)
    with pytest.raises(InputError, match="at least 0"):
        dinucleotide_shuffles("ACGT", np.random.default_rng(0), -1)
