"""``durable_files.replacing``, the one writer of replaced files (the training kit's checkpoints, run files,
reports and crops): whole or not at all, on a real full disk too, and what a killed writer leaves is swept."""
from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from desktop_app.core.samples.durable_files import replace_file, replacing, sweep_partials
from support.faults import fill, small_disk


def test_an_error_while_writing_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("old")
    with pytest.raises(RuntimeError), replacing(path) as temp:
        temp.write_text("half")
        raise RuntimeError("killed by an error")
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]
    replace_file(path, b"new")
    assert path.read_text() == "new" and sorted(p.name for p in tmp_path.iterdir()) == ["state.json"]


def test_a_full_disk_keeps_the_old_file_and_names_it(tmp_path):
    with small_disk(tmp_path / "disk", "64k") as disk:
        path = disk / "best.keras"
        path.write_bytes(b"good" * 1000)
        fill(disk, 8192)
        with pytest.raises(OSError) as caught:
            replace_file(path, b"x" * 200_000)
        assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(path)
        assert path.read_bytes() == b"good" * 1000
        assert sorted(p.name for p in disk.iterdir()) == ["best.keras", "filler"]


def test_sweep_removes_what_dead_writers_left_and_keeps_a_living_ones(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    (tmp_path / f".best.partial-{dead_pid}.keras").write_bytes(b"half")
    (tmp_path / f".model.partial-{dead_pid}").mkdir()  # an export's staging folder
    (tmp_path / f".last.partial-{os.getpid()}.keras").write_bytes(b"being written")
    (tmp_path / "best.keras").write_bytes(b"whole")
    assert sorted(sweep_partials(tmp_path)) == [f".best.partial-{dead_pid}.keras", f".model.partial-{dead_pid}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [f".last.partial-{os.getpid()}.keras", "best.keras"]


def test_a_read_only_disk_keeps_the_old_file_and_names_it(tmp_path):
    from support.faults import read_only

    path = tmp_path / "config.json"
    path.write_text("old")
    with read_only(tmp_path):
        with pytest.raises(OSError) as caught:
            replace_file(path, b"new")
        assert caught.value.errno == errno.EROFS and caught.value.filename == str(path)
    assert path.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["config.json"]
