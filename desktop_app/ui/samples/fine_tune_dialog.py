""""Fine-tune on this dataset…": runs ``python -m model_training train`` then ``export`` in a separate
process (``QProcess``: the GUI thread never waits, and the app never imports TensorFlow), shows each
epoch's progress and can be cancelled. Commands, paths and the parsing of the lines are in the Qt-free
``core/fine_tune_job.py``.

Cancel = ``terminate()``, then ``kill()`` after a grace period; the run's folder is then removed, so
nothing half-written is left under ``<state>/fine-tuned/``. A failed run is removed too (its last output
lines go to the error log). The dataset is only read.
"""
from __future__ import annotations

import importlib.util
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QProcess, QProcessEnvironment, Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QMessageBox, QProgressBar, QPushButton, QVBoxLayout

from desktop_app.core.error_log import log_exception, state_dir
from desktop_app.core.expression.model_spec import spec_path_for
from desktop_app.core.fine_tune_job import (
    Done,
    JobPaths,
    OutputReader,
    Progress,
    dataset_problem,
    export_argv,
    format_duration,
    format_progress,
    missing_requirements,
    report_summary,
    requirements_message,
    train_argv,
)
from desktop_app.core.paths import PACKAGES_ROOT

GRACE_MS = 3000  # after terminate(), a process that has not ended by then is killed
PROGRESS_STEPS = 1000
# Training fills the bar to here; the export (conversion and its parity check, ~15 s on 2 cores) is the
# rest, so the bar never stands at 100% while there is still something to wait for.
TRAIN_SHARE = 0.85


