"""``python -m capsviz``: the same as the ``capsviz`` command."""

from __future__ import annotations

import sys

from capsviz.cli import main

if __name__ == "__main__":
    sys.exit(main())
