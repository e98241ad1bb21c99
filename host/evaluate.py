#!/usr/bin/env python3
"""hark-evaluate (see hark.commands)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from hark.commands import evaluate_main  # noqa: E402

if __name__ == "__main__":
    sys.exit(evaluate_main())
