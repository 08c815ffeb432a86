"""The typed library calls under ``analyze`` and ``capture``, made without a command line: the real demo
face through the real pipeline."""
from __future__ import annotations

import io
import json

from desktop_app.core.headless.analysis import AnalyzeOptions, analyze
from desktop_app.core.headless.file_capture import CaptureOptions, capture
from desktop_app.core.samples.sample_records import MANIFEST


def test_analyze_the_demo():
    out, err = io.StringIO(), io.StringIO()
    assert analyze(AnalyzeOptions(inputs=("demo",), smoothing=0.0), out=out, err=err) == 0
    summary = out.getvalue()
    assert "frames: 150" in summary and "frames with a face: 150" in summary, summary
    assert "faces per label: happy" in summary and err.getvalue() == ""


def test_analyze_writes_its_csv_only_when_complete(tmp_path):
    csv_path = tmp_path / "faces.csv"
    assert analyze(AnalyzeOptions(inputs=("demo",), csv=csv_path), out=io.StringIO()) == 0
    rows = csv_path.read_text().splitlines()
    assert rows[0].startswith("source,frame,time_s,face_id") and len(rows) == 151
    assert sorted(p.name for p in tmp_path.iterdir()) == ["faces.csv"]  # no temporary name left


def test_capture_from_the_demo(tmp_path):
    out = io.StringIO()
    options = CaptureOptions(source="demo", label="Happy", out=tmp_path / "ds", every=3, max=4, demo_frames=30)
    assert capture(options, out=out, err=io.StringIO()) == 0
    assert "saved: 4 samples labeled 'Happy'" in out.getvalue()
    lines = [json.loads(x) for x in (tmp_path / "ds" / MANIFEST).read_text().splitlines()]
    assert [x["frame"] for x in lines] == [0, 3, 6, 9]
    assert len(list((tmp_path / "ds" / "Happy").glob("*.png"))) == 4
