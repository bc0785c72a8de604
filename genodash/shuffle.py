"""Seeded dinucleotide shuffles (Altschul & Erickson 1985), for references and backgrounds.

The draws made from the generator, and their order (per shuffle: ``rng.integers`` in
Wilson's algorithm, then ``rng.shuffle`` of each letter's exits), are part of the
contract: references and the benchmark figures made with them must stay reproducible.

With numba the shuffles run as compiled loops on letter codes, drawing from the same
Generator through numba's own implementation of its methods, which takes the same
bits and gives the same numbers: 10 shuffles of each of 100 sequences of 200 bp in
12-17 ms instead of 30-47 ms (mostly the Generator calls; a call costs about 25 us
before its first shuffle). Without numba, the same algorithm runs in Python.
"""

from __future__ import annotations

import numpy as np

from genodash import compiled
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
    return dinucleotide_shuffles(seq, rng, 1)[0]


def dinucleotide_shuffles(seq: str, rng: np.random.Generator, n: int) -> list[str]:
    """``n`` dinucleotide shuffles of one sequence, drawn from ``rng`` in turn.

    Equal to ``[dinucleotide_shuffle(seq, rng) for _ in range(n)]`` (same draws in
    the same order, so the same strings), but the dinucleotide graph is built once.

    Parameters
    ----------
    seq : str
        Any letters; length at least 1. Sequences shorter than 3 have only one
        arrangement and come back unchanged, without drawing from ``rng``.
    rng : numpy.random.Generator
        The source of randomness (pass a seeded one for reproducible results).
    n : int
        How many shuffles, at least 0.

    Returns
    -------
    list of str
        ``n`` strings, each of the same length and with the same counts of every
        2-mer and the same first and last letters as ``seq``.
    """
    check(len(seq) > 0, "cannot shuffle an empty sequence")
    check(n >= 0, f"n must be at least 0, got {n}")
    if len(seq) < 3:
        return [seq] * n
    if compiled.AVAILABLE and "\0" not in seq:  # (NUL: numpy's strings drop it at the end)
        return _compiled_shuffles(seq, rng, n)
    # The exits of each letter, in order of appearance; the dict's order (letters by
    # first appearance) is the order Wilson's algorithm visits them in.
    exits: dict[str, list[str]] = {}
    for a, b in zip(seq, seq[1:]):
        exits.setdefault(a, []).append(b)
    return [_walk(seq[0], len(seq), _exit_orders(exits, seq[-1], rng)) for _ in range(n)]


def _exit_orders(exits: dict[str, list[str]], last: str, rng: np.random.Generator) -> dict[str, list[str]]:
    """A random order of each letter's exits whose last exits lead to ``last``.

    Parameters
    ----------
    exits : dict of str to list of str
        Letter -> the letters that follow it in the sequence, in order.
    last : str
        The sequence's final letter.
    rng : numpy.random.Generator

    Returns
    -------
    dict of str to list of str
        Letter -> its exits in the order the walk takes them: the others shuffled,
        then the last exit of a random arborescence directed towards ``last``.
    """
    # Wilson's algorithm: loop-erased random walks until they hit the tree.
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
    order = {}
    for node, targets in exits.items():
        keep = last_exit.get(node)
        others = targets.copy() if keep is None else targets[:keep] + targets[keep + 1 :]
        rng.shuffle(others)
        if keep is not None:
            others.append(targets[keep])
        order[node] = others
    return order


def _walk(first: str, length: int, order: dict[str, list[str]]) -> str:
    """The Eulerian walk from ``first`` that leaves each letter by its exits in ``order``.

    Parameters
    ----------
    first : str
        The starting letter.
    length : int
        Letters in the walk, ``first`` included (one more than the exits in ``order``).
    order : dict of str to list of str
        Letter -> its exits in the order they are taken.

    Returns
    -------
    str
        The ``length`` letters visited.
    """
    # One step at a time in Python (about 60 ns a step): the walk is sequential, and
    # numpy steps over several walks at once cost more until there are hundreds of them.
    # Each letter's exits reversed, so that pop() takes them in order.
    take_exit = {node: targets[::-1].pop for node, targets in order.items()}
    node = first
    return first + "".join([node := take_exit[node]() for _ in range(length - 1)])


