"""``capture --label`` takes only labels the training kit can train on: a dataset is never made
unreadable for training by one capture."""
from __future__ import annotations

import subprocess
import sys

from support.repo import REPO

CLI = "import sys; from desktop_app.capture import main; sys.exit(main(sys.argv[1:]))"


def test_a_label_the_kit_does_not_know_is_refused_before_anything_is_written(tmp_path):
    out = tmp_path / "ds"
    done = subprocess.run([sys.executable, "-c", CLI, "demo", "--label", "bored", "--out", str(out), "--max", "1"],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and "'bored' is not an expression" in lines[0], lines
    assert not out.exists()
