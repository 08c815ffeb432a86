"""A translucent panel over the window listing the keyboard shortcuts (F1)."""
from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QWidget


class HelpOverlay(QLabel):
    def __init__(self, shortcuts: list[tuple[str, str]], parent: QWidget) -> None:
        super().__init__(parent)
        self.set_rows(shortcuts)
        self.setStyleSheet("background: rgba(0,0,0,200); color: white; font-size: 14pt; padding: 24px;")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.hide()
        parent.installEventFilter(self)

    def set_rows(self, shortcuts: list[tuple[str, str]]) -> None:
        """(keys, description) rows; the label keys change with the label set."""
        rows = "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>" for k, v in shortcuts)
        self.setText(f"<h2>Keyboard shortcuts</h2><table align='center'>{rows}</table>"
                     "<p>Click a face to select it. F1 or Escape closes this.</p>")

    def toggle(self) -> None:
        self.setVisible(not self.isVisible())
        if self.isVisible():
            self.setGeometry(self.parent().rect())
            self.raise_()

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self.setGeometry(self.parent().rect())
        return False