def _compiled_shuffles(seq: str, rng: np.random.Generator, n: int) -> list[str]:
    """:func:`dinucleotide_shuffles` by :func:`_shuffled_codes` (same draws, same strings)."""
    points = np.frombuffer(seq.encode("utf-32-le"), dtype="<u4")
    letters, first, codes = np.unique(points, return_index=True, return_inverse=True)
    # Letters numbered by first appearance: the order the dict of exits has above.
    rank = np.empty(len(letters), dtype=np.int64)
    rank[np.argsort(first, kind="stable")] = np.arange(len(letters))
    by_rank = letters[np.argsort(first, kind="stable")]
    walks = _shuffled_codes(rank[codes.ravel()], len(letters), rng, n)
    return np.ascontiguousarray(by_rank[walks], dtype="<u4").view(f"<U{len(seq)}").ravel().tolist()


@compiled.jit
def _shuffled_codes(codes: np.ndarray, n_letters: int, rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` dinucleotide shuffles of letter codes, as :func:`_exit_orders` and :func:`_walk`.

    Parameters
    ----------
    codes : numpy.ndarray
        ``(L,)`` int64, ``L >= 3``: letters numbered ``0 .. n_letters - 1`` in order
        of first appearance.
    n_letters : int
    rng : numpy.random.Generator
    n : int

    Returns
    -------
    numpy.ndarray
        ``(n, L)`` int64 codes.
    """
    L = codes.shape[0]
    # each letter's exits, in order of appearance: exits[start[a] : start[a + 1]]
    start = np.zeros(n_letters + 1, dtype=np.int64)
    for i in range(L - 1):
        start[codes[i] + 1] += 1
    for a in range(n_letters):
        start[a + 1] += start[a]
    exits = np.empty(L - 1, dtype=np.int64)
    filled = start[:-1].copy()
    for i in range(L - 1):
        exits[filled[codes[i]]] = codes[i + 1]
        filled[codes[i]] += 1
    last = codes[L - 1]
    in_tree = np.zeros(n_letters, dtype=np.bool_)
    last_exit = np.zeros(n_letters, dtype=np.int64)
    order = np.empty(L - 1, dtype=np.int64)
    taken = np.empty(n_letters, dtype=np.int64)
    out = np.empty((n, L), dtype=np.int64)
    for s in range(n):
        # Wilson's algorithm towards the last letter (letters without exits are not in it)
        in_tree[:] = False
        in_tree[last] = True
        for first in range(n_letters):
            if start[first + 1] == start[first]:
                continue
            node = first
            while not in_tree[node]:
                last_exit[node] = rng.integers(0, start[node + 1] - start[node])
                node = exits[start[node] + last_exit[node]]
            node = first
            while not in_tree[node]:
                in_tree[node] = True
                node = exits[start[node] + last_exit[node]]
        # each letter's other exits shuffled, then its last exit
        for a in range(n_letters):
            lo, hi = start[a], start[a + 1]
            if lo == hi:
                continue
            if a == last:
                order[lo:hi] = exits[lo:hi]
                rng.shuffle(order[lo:hi])
                continue
            j = lo
            for t in range(lo, hi):
                if t - lo != last_exit[a]:
                    order[j] = exits[t]
                    j += 1
            rng.shuffle(order[lo : hi - 1])
            order[hi - 1] = exits[lo + last_exit[a]]
        # the walk
        taken[:] = start[:-1]
        node = codes[0]
        out[s, 0] = node
        for i in range(1, L):
            step = order[taken[node]]
            taken[node] += 1
            node = step
            out[s, i] = node
    return out
