"""genodash: look inside deep-learning models of DNA sequence.

The library is importable without Streamlit; only ``genodash.ui`` imports it.
"""

__version__ = "0.1.0"
