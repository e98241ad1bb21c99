"""A short soak on the emulated board (issue 17): tools/soak.py streams 30 s of audio through the app over
serial to the tiny keyword model of the fuzz corpus. It checks that no hop is lost or late, that the stack
high-water stays flat and that the detections equal the twin's. The one-hour soak is
`python tools/soak.py --model M --minutes 60`. This version takes about a minute."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TINY_MODEL = ROOT / "firmware" / "fuzz" / "corpus" / "kws" / "window_fc.tflite"


def test_short_soak_loses_no_hop_and_matches_the_twin(app_image: Path, tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "soak.py"), "--model", str(TINY_MODEL),
         "--minutes", "0.5", "--block", "15", "--image", str(app_image), "--work", str(tmp_path), "--json", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.exists(), proc.stdout[-3000:] + proc.stderr[-3000:]
    s = json.loads(out.read_text())
    assert s["hops"] == s["hops_expected"] > 1000, s
    assert s["deadline_misses"] == 0 and s["rx_overruns"] == 0 and s["lost_samples"] == 0 and s["errors"] == 0, s
    assert s["detections_equal"] and s["stack_flat"], s
    assert proc.returncode == 0, proc.stdout[-3000:]
