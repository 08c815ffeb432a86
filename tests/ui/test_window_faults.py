"""The real window under injected faults: a bad model spec, an exception inside a frame, an exception
in a slot, a full disk while capturing. Frames must keep flowing, the user must see a banner, the
traceback must be in the error log, and no capture request may be lost."""
from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from desktop_app.core import pipeline as pipeline_module
from desktop_app.core.expression.model_spec import spec_path_for
from desktop_app.core.paths import DEFAULT_MODEL
from desktop_app.core.samples.sample_store import SampleStore


@pytest.fixture
def state_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("FER_STATE_DIR", str(tmp_path / "state"))  # this test's own, to read it back
    return tmp_path / "state"


def frames_keep_flowing(qtbot, win, count: int = 5) -> None:
    win.pause_button.setChecked(False)
    seen = []
    win.worker.result_ready.connect(lambda frame, result: seen.append(result.index))
    qtbot.waitUntil(lambda: len(seen) >= count, timeout=20000)


def test_bad_spec_leaves_the_model_and_frames_flowing(qtbot, window, tmp_path):
    bad = tmp_path / "bad.tflite"
    shutil.copy(DEFAULT_MODEL, bad)
    spec = json.loads(spec_path_for(DEFAULT_MODEL).read_text())
    spec["metrics"] = 5
    spec_path_for(bad).write_text(json.dumps(spec))
    window.load_model(str(bad))
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=10000)
    assert "'metrics' must be an object" in window.banner_text.text()
    assert window.worker.settings.model_path == str(DEFAULT_MODEL) and window.worker.isRunning()
    frames_keep_flowing(qtbot, window)


def test_unexpected_model_error_and_frame_error_are_logged_and_shown(qtbot, window, state_dir, monkeypatch):
    import desktop_app.ui.window.worker as worker_module

    class Exploding(Exception):
        pass

    def broken_build(*args, **kwargs):
        raise Exploding("injected while loading")

    with monkeypatch.context() as patch:  # the worker builds ExpressionPipeline by that name
        patch.setattr(worker_module, "ExpressionPipeline", broken_build)
        window.load_model(str(DEFAULT_MODEL) + ".other.tflite")
        qtbot.waitUntil(lambda: "injected while loading" in window.banner_text.text(), timeout=10000)
    assert window.worker.isRunning() and window.worker.settings.model_path == str(DEFAULT_MODEL)
    frames_keep_flowing(qtbot, window)

    calls = {"n": 0}
    real_crop = pipeline_module.crop_face

    def crop_failing_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise Exploding("injected inside a frame")
        return real_crop(*args, **kwargs)

    monkeypatch.setattr(pipeline_module, "crop_face", crop_failing_once)
    qtbot.waitUntil(lambda: "injected inside a frame" in window.banner_text.text(), timeout=10000)
    assert window.worker.failed_frames == 1
    frames_keep_flowing(qtbot, window)
    log = (state_dir / "errors.log").read_text()
    assert "Traceback" in log and "injected inside a frame" in log and "injected while loading" in log
    assert str(state_dir / "errors.log") in window.banner_text.text()


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_reaches_the_banner_and_the_log(qtbot, window, state_dir):
    def broken_slot():
        raise ZeroDivisionError("injected in a slot")

    QTimer.singleShot(0, broken_slot)
    qtbot.waitUntil(lambda: "injected in a slot" in window.banner_text.text(), timeout=5000)
    assert "ZeroDivisionError" in (state_dir / "errors.log").read_text()
    frames_keep_flowing(qtbot, window)


