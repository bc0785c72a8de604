"""``python -m genodash ...``: the command line (see :mod:`genodash.cli`)."""

import sys

from genodash.cli import main

if __name__ == "__main__":
    sys.exit(main())
