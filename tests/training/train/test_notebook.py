"""The course notebook runs end to end (real TensorFlow, LiteRT and landmarks), so it never goes stale."""
from __future__ import annotations

import os

import pytest

from support.repo import REPO

NOTEBOOK = REPO / "model_training" / "notebooks" / "expression_journey.ipynb"


@pytest.mark.slow
def test_the_journey_notebook_executes_end_to_end(monkeypatch, tmp_path):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    monkeypatch.setenv("JOURNEY_WORK", str(tmp_path))  # the notebook writes there; pytest cleans it
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    if os.environ.get("JOURNEY_NOTEBOOK_OUT"):  # keep the executed copy to look at
        nbformat.write(nb, os.environ["JOURNEY_NOTEBOOK_OUT"])
    outputs = "".join(o.get("text", "") for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs)
    assert "precision at 9:" in outputs and "best validation balanced accuracy:" in outputs
    assert "predicted for 8 validation images:" in outputs and "excluded (exclusions.txt)" in outputs
    assert "the two misfiled images lead: True" in outputs and "geometry MLP (8 features)" in outputs
    images = sum("image/png" in o.get("data", {}) for cell in nb.cells if cell.cell_type == "code"
                 for o in cell.outputs)
    assert images >= 5, "the charts, curves, confusion matrix, contact sheet and landmarks are shown"
    assert (tmp_path / "journey_model.tflite").is_file() and (tmp_path / "audit" / "suspects.csv").is_file()
