"""A short soak on the emulated board (issue 17): tools/soak.py streams audio through the app to the tiny keyword
model of the fuzz corpus, by both audio paths: 60 s as the board's semihosting microphone (the path of the
one-hour soak, faster than real time) and 6 s over serial under credit flow control. Each checks that no hop is
lost or late, that the stack high-water stays flat and that the detections equal the twin's. The one-hour soak
and its figures: docs/bad-input.md. Both take about 20 s together."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.emulator
ROOT = Path(__file__).resolve().parent.parent
TINY_MODEL = ROOT / "firmware" / "fuzz" / "corpus" / "kws" / "window_fc.tflite"


@pytest.mark.parametrize(("source", "minutes", "block"), [("mic", 1.0, 10), ("serial", 0.1, 3)])
def test_short_soak_loses_no_hop_and_matches_the_twin(app_image: Path, tmp_path: Path, source: str,
                                                      minutes: float, block: int) -> None:  # fmt: skip
    out = tmp_path / "soak.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "soak.py"), "--model", str(TINY_MODEL), "--source", source,
         "--minutes", str(minutes), "--block", str(block), "--image", str(app_image), "--work", str(tmp_path),
         "--json", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    s = json.loads(out.read_text())
    assert s["source"] == source and s["audio_s"] == minutes * 60 and s["hops"] == s["hops_expected"] >= 300, s
    assert s["deadline_misses"] == 0 and s["rx_overruns"] == 0 and s["lost_samples"] == 0 and s["errors"] == 0, s
    assert s["detections_equal"] and s["detections_twin"] > 0 and s["stack_bounded"], s
    assert proc.returncode == 0, proc.stdout[-3000:]
