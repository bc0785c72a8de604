"""Compile the numba kernels at set-up, so that a fresh install's first Explain run is not slow.

The kernels (:mod:`genodash.compiled`) are compiled on first use and cached on disk.
On a fresh checkout that first use was a user's first **Run** on the Explain page:
about 16 s instead of 1-3 s. ``make setup`` runs ``python -m genodash.warm_up`` once,
which explains one example sequence of each shipped demo model with every method.
"""

from __future__ import annotations

import time
import warnings

from genodash.attribution import METHODS
from genodash.explanations import explain_records
from genodash.io import parse_fasta
from genodash.models import example_fasta, load_model

#: The shipped models the kernels are compiled for (their example files are in the zoo).
DEMO_MODELS = ("oct4-mafk", "koo-task3")


def warm_up(model_names: tuple[str, ...] = DEMO_MODELS) -> dict[str, float]:
    """Explain one example of each model with every method, on the CPU.

    Parameters
    ----------
    model_names : tuple of str
        Zoo models with an ``examples.fa``.

    Returns
    -------
    dict of str to float
        Seconds per model (the first includes compiling the kernels, unless cached).
    """
    seconds = {}
    for name in model_names:
        loaded = load_model(name, "cpu")
        record = parse_fasta(example_fasta(name))[0]
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Captum's notes about hooks: not for a set-up log
            explain_records(
                loaded,
                [record],
                methods=list(METHODS),
                target=loaded.card.tasks[0],
                n_baselines=2,
                n_steps=10,
            )
        seconds[name] = time.perf_counter() - started
    return seconds


if __name__ == "__main__":
    for model, took in warm_up().items():
        print(f"compiled kernels: {model} explained in {took:.1f} s")
