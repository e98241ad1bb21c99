"""The errors a verb reports as one line (`hark VERB: error: ...`, exit status 2) instead of a traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable

from hark.data import DatasetError
from hark.export.state_check import StateQuantizationError
from hark.format.metadata import MetadataError
from hark.spec import SpecError

USER_ERRORS = (SpecError, DatasetError, MetadataError, StateQuantizationError, FileNotFoundError)


def reported(prog: str, body: Callable[[], int]) -> int:
    try:
        return body()
    except USER_ERRORS as err:
        print(f"{prog}: error: {err}", file=sys.stderr)
        return 2
