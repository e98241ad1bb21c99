#!/usr/bin/env python3
"""hark-classify (see hark.cli.classify)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hark.cli.classify import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