class FineTuneDialog(QDialog):
    """One fine-tuning run of ``base_model`` on ``dataset``; ``start()`` begins it. ``model_ready`` carries
    the exported ``.tflite`` once training and export both succeeded."""

    model_ready = Signal(str)
    ended = Signal(str)  # "done", "failed", "cancelled" or "refused" (nothing was started)

    def __init__(self, base_model: Path | str, dataset: Path | str, parent=None, *,
                 command: Sequence[str] | None = None,
                 find_spec: Callable[[str], object] = importlib.util.find_spec,
                 state_folder: Path | str | None = None, grace_ms: int = GRACE_MS) -> None:
        super().__init__(parent)
        self.setWindowTitle("Fine-tune on this dataset")
        self.setMinimumWidth(560)
        self.base_model, self.dataset = Path(base_model), Path(dataset)
        self.command, self.find_spec = command, find_spec
        self.state_folder = Path(state_folder) if state_folder is not None else None
        self.grace_ms = grace_ms
        self.paths: JobPaths | None = None
        self.process: QProcess | None = None
        self.step = ""  # "train" or "export" while a process runs
        self.state = "idle"
        self.reader = OutputReader()
        self.done_info: Done | None = None  # training's ``done`` line
        self.summary = ""  # old vs new on the held-out faces, once done (the comparison bar repeats it)
        self._cancelling = False
        self._kill_timer = QTimer(self, singleShot=True, timeout=self._kill)
        self._started = 0.0  # time.monotonic() of start(): times shown count from the click
        self._clock = QTimer(self, interval=1000, timeout=self._show_export_time)

        about = QLabel(f"Model: <b>{self.base_model.name}</b><br>Dataset: <b>{self.dataset}</b> (only read)")
        about.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.bar = QProgressBar()
        self.bar.setRange(0, PROGRESS_STEPS)
        self.bar.setValue(0)
        self.line = QLabel()
        self.line.setWordWrap(True)
        self.cancel_button = QPushButton("Cancel", clicked=self.cancel)
        self.close_button = QPushButton("Close", clicked=self.close)
        column = QVBoxLayout(self)
        for w in (about, self.message, self.bar, self.line):
            column.addWidget(w)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)
        column.addLayout(buttons)
        self._set_running(False)

    # ---- starting ----------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.process is not None

    def start(self) -> bool:
        """Check the requirements and the dataset, then start training. Returns whether it started."""
        missing = missing_requirements(self.find_spec)
        if missing:
            return self._refuse(requirements_message(missing))
        problem = dataset_problem(self.dataset)
        if problem:
            return self._refuse(f"Not started: {problem}.")
        self.paths = JobPaths.new(self.state_folder or state_dir())
        try:
            self.paths.folder.mkdir(parents=True)
        except OSError as exc:
            return self._refuse(f"Not started: cannot create {self.paths.folder}: {exc}")
        self.state = "train"
        self._started = time.monotonic()
        self.message.setText(f"Training (the new model goes to {self.paths.folder})…")
        self.bar.setRange(0, 0)  # busy until the first epoch ends
        self.line.setText("preparing the data and the model…")
        self._run("train", train_argv(self.base_model, self.dataset, self.paths.run_dir, self.command))
        return True

    def _refuse(self, text: str) -> bool:
        self.state = "refused"
        self.message.setText(text)
        self.bar.hide()
        self._set_running(False)
        self.ended.emit(self.state)
        return False

    def _run(self, step: str, argv: list[str]) -> None:
        self.step = step
        self.reader = OutputReader()
        process = QProcess(self)
        environment = QProcessEnvironment.systemEnvironment()
        environment.insert("PYTHONUNBUFFERED", "1")  # one progress line per epoch, as it happens
        process.setProcessEnvironment(environment)
        process.setWorkingDirectory(str(PACKAGES_ROOT))  # where ``-m model_training`` is found
        process.setProgram(argv[0])
        process.setArguments(argv[1:])
        process.readyReadStandardOutput.connect(self._read_out)  # bound methods, not lambdas: the process
        process.readyReadStandardError.connect(self._read_err)  # is deleted after it ends
        process.finished.connect(self._on_finished)
        process.errorOccurred.connect(self._on_error)
        self.process = process
        self._set_running(True)
        process.start()

    # ---- while it runs -----------------------------------------------------------------------------
    def _read_out(self) -> None:
        if self.process is not None:
            self._read(self.process, "out")

    def _read_err(self) -> None:
        if self.process is not None:
            self._read(self.process, "err")

    def _read(self, process: QProcess, stream: str) -> None:
        data = process.readAllStandardOutput() if stream == "out" else process.readAllStandardError()
        self._events(self.reader.feed(bytes(data).decode("utf-8", errors="replace"), stream))

    def _events(self, events: list[Progress | Done]) -> None:
        for event in events:
            if isinstance(event, Progress) and not self._cancelling:
                phase = {"head": "training the new head", "all": "fine-tuning all layers"}.get(event.phase, event.phase)
                self.line.setText(f"{format_progress(event)}, then the export  "
                                  f"({phase}, {self._since_start()} since the start)")
                self.bar.setRange(0, PROGRESS_STEPS)
                self.bar.setValue(round(event.fraction * TRAIN_SHARE * PROGRESS_STEPS))

    def _since_start(self) -> str:
        return format_duration(time.monotonic() - self._started)

    def _show_export_time(self) -> None:
        self.line.setText(f"converting and checking the TFLite model ({self._since_start()} since the start)…")

    def _on_error(self, error: QProcess.ProcessError) -> None:
        process = self.process
        if error == QProcess.ProcessError.FailedToStart and process is not None:
            self._release(process)
            self._fail(f"{self.step} could not start: {process.errorString()}")

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        if self.process is not None:
            self._finished(self.process, code, status)

    def _release(self, process: QProcess) -> None:
        """This process is over: no more of its signals reach the dialog; Qt deletes it later."""
        self.process = None
        self._kill_timer.stop()
        for signal in (process.readyReadStandardOutput, process.readyReadStandardError, process.finished,
                       process.errorOccurred):
            signal.disconnect()
        process.deleteLater()

    def _finished(self, process: QProcess, code: int, status: QProcess.ExitStatus) -> None:
        self._read(process, "out")
        self._read(process, "err")
        self._events(self.reader.finish())
        self._release(process)
        if self._cancelling:
            self._clock.stop()
            self._remove_run()
            self.state = "cancelled"
            self.message.setText("Cancelled: nothing was kept (the dataset is unchanged).")
            self.line.setText("")
            self.bar.setRange(0, PROGRESS_STEPS)
            self.bar.setValue(0)
            self._set_running(False)
            self.ended.emit(self.state)
            return
        crashed = status != QProcess.ExitStatus.NormalExit
        if self.step == "train":
            if code == 0 and not crashed and self.reader.done is not None:
                self._export()
            else:
                self._fail(self.reader.failure_text("training", -1 if crashed else code))
        elif self.step == "export":
            model = self.paths.model
            if code == 0 and not crashed and model.is_file() and spec_path_for(model).is_file():
                self._succeed()
            elif code == 0 and not crashed:
                self._fail(f"export ended without writing {model} and its .json")
            else:
                self._fail(self.reader.failure_text("export", -1 if crashed else code))

    def _export(self) -> None:
        done = self.reader.done
        best = done.best_balanced_accuracy
        self.done_info = done
        self.state = "export"
        self.message.setText("Training done; exporting the new model to TFLite…"
                             + (f" (best balanced accuracy {best:.2f})" if best is not None else ""))
        self.bar.setRange(0, PROGRESS_STEPS)
        self.bar.setValue(round(TRAIN_SHARE * PROGRESS_STEPS))
        self._show_export_time()
        self._clock.start()
        run_dir = Path(done.run_dir) if done.run_dir else self.paths.run_dir
        self._run("export", export_argv(run_dir, self.paths.model, self.command))

    def _succeed(self) -> None:
        self.state = "done"
        self._clock.stop()
        best = self.done_info.best_balanced_accuracy
        summary = report_summary(self.done_info.report) if self.done_info.report else None
        if summary is None and best is not None:
            summary = f"best balanced accuracy {best:.2f}"
        self.bar.setRange(0, PROGRESS_STEPS)
        self.bar.setValue(PROGRESS_STEPS)
        self.summary = summary or ""
        self.line.setText(f"took {self._since_start()}")
        self.message.setText(
            f"Done{f': {summary}' if summary else ''}. The new model "
            f"({self.paths.model}) now runs beside the old one on the live faces: keep one with "
            f"<b>Keep new</b> or <b>Keep old</b> in the window.")
        self._set_running(False)
        self.ended.emit(self.state)
        self.model_ready.emit(str(self.paths.model))

    def _fail(self, text: str) -> None:
        self._clock.stop()
        self._remove_run()
        tail = "\n".join(self.reader.tail)
        log = log_exception(RuntimeError(f"{text}\nlast output:\n{tail}"), "fine-tuning failed")
        self.state = "failed"
        self.message.setText(text + (f" (last output in {log})" if log else ""))
        self.line.setText("")
        self.bar.setRange(0, PROGRESS_STEPS)
        self.bar.setValue(0)
        self._set_running(False)
        self.ended.emit(self.state)

    def _remove_run(self) -> None:
        """Nothing half-written stays where the app looks. Only this run's own folder is removed."""
        if self.paths is not None and self.paths.folder.exists():
            shutil.rmtree(self.paths.folder, ignore_errors=True)

    # ---- cancelling ----------------------------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the process to end (terminate), kill it after the grace period; ``_finished`` cleans up."""
        if self.process is None:
            return
        self._cancelling = True
        self._clock.stop()
        self.message.setText("Cancelling…")
        self.line.setText("")
        self.cancel_button.setEnabled(False)
        self.process.terminate()
        self._kill_timer.start(self.grace_ms)

    def _kill(self) -> None:
        if self.process is not None:
            self.process.kill()

    def cancel_and_wait(self, timeout_ms: int = GRACE_MS) -> None:
        """The window is closing: end the process now (blocking at most about ``2 × timeout_ms``)."""
        process = self.process
        if process is None:
            return
        self.cancel()
        if not process.waitForFinished(timeout_ms):
            process.kill()
            process.waitForFinished(timeout_ms)
        if self.process is not None:  # finished was not delivered yet: clean up here
            self._finished(process, -1, QProcess.ExitStatus.CrashExit)

    def _set_running(self, running: bool) -> None:
        self.cancel_button.setVisible(running)
        self.cancel_button.setEnabled(running)
        self.close_button.setVisible(not running)

    def confirm_discard(self, action: str) -> bool:
        """Ask before a running fine-tune is thrown away (minutes of training); True when nothing runs."""
        if self.process is None:
            return True
        answer = QMessageBox.question(
            self.parentWidget() or self, "Fine-tuning is running",
            f"A fine-tune of {self.base_model.name} is running ({self._since_start()} so far). {action} and discard "
            "it? Nothing of it is kept.", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def reject(self) -> None:
        """Escape or the title bar's close while running asks, then cancels the run (the dialog stays to say
        so); answered No, training goes on."""
        if self.process is not None:
            if self.confirm_discard("Stop it"):
                self.cancel()
            return
        super().reject()

    def closeEvent(self, event) -> None:
        if self.process is not None:
            if self.confirm_discard("Stop it"):
                self.cancel()
            event.ignore()
            return
        super().closeEvent(event)
