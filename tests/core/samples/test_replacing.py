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


def test_sweep_keeps_another_living_process_files_and_leaves_that_process_alone(tmp_path):
    """A second program writing into the same folder (another training run, an export): its temporary
    file and staging folder stay, and asking whether it runs does not signal it. A pid too large to ask
    about counts as living too: its files are kept, never guessed away."""
    # SIGHUP back to its default (nohup, which mutation runs use, would have it ignored): a stray signal kills it
    child = ("import signal, time; signal.signal(signal.SIGHUP, signal.SIG_DFL); print('ready', flush=True); "
             "time.sleep(60)")
    with subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True) as other:
        try:
            assert other.stdout.readline() == "ready\n"
            (tmp_path / f".best.partial-{other.pid}.keras").write_bytes(b"being written")
            (tmp_path / f".model.partial-{other.pid}").mkdir()
            (tmp_path / f".odd.partial-{10**30}.json").write_bytes(b"?")
            (tmp_path / ".partial-123").write_bytes(b"not a temporary name")  # no ".name" before it
            assert sweep_partials(tmp_path) == []
            with pytest.raises(subprocess.TimeoutExpired):  # still running: only signal 0 (no signal) was sent
                other.wait(timeout=1)
            assert len(list(tmp_path.iterdir())) == 4
        finally:
            other.kill()
    other.wait()
    assert sorted(sweep_partials(tmp_path)) == [f".best.partial-{other.pid}.keras", f".model.partial-{other.pid}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [".odd.partial-" + str(10**30) + ".json", ".partial-123"]


def test_sweep_removes_a_dead_writers_link_not_what_it_points_to(tmp_path):
    """A staging name that is a symlink to a folder: the link goes, the folder it names is not emptied."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "model.tflite").write_bytes(b"a model")
    (tmp_path / f".model.partial-{int(dead.stdout)}").symlink_to(kept, target_is_directory=True)
    assert sweep_partials(tmp_path) == [f".model.partial-{int(dead.stdout)}"]
    assert [p.name for p in tmp_path.iterdir()] == ["kept"] and (kept / "model.tflite").read_bytes() == b"a model"


def test_sweep_removes_a_dead_writers_files_whatever_its_pid_and_a_missing_folder_is_nothing_to_sweep(tmp_path):
    """Pids wrap around: a writer that died with a pid below this process's is as gone as one above."""
    lower = next(pid for pid in range(os.getpid() - 1, 1, -1) if not os.path.exists(f"/proc/{pid}"))
    (tmp_path / f".best.partial-{lower}.keras").write_bytes(b"half")
    assert sweep_partials(tmp_path) == [f".best.partial-{lower}.keras"] and not any(tmp_path.iterdir())
    assert sweep_partials(tmp_path / "no_such_folder") == []


def test_an_error_about_another_file_is_reraised_as_it_was(tmp_path):
    """Only an error about the hidden temporary name is renamed to the user's file; one about any other
    file (a source the caller was reading) keeps its own name."""
    with pytest.raises(FileNotFoundError) as caught, replacing(tmp_path / "best.keras") as temp:
        temp.write_bytes(b"half")
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(tmp_path / "source.png"))
    assert caught.value.filename == str(tmp_path / "source.png")
    assert not any(tmp_path.iterdir())
