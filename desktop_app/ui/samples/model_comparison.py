"""Fine-tune the loaded model and compare old and new on the live faces until the user keeps one.

The window owns one ``ModelComparison``: it runs the fine-tune dialog, asks the worker to run the new
model beside the old one, and shows the "Keep new / Keep old" bar and the new model's bars. The window
reads ``bars`` (the new model's column) and ``bar`` (the strip above the video) to lay them out.
"""
from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from desktop_app.core.expression.expression_names import aligned_order
from desktop_app.core.expression.model_spec import ModelSpec
from desktop_app.ui.charts.label_bars import LabelBars


class ModelComparison:
    def __init__(self, window) -> None:
        self.window = window
        self.bars = LabelBars("New model")  # the comparison model's bars, beside the first ones
        self.bars.hide()
        self.labels: tuple[str, ...] = ()  # the new model's labels in its output order ...
        self.order: list[int] = []  # ... and the order its bars show them in: the old model's rows first
        self.bar = QWidget()  # old and new model side by side until the user keeps one
        self.bar.setStyleSheet("background:#003d5c; color:white;")
        row = QHBoxLayout(self.bar)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.keep_new_button = QPushButton("Keep new", clicked=self.keep_new_model)
        self.keep_old_button = QPushButton("Keep old", clicked=self.keep_old_model)
        for w in (self.text, self.keep_new_button, self.keep_old_button):
            row.addWidget(w, 1 if w is self.text else 0)
        self.bar.hide()
        self.dialog = None
        self.command: list[str] | None = None  # None: ``python -m model_training`` (tests stand in)
        self.find_spec = None  # None: importlib.util.find_spec (tests simulate a missing TensorFlow)

    def fine_tune(self) -> None:
        """Fine-tune the loaded model on the capture panel's dataset in a separate process; the result is
        then compared with the loaded model on the live faces."""
        from desktop_app.ui.samples.fine_tune_dialog import FineTuneDialog

        w, dialog = self.window, self.dialog
        if dialog is not None and dialog.running:  # one run at a time: show the one in progress
            dialog.show()
            dialog.raise_()
            return
        if dialog is not None:
            dialog.deleteLater()
        base = w.session.model.path if w.session.model is not None else w.worker.settings.model_path
        options = {"command": self.command}
        if self.find_spec is not None:
            options["find_spec"] = self.find_spec
        self.dialog = dialog = FineTuneDialog(base, w.capture.dataset, w, **options)
        dialog.model_ready.connect(self.compare_with)
        dialog.show()
        dialog.start()

    def compare_with(self, path: str) -> None:
        """Run ``path`` beside the loaded model on the same faces (loaded by the worker)."""
        self.window.worker.request(compare_path=path)

    def on_comparison_loaded(self, spec: ModelSpec | None, path: str) -> None:
        w = self.window
        if spec is None:
            self.bar.hide()
            self.bars.hide()
            w.bars.set_title("Selected face")
            if w.session.end_comparison():  # a paused frame shows the kept model's view of it
                w.redraw_frame()
                face = w.session.selected_face()
                if w.session.current_labels_match():
                    w.bars.set_values(face.probabilities if face else None)
            return
        w.session.set_comparison(path, spec.name, spec.labels)
        old = w.session.model.name if w.session.model is not None else "old"
        dialog = self.dialog
        summary = dialog.summary if dialog is not None and dialog.state == "done" else ""
        self.text.setText(f"Comparing on the live faces: <b>old</b> = {old}, <b>new</b> = {spec.name}"
                          f"{f' ({summary})' if summary else ''}. Each face's label and the bars show both. "
                          "Keep one:")
        if summary:  # the bar says what the dialog said: the dialog would only hide the faces and bars
            dialog.hide()
        w.bars.set_title("Old model")
        self.labels, self.order = tuple(spec.labels), aligned_order(w.session.labels, tuple(spec.labels))
        self.bars.set_labels(tuple(spec.labels[i] for i in self.order))
        self.bars.set_title("New model")
        self.bars.show()
        self.bar.show()

    def show_result(self, result, face) -> None:
        """The new model's bars for the selected face of ``result`` (nothing while not comparing)."""
        if result.comparing and result.compare_labels == self.labels:
            values = face.compare_probabilities if face is not None else None
            self.bars.set_values(None if values is None else values[self.order])

    def keep_new_model(self) -> None:
        """The new model becomes the only one (remembered as the last model, as Ctrl+M does)."""
        comparison = self.window.session.comparison
        if comparison is not None:
            self.window.worker.request(model_path=comparison.path, compare_path=None)

    def keep_old_model(self) -> None:
        """The old model stays; the new one is not deleted (the status line says where it is)."""
        comparison = self.window.session.comparison
        self.window.worker.request(compare_path=None)
        if comparison is not None:
            self.window.show_message(f"Kept the old model. The new one was not deleted: {comparison.path}")

    def confirm_close(self) -> bool:
        """The window is closing: True unless a fine-tune runs and the user chose to keep it running."""
        return self.dialog is None or self.dialog.confirm_discard("Quit")

    def close(self) -> None:
        """A training process never outlives the window."""
        if self.dialog is not None:
            self.dialog.cancel_and_wait()
