"""The one `hark` command: `hark --help` lists every verb without importing TensorFlow, every verb's --help works,
the old console names still run their verb, and `flash` says plainly that it is not there yet."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hark import logs
from hark.cli import main as cli


def test_help_lists_every_verb_without_importing_tensorflow() -> None:
    code = ("import sys; from hark.cli.main import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print('tensorflow' in sys.modules)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    for verb in cli.VERBS:
        assert f"\n  {verb} " in out.stdout, verb
    assert out.stdout.strip().endswith("False")


@pytest.mark.parametrize("verb", list(cli.VERBS))
def test_every_verb_has_help(verb: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main([verb, "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith(f"usage: hark {verb}") and "--verbose" in text


def test_old_console_names_are_aliases(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["hark-summarize", "--help"])
    with pytest.raises(SystemExit):
        cli.summarize_alias()
    assert capsys.readouterr().out.startswith("usage: hark-summarize")


def test_no_verb_and_flash_without_a_board_fail_clearly(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main([]) == 2
    assert "verbs:" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["flash", "x.elf"])
    assert "the following arguments are required: --board" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["no-such-verb"])
    assert "invalid choice: 'no-such-verb'" in capsys.readouterr().err


def test_demo_refuses_to_write_the_pretrained_model_from_micro_speech(capsys: pytest.CaptureFixture[str]) -> None:
    # models/pretrained/demo_ds_cnn.tflite is the export of models/demo/ds_cnn.py: no other spec may overwrite it
    assert cli.main(["demo", "--write-pretrained"]) == 2
    assert "--write-pretrained writes demo_ds_cnn.tflite, which only --model ds_cnn trains" in capsys.readouterr().err


def test_quiet_mode_drops_tensorflow_log_lines_and_keeps_the_rest(monkeypatch: pytest.MonkeyPatch,
                                                                 capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "2")
    monkeypatch.setattr(logs, "_verbose", True)
    noise = (b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
             b"I0000 00:00:1796519623.183241   25374 port.cc:153] oneDNN custom operations are on.\n"
             b"fully_quantize: 0, inference_type: 6, input_inference_type: INT8, output_inference_type: INT8\n")
    logs.configure(verbose=False)
    with logs.native_stderr_filtered():
        os.write(2, noise + b"E0000 00:00:1.0 1 x.cc:1] a real error\nmy own message\n")
    err = capfd.readouterr().err
    assert err == "E0000 00:00:1.0 1 x.cc:1] a real error\nmy own message\n"
    logs.configure(verbose=True)
    with logs.native_stderr_filtered():
        os.write(2, noise)
    assert capfd.readouterr().err == noise.decode()
