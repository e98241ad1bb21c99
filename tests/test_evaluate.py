"""Evaluation metrics against independent oracles, and the float-vs-int8 evaluation command on a dry run."""

from __future__ import annotations

import numpy as np
import pytest

from hark.train.metrics import auc, classification_report, confusion_matrix, format_report, plot_confusion


def test_auc_equals_the_mann_whitney_statistic():
    rng = np.random.default_rng(0)
    score = np.round(rng.normal(size=300), 1)  # rounding makes ties
    positive = rng.random(300) < 0.3 + 0.4 * (score > 0)
    pos, neg = score[positive], score[~positive]
    # P(pos > neg) + 0.5 P(pos == neg) over every pair: the oracle, computed the slow way.
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    assert auc(positive, score) == pytest.approx(wins / (len(pos) * len(neg)), abs=1e-12)
    assert auc(positive, -score) == pytest.approx(1 - wins / (len(pos) * len(neg)), abs=1e-12)
    assert np.isnan(auc(np.ones(3, bool), np.arange(3.0)))


def test_report_precision_recall_and_confusion_by_hand(tmp_path):
    labels = np.array([0, 0, 0, 1, 1, 2])
    predicted = np.array([0, 1, 0, 1, 2, 2])
    scores = np.eye(3)[predicted] * 0.8 + 0.1
    r = classification_report(scores, labels, ["a", "b", "c"])
    np.testing.assert_array_equal(r.confusion, [[2, 1, 0], [0, 1, 1], [0, 0, 1]])
    np.testing.assert_array_equal(confusion_matrix(labels, predicted, 3), r.confusion)
    assert r.accuracy == pytest.approx(4 / 6)
    assert [c.precision for c in r.per_class] == pytest.approx([1.0, 0.5, 0.5])
    assert [c.recall for c in r.per_class] == pytest.approx([2 / 3, 0.5, 1.0])
    assert [c.support for c in r.per_class] == [3, 2, 1]
    text = format_report(r, "t")
    assert "accuracy 0.6667 over 6 clips" in text and "confusion matrix" in text
    png = plot_confusion(r, tmp_path / "cm.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_evaluate_command_scores_float_and_int8_side_by_side(kws_dataset, tmp_path, capsys):
    pytest.importorskip("tensorflow")
    from hark.cli.main import main as hark_main

    run = tmp_path / "ms"
    assert hark_main(["train", "micro_speech", "--dry-run", "--steps", "2", "--run-dir", str(run), "--data-dir",
                       str(kws_dataset), "--quiet"]) == 0
    export_dir = str(tmp_path / "x")
    assert hark_main(["export", str(run), "--data-dir", str(kws_dataset), "--no-report", "--out", export_dir]) == 0
    capsys.readouterr()
    assert hark_main(["evaluate", str(run), "--tflite", str(tmp_path / "x" / "micro_speech.tflite"), "--data-dir",
                          str(kws_dataset), "--split", "validation"]) == 0
    out = capsys.readouterr().out
    assert "float (Keras)" in out and "tflite (tflite-micro interpreter)" in out
    for name in ("float_report.txt", "tflite_report.txt", "float_confusion.png", "tflite_confusion.png",
                 "evaluation.json"):
        assert (run / "evaluation" / name).is_file()


def test_summarize_reports_macs_for_window_and_stream(capsys):
    pytest.importorskip("tensorflow")
    from hark.cli.main import main as hark_main

    assert hark_main(["summarize", "ds_cnn", "--json"]) == 0
    import json

    s = json.loads(capsys.readouterr().out)
    assert s["params"] > 10_000 and s["layers"]
    assert s["window"]["macs_per_call"] > 20 * s["stream"]["macs_per_call"] > 0
