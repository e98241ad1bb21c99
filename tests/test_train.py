"""Training: stepped schedule, class weights, dry runs of every spec, resume after a kill, early stopping,
tf.distribute with one CPU device, and clear errors on bad input."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from hark.cli.main import main as hark_main
from hark.spec import load_spec

tf = pytest.importorskip("tensorflow")


def test_stepped_schedule_switches_rates_at_step_boundaries():
    from hark.train.schedule import learning_rate_at, stepped_schedule

    t = load_spec("micro_speech").replace(training={"steps": [3, 2, 4], "learning_rates": [0.1, 0.01, 0.001]}).training
    expected = [0.1] * 3 + [0.01] * 2 + [0.001] * 4
    schedule = stepped_schedule(t)
    # Keras calls the schedule with optimizer.iterations, i.e. the number of steps already taken.
    got = [float(schedule(step)) for step in range(9)]
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert [learning_rate_at(t, s) for s in range(9)] == pytest.approx(expected)


def test_balanced_class_weights_equalize_each_class_total():
    from hark.train.class_weights import balanced_class_weights

    labels = np.array([0] * 10 + [1] * 30 + [2] * 60)
    w = balanced_class_weights(labels, 3)
    totals = [w[c] * np.sum(labels == c) for c in range(3)]
    assert totals == pytest.approx([totals[0]] * 3)
    assert np.mean([w[c] for c in labels]) == pytest.approx(1.0)  # the loss keeps its scale
    assert balanced_class_weights(labels, 4)[3] == 1.0  # a class with no examples
    with pytest.raises(ValueError):
        balanced_class_weights([0, 5], 4)


def _dry_run(spec: str, run_dir: Path, data: Path, *extra: str) -> dict:
    argv = ["train", spec, "--dry-run", "--run-dir", str(run_dir), "--data-dir", str(data), "--quiet", *extra]
    assert hark_main(argv) == 0
    return json.loads((run_dir / "metrics.json").read_text())


def test_dry_run_writes_a_complete_run_folder(kws_dataset, tmp_path):
    from hark.train.run_folder import RunFolder

    run_dir = tmp_path / "ms"
    metrics = _dry_run("micro_speech", run_dir, kws_dataset, "--steps", "6")
    spec = load_spec("micro_speech")
    run = RunFolder(run_dir)
    assert run.labels() == list(spec.labels)
    assert json.loads(run.spec_json.read_text())["spec"]["architecture"] == spec.to_dict()["architecture"]
    assert (run_dir / "spec.py").read_text() == Path(spec.source).read_text()
    assert metrics["finished"] and metrics["steps_done"] == metrics["total_steps"] == 6
    assert [h["step"] for h in metrics["history"]] == [2, 4, 6]
    assert metrics["best_step"] in (2, 4, 6)
    assert run.best_weights.is_file() and run.last_weights.is_file()
    assert "conv" in run.summary_txt.read_text().lower()
    # TensorBoard: validation accuracy at every eval step, and the rate per segment.
    seen: dict[str, list[int]] = {}
    for event_file in run.tensorboard.glob("events.out.tfevents.*"):
        for event in tf.compat.v1.train.summary_iterator(str(event_file)):
            for value in event.summary.value:
                seen.setdefault(value.tag, []).append(event.step)
    assert sorted(seen["val/accuracy"]) == [2, 4, 6]
    assert "train/lr" in seen and "train/loss" in seen


def test_rerunning_a_finished_run_does_not_train_more(kws_dataset, tmp_path):
    run_dir = tmp_path / "ms"
    _dry_run("micro_speech", run_dir, kws_dataset, "--steps", "4")
    before = (run_dir / "best.weights.h5").read_bytes()
    metrics = _dry_run("micro_speech", run_dir, kws_dataset, "--steps", "4")
    assert metrics["steps_done"] == 4
    assert (run_dir / "best.weights.h5").read_bytes() == before


def test_a_run_folder_refuses_another_spec(kws_dataset, tmp_path, capsys):
    run_dir = tmp_path / "ms"
    _dry_run("micro_speech", run_dir, kws_dataset, "--steps", "2")
    assert hark_main(["train", "micro_speech", "--dry-run", "--steps", "4", "--run-dir", str(run_dir),
                       "--data-dir", str(kws_dataset), "--quiet"]) == 2
    assert "different spec" in capsys.readouterr().err


def test_resume_after_kill_ends_at_the_same_step_count(kws_dataset, tmp_path):
    run_dir = tmp_path / "killed"
    cmd = [sys.executable, "-m", "hark.cli.main", "train", "micro_speech", "--dry-run", "--steps", "300",
           "--run-dir", str(run_dir), "--data-dir", str(kws_dataset), "--quiet"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    state = run_dir / "checkpoints" / "checkpoint"
    deadline = time.monotonic() + 120
    try:
        while not state.exists():
            assert proc.poll() is None, proc.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline, "no checkpoint within 120 s"
            time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    latest = tf.train.latest_checkpoint(str(run_dir / "checkpoints"))
    killed_at = int(latest.rsplit("-", 1)[1])
    assert 0 < killed_at < 300, "the run finished before the kill; the test proves nothing"
    metrics_file = run_dir / "metrics.json"  # the kill may land between the checkpoint and the metrics
    assert not metrics_file.exists() or not json.loads(metrics_file.read_text()).get("finished")

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["resumed_from"] >= killed_at > 0
    assert result["steps"] == 300
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert metrics["finished"] and metrics["steps_done"] == 300
    steps = [h["step"] for h in metrics["history"]]
    assert steps == sorted(set(steps)) and steps[-1] == 300


def test_early_stopping_ends_the_run_when_validation_stops_improving(kws_dataset, tmp_path):
    spec_file = tmp_path / "frozen.py"
    src = Path(load_spec("micro_speech").source).read_text()
    spec_file.write_text(src + "\nSPEC['name'] = 'frozen'\nSPEC['training'] = {**SPEC['training'], "
                         "'learning_rates': [0.0, 0.0], 'early_stopping_evals': 1}\n")
    metrics = _dry_run(str(spec_file), tmp_path / "run", kws_dataset, "--steps", "9")
    # With a zero rate validation accuracy never improves, so the second eval (step 6) stops the run.
    assert metrics["stopped_early"] is True
    assert metrics["steps_done"] == 6 and metrics["best_step"] == 3


def test_mirrored_strategy_trains_on_one_cpu_with_class_weights(kws_dataset, tmp_path):
    spec_file = tmp_path / "weighted.py"
    spec_file.write_text(Path(load_spec("micro_speech").source).read_text()
                         + "\nSPEC['training'] = {**SPEC['training'], 'class_weights': True}\n")
    metrics = _dry_run(str(spec_file), tmp_path / "mirrored", kws_dataset, "--steps", "4", "--distribute", "mirrored")
    assert metrics["finished"] and metrics["steps_done"] == 4 and metrics["distribute"] == "mirrored"
    # yes/no have many more clips than silence/unknown in this dataset: the rare classes weigh more.
    w = {int(k): v for k, v in metrics["class_weights"].items()}
    assert sorted(w) == [0, 1, 2, 3] and min(w[0], w[1]) > max(w[2], w[3])


def test_label_smoothing_trains_on_integer_labels(kws_dataset, tmp_path):
    """training.label_smoothing used to crash the first step (a one-hot loss on the pipelines' integer labels)."""
    import keras
    import tensorflow as tf

    from hark.train.loop import smoothed_sparse_crossentropy

    probs = tf.constant([[0.7, 0.1, 0.1, 0.1], [0.2, 0.5, 0.2, 0.1]])
    want = keras.losses.categorical_crossentropy(tf.one_hot([0, 2], 4), probs, label_smoothing=0.2)
    np.testing.assert_allclose(smoothed_sparse_crossentropy(0.2)(tf.constant([[0], [2]]), probs), want, rtol=1e-6)
    spec_file = tmp_path / "smoothed.py"
    spec_file.write_text(Path(load_spec("micro_speech").source).read_text()
                         + "\nSPEC['training'] = {**SPEC['training'], 'label_smoothing': 0.1}\n")
    metrics = _dry_run(str(spec_file), tmp_path / "smoothed", kws_dataset, "--steps", "4")
    assert metrics["finished"] and metrics["steps_done"] == 4


def test_unknown_model_name_is_a_clear_error(capsys):
    assert hark_main(["train", "no_such_model", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert "unknown model 'no_such_model'" in err and "micro_speech" in err


def test_misspelled_spec_key_is_a_clear_error(tmp_path, capsys):
    bad = tmp_path / "typo.py"
    bad.write_text(Path(load_spec("micro_speech").source).read_text().replace('"training"', '"trainig"'))
    assert hark_main(["train", str(bad), "--dry-run"]) == 2
    assert "unknown key 'trainig'; did you mean 'training'?" in capsys.readouterr().err


def test_unknown_architecture_is_a_clear_error(kws_dataset, tmp_path, capsys):
    bad = tmp_path / "arch.py"
    src = Path(load_spec("micro_speech").source).read_text()
    bad.write_text(src + "\nSPEC['architecture'] = {'name': 'tiny_cnov'}\n")
    argv = ["train", str(bad), "--dry-run", "--run-dir", str(tmp_path / "r"), "--data-dir", str(kws_dataset)]
    assert hark_main(argv) == 2
    err = capsys.readouterr().err
    assert "unknown architecture 'tiny_cnov'" in err and "tiny_conv" in err


def test_labels_the_dataset_lacks_are_a_clear_error(kws_dataset, tmp_path, capsys):
    bad = tmp_path / "banana.py"
    bad.write_text(
        Path(load_spec("micro_speech").source).read_text()
        + "\nSPEC['labels'] = ['_silence_', '_unknown_', 'yes', 'banana']"
        + "\nSPEC['dataset'] = {**SPEC['dataset'], 'wanted_words': ['yes', 'banana']}\n"
    )
    argv = ["train", str(bad), "--dry-run", "--run-dir", str(tmp_path / "r"), "--data-dir", str(kws_dataset)]
    assert hark_main(argv) == 2
    assert "banana" in capsys.readouterr().err


def test_a_stream_selector_picks_the_kept_checkpoint(kws_dataset, tmp_path):
    """With a selector (a spec's `selection` section), the kept checkpoint is the one detecting the most keywords
    at the target false-alarm rate, whatever its validation accuracy."""
    from hark.train.run import train

    rates = iter([0.2, 0.9, 0.5])
    spec = load_spec("micro_speech").replace(selection={"streams": str(tmp_path)})
    out = train(spec, tmp_path / "run", data_dir=kws_dataset, dry_run=True, verbose=False,
                selector=lambda model: {"detection_rate": next(rates), "target_fa_per_hour": 2.0})
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert out.fit.best_step == metrics["best_step"] == 4 and metrics["best_stream_detection"] == 0.9
    assert [h["stream_detection_rate"] for h in metrics["history"]] == [0.2, 0.9, 0.5]
