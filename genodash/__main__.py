"""``python -m genodash ...``: the command line (see :mod:`genodash.cli`)."""

import sys

from genodash.cli import main

sys.exit(main())
