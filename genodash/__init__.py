"""genodash: look inside deep-learning models of DNA sequence.

The library is importable without Streamlit; only ``genodash.ui`` imports it.
"""

import os

# OpenMP threads that wait for a core sleep instead of spinning. On a shared machine
# (2 cores, other jobs running) spinning threads made a 2-thread SpliceAI forward pass
# 10-14x slower than one thread; passive waiting removed that (measured). Takes effect
# only when genodash is imported before torch; an explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
