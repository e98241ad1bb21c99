#!/usr/bin/env python3
"""hark-export (see hark.commands)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hark.commands import export_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(export_main())
