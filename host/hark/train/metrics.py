"""Classification metrics from scores: accuracy, per-class precision/recall, confusion matrix, one-vs-rest ROC/AUC."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class ClassMetrics:
    label: str
    precision: float
    recall: float
    support: int
    auc: float


@dataclass
class Report:
    labels: list[str]
    accuracy: float
    confusion: np.ndarray  # [true, predicted] counts
    per_class: list[ClassMetrics]
    macro_auc: float
    count: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "accuracy": self.accuracy,
            "macro_auc": self.macro_auc,
            "labels": self.labels,
            "confusion": self.confusion.tolist(),
            "per_class": {
                c.label: {"precision": c.precision, "recall": c.recall, "support": c.support, "auc": c.auc}
                for c in self.per_class
            },
        }


def confusion_matrix(labels: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    m = np.zeros((num_classes, num_classes), np.int64)
    np.add.at(m, (np.asarray(labels, np.int64), np.asarray(predicted, np.int64)), 1)
    return m


def roc_curve(positive: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(false positive rate, true positive rate) over every distinct threshold, from (0,0) to (1,1)."""
    positive = np.asarray(positive, bool)
    order = np.argsort(-np.asarray(score, np.float64), kind="mergesort")
    s, p = np.asarray(score, np.float64)[order], positive[order]
    tps, fps = np.cumsum(p), np.cumsum(~p)
    last_of_tie = np.r_[np.nonzero(np.diff(s))[0], s.size - 1]  # one point per distinct threshold
    n_pos, n_neg = max(int(p.sum()), 1), max(int((~p).sum()), 1)
    tpr = np.r_[0.0, tps[last_of_tie] / n_pos]
    fpr = np.r_[0.0, fps[last_of_tie] / n_neg]
    return fpr, tpr


def auc(positive: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (trapezoids, ties handled); NaN when a class has no positives or no negatives."""
    positive = np.asarray(positive, bool)
    if positive.all() or not positive.any():
        return float("nan")
    fpr, tpr = roc_curve(positive, score)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2.0))


def classification_report(scores: np.ndarray, labels: np.ndarray, names: Sequence[str]) -> Report:
    scores = np.asarray(scores, np.float64)
    labels = np.asarray(labels, np.int64).reshape(-1)
    if scores.ndim != 2 or scores.shape[0] != labels.shape[0] or scores.shape[1] != len(names):
        raise ValueError(f"scores {scores.shape} do not match {labels.shape[0]} labels of {len(names)} classes")
    k = len(names)
    predicted = scores.argmax(axis=1)
    cm = confusion_matrix(labels, predicted, k)
    per_class = []
    for c in range(k):
        tp, predicted_c, actual_c = cm[c, c], cm[:, c].sum(), cm[c, :].sum()
        per_class.append(
            ClassMetrics(
                label=names[c],
                precision=float(tp / predicted_c) if predicted_c else float("nan"),
                recall=float(tp / actual_c) if actual_c else float("nan"),
                support=int(actual_c),
                auc=auc(labels == c, scores[:, c]),
            )
        )
    aucs = [c.auc for c in per_class if not np.isnan(c.auc)]
    return Report(
        labels=list(names),
        accuracy=float(np.trace(cm) / max(labels.size, 1)),
        confusion=cm,
        per_class=per_class,
        macro_auc=float(np.mean(aucs)) if aucs else float("nan"),
        count=int(labels.size),
    )


def format_report(report: Report, title: str = "") -> str:
    width = max(8, *(len(n) for n in report.labels))
    lines = [title] if title else []
    lines.append(f"accuracy {report.accuracy:.4f} over {report.count} clips, macro AUC {report.macro_auc:.4f}")
    lines.append(f"{'label':<{width}}  precision  recall  support    AUC")
    for c in report.per_class:
        lines.append(f"{c.label:<{width}}  {c.precision:9.4f}  {c.recall:6.4f}  {c.support:7d}  {c.auc:.4f}")
    lines.append("confusion matrix (rows: true label, columns: predicted)")
    lines.append(" " * width + "  " + " ".join(f"{i:>6d}" for i in range(len(report.labels))))
    for i, row in enumerate(report.confusion):
        lines.append(f"{report.labels[i]:<{width}}  " + " ".join(f"{v:6d}" for v in row) + f"   [{i}]")
    return "\n".join(lines) + "\n"


def plot_confusion(report: Report, path: str | Path, title: str = "") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = len(report.labels)
    fig, ax = plt.subplots(figsize=(1.0 + 0.6 * k, 0.8 + 0.6 * k), dpi=100)
    ax.imshow(report.confusion, cmap="Blues")
    ax.set_xticks(range(k), report.labels, rotation=60, ha="right")
    ax.set_yticks(range(k), report.labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title or f"accuracy {report.accuracy:.3f}")
    top = report.confusion.max() or 1
    for i in range(k):
        for j in range(k):
            v = report.confusion[i, j]
            ax.text(j, i, str(v), ha="center", va="center", fontsize=7, color="white" if v > top / 2 else "black")
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path
