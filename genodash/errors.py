"""Errors a user can act on, and the one-line ``check`` that raises them.

Every error that can reach a person is an :class:`InputError` (a ``ValueError``)
whose message names what is wrong and where, in words a biologist understands.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from a user: the message says what is wrong and where."""


class SequenceError(InputError):
    """A DNA sequence has letters, lengths or content that cannot be used."""


class FastaError(InputError):
    """A FASTA file or pasted text cannot be read."""


class ModelError(InputError):
    """A model, its card or its weights cannot be used."""


def check(condition: bool, message: str, error: type[InputError] = InputError) -> None:
    """Raise ``error(message)`` unless ``condition`` holds.

    Parameters
    ----------
    condition : bool
        What must be true.
    message : str
        Names the parameter, the value found and what is allowed.
    error : type of InputError, optional
        The error class to raise.
    """
    if not condition:
        raise error(message)