def _disk_full_under(folder: Path, monkeypatch) -> None:
    real_link = os.link

    def link(src, dst, *args, **kwargs):
        if str(dst).startswith(str(folder)):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_link(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", link)


def test_full_disk_queues_every_press_and_retries(qtbot, window, tmp_path, monkeypatch):
    with monkeypatch.context() as patch:
        _disk_full_under(tmp_path / "dataset", patch)
        for _ in range(4):
            qtbot.keyClick(window, Qt.Key.Key_1)
        assert window.capture.saved == 0 and len(window.capture.queue) == 4
        status = window.capture.status.text()
        assert "4 samples waiting" in status and "No space left" in status
        assert window.banner.isVisible() and "4 samples waiting to be written" in window.banner_text.text()
    # space is freed: the retry timer writes them, in order
    qtbot.waitUntil(lambda: window.capture.saved == 4, timeout=10000)
    assert len(window.capture.queue) == 0 and "saved 4" in window.capture.status.text()
    assert "samples that were waiting are written" in window.banner_text.text()
    window.capture.close_store()
    with SampleStore(tmp_path / "dataset") as store:
        assert len(store.samples()) == 4 and store.report.clean


def test_closing_with_samples_waiting_writes_them_to_a_fallback(qtbot, window, tmp_path, state_dir,
                                                                monkeypatch):
    _disk_full_under(tmp_path / "dataset", monkeypatch)
    qtbot.keyClick(window, Qt.Key.Key_2)
    qtbot.keyClick(window, Qt.Key.Key_3)
    told = []
    monkeypatch.setattr(QMessageBox, "information", lambda parent, title, text: told.append(text))
    window.close()
    assert len(told) == 1 and "2 samples could not be written" in told[0]
    fallback = next((state_dir / "unsaved-samples").iterdir())
    assert str(fallback) in told[0]
    with SampleStore(fallback) as store:
        assert sorted(s.label for s in store.samples()) == ["Sad", "Surprise"]


def test_closing_asks_first_when_no_folder_can_take_the_waiting_samples(qtbot, window, tmp_path, monkeypatch):
    """The dataset's disk is full, the state folder and the temp folder cannot be created (each under a
    file): closing asks, "No" keeps the window open with the samples still waiting, "Yes" quits."""
    import tempfile

    _disk_full_under(tmp_path / "dataset", monkeypatch)
    blocker = tmp_path / "a_file"
    blocker.write_text("no folder can be made under a file")
    monkeypatch.setenv("FER_STATE_DIR", str(blocker / "state"))
    monkeypatch.setattr(tempfile, "tempdir", str(blocker / "tmp"))
    qtbot.keyClick(window, Qt.Key.Key_2)
    asked, answers = [], [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text: asked.append(text) or answers.pop(0))
    window.close()
    assert len(asked) == 1 and "Quit anyway and lose them?" in asked[0]
    assert window.isVisible() and len(window.capture.queue) == 1  # stayed: nothing lost yet
    window.close()
    assert len(asked) == 2 and not window.isVisible()


def test_garbage_is_collected_on_the_gui_thread_only(qtbot):
    """A reference cycle dropped on a worker thread is freed by the GUI thread's timer, never by the
    worker (where freeing a Qt object can deadlock): gui_application() turns the automatic collector off."""
    import gc
    import threading

    from desktop_app.ui.qt.gui_app import gui_application

    gc.enable()
    gui_application()
    assert not gc.isenabled()
    freed_on: list[str] = []

    class Cycle:
        def __init__(self) -> None:
            self.me = self

        def __del__(self) -> None:
            freed_on.append(threading.current_thread().name)

    def worker() -> None:
        Cycle()  # unreachable at once, but only a collection can free it
        kept = [{} for _ in range(5000)]  # enough live objects to trigger an automatic collection, were it on
        del kept

    thread = threading.Thread(target=worker, name="worker")
    thread.start()
    thread.join()
    assert freed_on == []
    kept = [[] for _ in range(gc.get_threshold()[0] + 100)]  # generation 0 over its threshold: the timer's
    qtbot.waitUntil(lambda: bool(freed_on), timeout=5000)  # next check (once a second) collects
    del kept
    assert freed_on == [threading.main_thread().name]
