"""A short libFuzzer run of every harness of firmware/fuzz (issue 17): the runtime, the keyword pipeline,
the metadata reader, raw serial bytes into the app's dispatcher and structured message sequences, each
from the committed seed corpus, under ASan + UBSan. Any crash, sanitizer report, leak or timeout fails.
About 15 s per harness plus the clang build; HARK_FUZZ_SECONDS changes the time per harness.
Long campaigns: tools/fuzz.py (see its --help)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HARNESSES = ("runtime", "runtime_dsp", "meta", "kws", "serial", "session")


@pytest.mark.skipif(not shutil.which("clang"), reason="clang is not installed (tools/bootstrap.sh installs it)")
def test_every_harness_runs_clean_from_the_seed_corpus(tmp_path: Path) -> None:
    seconds = int(os.environ.get("HARK_FUZZ_SECONDS", "15"))
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "fuzz.py"), "--seconds", str(seconds), "--work", str(tmp_path),
         "--build-dir", str(ROOT / "build" / "fuzz-ci")],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    lines = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    per_harness = {r["harness"]: r for r in lines if "harness" in r}
    assert set(per_harness) == set(HARNESSES), proc.stdout + proc.stderr[-3000:]
    for name, r in per_harness.items():
        log = (tmp_path / f"{name}.log").read_text(errors="replace")
        assert not r["findings"] and not r["sanitizer_report"] and r["exit_code"] == 0, f"{name}: {r}\n{log[-4000:]}"
        assert r["execs"] > 100 and r["cov_edges"] > 0, f"{name} barely ran: {r}"
    assert proc.returncode == 0, proc.stdout
