"""Seeded dinucleotide shuffles (Altschul & Erickson 1985), for references and backgrounds."""

from __future__ import annotations

import numpy as np

from genodash.errors import check


def dinucleotide_shuffle(seq: str, rng: np.random.Generator) -> str:
    """Shuffle a sequence keeping its exact dinucleotide counts and first/last letters.

    A uniformly random Eulerian walk over the sequence's dinucleotide graph: a
    random arborescence of last exits (Wilson's algorithm) towards the final
    letter, other exits in random order.

    Parameters
    ----------
    seq : str
        Any letters; length at least 1.
    rng : numpy.random.Generator
        The source of randomness (pass a seeded one for reproducible results).

    Returns
    -------
    str
        Same length and same counts of every 2-mer as ``seq``.
    """
    check(len(seq) > 0, "cannot shuffle an empty sequence")
    if len(seq) < 3:
        return seq
    exits: dict[str, list[str]] = {}
    for a, b in zip(seq, seq[1:]):
        exits.setdefault(a, []).append(b)
    last = seq[-1]
    # Wilson's algorithm: a random spanning arborescence directed towards `last`.
    in_tree = {last}
    last_exit: dict[str, int] = {}
    for start in exits:
        node = start
        while node not in in_tree:
            last_exit[node] = int(rng.integers(len(exits[node])))
            node = exits[node][last_exit[node]]
        node = start
        while node not in in_tree:
            in_tree.add(node)
            node = exits[node][last_exit[node]]
    order: dict[str, list[str]] = {}
    for node, targets in exits.items():
        targets = list(targets)
        keep = targets.pop(last_exit[node]) if node in last_exit else None
        rng.shuffle(targets)
        if keep is not None:
            targets.append(keep)
        order[node] = targets[::-1]  # pop() from the end walks them in order
    out = [seq[0]]
    node = seq[0]
    for _ in range(len(seq) - 1):
        node = order[node].pop()
        out.append(node)
    return "".join(out)
