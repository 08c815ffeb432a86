"""Review a dataset: thumbnails by label, corrections only, relabel, delete to trash, undo."""
from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
)

from desktop_app.core.samples.original_frames import original_frame_path
from desktop_app.core.samples.sample_records import StoreError
from desktop_app.core.samples.sample_store import SampleStore

THUMB = 96


class GalleryDialog(QDialog):
    changed = Signal()  # the dataset changed here (relabel, delete, undo)

    def __init__(self, store: SampleStore, labels: tuple[str, ...], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Dataset: {store.root}")
        self.resize(900, 650)
        self.store = store
        self.filter = QComboBox()
        self.corrections = QCheckBox("corrections only", toggled=self.refresh)
        self.list = QListWidget()
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.target = QComboBox()
        self.target.addItems(list(labels))
        self.message = QLabel()
        top = QHBoxLayout()
        top.addWidget(QLabel("Label"))
        top.addWidget(self.filter)
        top.addWidget(self.corrections)
        top.addStretch(1)
        actions = QHBoxLayout()
        actions.addWidget(QPushButton("Relabel to", clicked=self.relabel_selected))
        actions.addWidget(self.target)
        actions.addWidget(QPushButton("Delete (to trash)", clicked=self.delete_selected))
        actions.addWidget(QPushButton("Undo", clicked=self.undo))
        actions.addWidget(QPushButton("Original frame", clicked=self.open_original))
        actions.addStretch(1)
        column = QVBoxLayout(self)
        column.addLayout(top)
        column.addWidget(self.list, 1)
        column.addLayout(actions)
        column.addWidget(self.message)
        self.filter.currentIndexChanged.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        samples = self.store.samples()
        current = self.filter.currentData()
        self.filter.blockSignals(True)
        self.filter.clear()
        self.filter.addItem("all", None)
        for label, n in sorted(self.store.label_counts().items()):
            self.filter.addItem(f"{label} ({n})", label)
        self.filter.setCurrentIndex(max(0, self.filter.findData(current)))
        self.filter.blockSignals(False)
        label = self.filter.currentData()
        self.list.clear()
        for sample in samples:
            if label is not None and sample.label != label:
                continue
            if self.corrections.isChecked() and not sample.correction:
                continue
            text = sample.label + (f"\n(model: {sample.predicted})" if sample.correction else "")
            item = QListWidgetItem(QIcon(QPixmap(str(self.store.path_of(sample)))), text)
            item.setData(Qt.ItemDataRole.UserRole, sample.id)
            self.list.addItem(item)
        self.message.setText(f"{self.list.count()} shown of {len(samples)} samples")

    def selected_ids(self) -> list[str]:
        return [item.data(Qt.ItemDataRole.UserRole) for item in self.list.selectedItems()]

    def _each(self, action) -> None:
        try:
            for sid in self.selected_ids():
                action(sid)
        except (StoreError, ValueError) as exc:
            self.message.setText(str(exc))
            self.changed.emit()  # the ones before the failure did change
            return
        self.refresh()
        self.changed.emit()

    def relabel_selected(self) -> None:
        self._each(lambda sid: self.store.relabel(sid, self.target.currentText()))

    def delete_selected(self) -> None:
        self._each(self.store.delete)

    def open_original(self) -> QLabel | None:
        """Show the whole frame the selected sample was cut from, when it was kept."""
        ids = self.selected_ids()
        if not ids:
            self.message.setText("select a sample first")
            return None
        path = original_frame_path(self.store.root, ids[0])
        if not path.is_file():
            self.message.setText("no original frame was kept for this sample (see 'Keep the original frames')")
            return None
        view = QLabel(self, Qt.WindowType.Window)
        view.setWindowTitle(f"Original frame of {ids[0]}")
        view.setPixmap(QPixmap(str(path)).scaled(1024, 768, Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation))
        view.show()
        self._original = view
        return view

    def undo(self) -> None:
        try:
            undone = self.store.undo()
        except StoreError as exc:
            self.message.setText(str(exc))
            return
        self.refresh()
        self.changed.emit()
        if undone is None:
            self.message.setText("nothing to undo")
