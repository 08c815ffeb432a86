"""``evaluate``: a run directory or a ``.tflite`` on a labelled dataset, with the app's preprocessing.

Writes ``report.json`` (accuracy, balanced accuracy, macro-F1, per class, confusion matrix, the most
confident mistakes by file; for a model with the valence/arousal head and data with values, their CCC
and RMSE under ``valence_arousal``) and ``confusion.png``. For a run directory the report is also copied to
``RUN_DIR/evaluation.json``, which ``export`` puts into the spec's metrics.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from model_training.audit.predictors import Predictor, load_predictor
from model_training.data.datasets import Source, list_examples
from model_training.data.image_batches import image_batches
from model_training.data.labels import AFFECTNET_CLASSES, DataError
from model_training.data.output_places import check_not_in_dataset, check_writable
from model_training.data.run_files import write_json
from model_training.data.valence_arousal import values_of
from model_training.train.metrics import format_valence_arousal, plot_confusion, summarize, valence_arousal_summary
from model_training.train.spec_building import EVALUATION_FILE

MISTAKES = 20


def evaluate(model: Path, data: list[str], out_dir: Path | None = None) -> dict:
    model = Path(model)
    out_dir = Path(out_dir) if out_dir else (model / "eval" if model.is_dir() else model.with_suffix(".eval"))
    if out_dir.exists() and not out_dir.is_dir():
        raise DataError(f"--out {out_dir} is a file: give a folder for report.json and confusion.png")
    listing = list_examples([Source.parse(s) for s in data])
    check_not_in_dataset(out_dir, "--out", data)
    # Before the model and the pass over the data: a report that cannot be written should not cost the pass.
    made = not out_dir.exists()
    try:
        for folder in (out_dir, model) if model.is_dir() else (out_dir,):  # a run also gets evaluation.json
            check_writable(folder)
        return _evaluate(model, data, out_dir, listing)
    except BaseException:
        if made and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()  # a refusal leaves no empty folder behind
        raise


def _evaluate(model: Path, data: list[str], out_dir: Path, listing) -> dict:
    predictor: Predictor = load_predictor(Path(model))
    skipped = Counter(listing.skipped)
    true, probs, files, va_pred, va_true = [], [], [], [], []
    for batch, kept in image_batches(listing.examples, predictor.spec, skipped):
        batch_probs, batch_va = predictor.predict_all(batch)
        probs.append(batch_probs)
        true += [e.label for e in kept]
        files += [e.path for e in kept]
        if batch_va is not None:
            va_pred.append(batch_va)
            va_true.append(values_of(kept))
    if not true:
        raise DataError(f"no readable images in {', '.join(data)}")
    probs_all = np.concatenate(probs)
    y_true, y_pred = np.array(true), probs_all.argmax(1)
    report = {"model": predictor.name, "data": list(data), "skipped": dict(skipped),
              **summarize(y_true, y_pred)}
    if va_pred:
        report["valence_arousal"] = valence_arousal_summary(np.concatenate(va_true), np.concatenate(va_pred))
    wrong = np.flatnonzero(y_true != y_pred)
    worst = wrong[np.argsort(-probs_all[wrong, y_pred[wrong]])][:MISTAKES]
    report["confident_mistakes"] = [
        {"file": files[i], "true": AFFECTNET_CLASSES[y_true[i]], "predicted": AFFECTNET_CLASSES[y_pred[i]],
         "confidence": float(probs_all[i, y_pred[i]])} for i in worst]
    out_dir.mkdir(parents=True, exist_ok=True)
    write_json(out_dir / "report.json", report)
    if model.is_dir():
        write_json(model / EVALUATION_FILE, report)
    plot_confusion(np.array(report["confusion_matrix"]), out_dir / "confusion.png",
                   f"{model.name}: balanced accuracy {report['balanced_accuracy']:.3f}")
    report["out_dir"] = str(out_dir)
    return report


def format_report(report: dict) -> str:
    lines = [f"{report['n']} images: accuracy {report['accuracy']:.4f}, balanced accuracy "
             f"{report['balanced_accuracy']:.4f}, macro-F1 {report['macro_f1']:.4f}",
             f"{'class':<10} {'precision':>9} {'recall':>7} {'support':>8}"]
    va = report.get("valence_arousal")
    if va and va["n"]:
        lines.insert(1, format_valence_arousal(va))
    elif va:
        lines.insert(1, "valence/arousal: the model predicts them but this data has no values to score them on")
    lines += [f"{name:<10} {c['precision']:>9.3f} {c['recall']:>7.3f} {c['support']:>8}"
              for name, c in report["per_class"].items()]
    if report["skipped"]:
        lines.append("skipped: " + "; ".join(f"{k}: {v}" for k, v in sorted(report["skipped"].items())))
    for m in report["confident_mistakes"][:5]:
        lines.append(f"mistake {m['confidence']:.2f}: {m['file']} true {m['true']} predicted {m['predicted']}")
    lines.append(f"report: {report['out_dir']}/report.json, confusion.png")
    return "\n".join(lines)
