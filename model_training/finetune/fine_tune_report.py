"""The fine-tune's before/after report on its held-out crops: per class, the base model's and the
fine-tuned model's recall and share of predictions, side by side, plus both balanced accuracies.

A class with no held-out crop cannot be scored here; its share of predictions still shows whether the
fine-tuned model stopped (or started) predicting it. Written as ``RUN_DIR/finetune_report.json`` and
printed as a table.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from model_training.data.labels import AFFECTNET_CLASSES
from model_training.train.metrics import summarize
from model_training.train.run_plan import write_json

REPORT = "finetune_report.json"


def compare(y_true: np.ndarray, base_pred: np.ndarray, tuned_pred: np.ndarray, base_name: str,
            tuned_name: str) -> dict:
    """Both models' metrics on the same crops (class indices in AffectNet order)."""
    base, tuned = summarize(y_true, base_pred), summarize(y_true, tuned_pred)
    n = max(len(y_true), 1)
    classes = []
    for i, name in enumerate(AFFECTNET_CLASSES):
        support = int((y_true == i).sum())
        row = {"class": name, "support": support,
               "base_predicted_share": float((base_pred == i).sum() / n),
               "fine_tuned_predicted_share": float((tuned_pred == i).sum() / n)}
        if support:
            row["base_recall"] = base["per_class"][name]["recall"]
            row["fine_tuned_recall"] = tuned["per_class"][name]["recall"]
        classes.append(row)
    return {"held_out": int(len(y_true)), "base": base_name, "fine_tuned": tuned_name,
            "base_balanced_accuracy": base["balanced_accuracy"], "fine_tuned_balanced_accuracy":
            tuned["balanced_accuracy"], "base_accuracy": base["accuracy"], "fine_tuned_accuracy": tuned["accuracy"],
            "classes": classes, "base_metrics": base, "fine_tuned_metrics": tuned}


def write_report(report: dict, run_dir: Path) -> Path:
    path = Path(run_dir) / REPORT
    write_json(path, report)
    return path


def format_table(report: dict) -> str:
    """A Markdown table: one row per class that has held-out crops or that either model predicted."""
    def pct(value) -> str:
        return "—" if value is None else f"{value:.0%}"

    lines = [f"Held-out crops: {report['held_out']}. Base: {report['base']}.",
             "", "| class | held out | base recall | fine-tuned recall | base predicts | fine-tuned predicts |",
             "|---|---:|---:|---:|---:|---:|"]
    for row in report["classes"]:
        if row["support"] or row["base_predicted_share"] or row["fine_tuned_predicted_share"]:
            lines.append(f"| {row['class']} | {row['support']} | {pct(row.get('base_recall'))} | "
                         f"{pct(row.get('fine_tuned_recall'))} | {pct(row['base_predicted_share'])} | "
                         f"{pct(row['fine_tuned_predicted_share'])} |")
    lines.append(f"| **balanced accuracy** | | {report['base_balanced_accuracy']:.1%} | "
                 f"{report['fine_tuned_balanced_accuracy']:.1%} | | |")
    if "base_calibration_error" in report:
        lines.append(f"| **calibration error** (lower: confidence closer to how often it is right) | | "
                     f"{report['base_calibration_error']:.3f} | {report['fine_tuned_calibration_error']:.3f} | | |")
    return "\n".join(lines)
