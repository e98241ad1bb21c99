#!/usr/bin/env python3
"""`hark profile` as a script (users are told to run host/profile.py); needs the venv where hark is installed."""

import sys

from hark.cli.main import run_verb

if __name__ == "__main__":
    sys.exit(run_verb("profile", sys.argv[1:], prog="host/profile.py"))
