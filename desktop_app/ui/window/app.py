"""``python -m desktop_app [--source 0|PATH|demo] [--model M.tflite] [--detector auto|short|full|group]``."""
from __future__ import annotations

import argparse
import sys

from desktop_app.cli_args import Parser, add_detector, positive_number
from desktop_app.command_name import command_name
from desktop_app.core.detection.face_detection import DEFAULT_DETECTOR


def build_parser() -> Parser:
    p = Parser(prog=command_name("desktop_app"), description="The live facial expression window.")
    p.add_argument("--source", help="camera index (0), a video or image file, a folder, or 'demo' "
                                    "(default: the last one used, else the demo)")
    p.add_argument("--model", help="expression .tflite with its .json (default: the last one used)")
    add_detector(p, default=None, when_not_given=f"the last one used, else {DEFAULT_DETECTOR}")
    p.add_argument("--quit-after", type=positive_number(), metavar="SECONDS", help=argparse.SUPPRESS)  # smoke tests
    p.add_argument("--screenshot", metavar="PNG", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from desktop_app.ui.qt.qt_environment import has_screen, restore_qt_environment

    if not has_screen():
        print("no display to open the window on; showing the headless analysis of the demo "
              "instead (python -m desktop_app analyze --help)", file=sys.stderr)
        from desktop_app.analyze import main as analyze

        return analyze(["demo"])  # what was asked for could be shown: exit 0, as `make run` expects
    restore_qt_environment()
    from PySide6.QtCore import QTimer

    from desktop_app.ui.qt.gui_app import gui_application
    from desktop_app.ui.window.main_window import MainWindow

    app = gui_application()
    app.setOrganizationName("tflite-facial-expression")
    app.setApplicationName("desktop_app")
    window = MainWindow(args.source, args.model, args.detector)
    window.show()
    if args.quit_after:
        def finish() -> None:
            if args.screenshot:
                window.grab().save(args.screenshot)
            window.close()
        QTimer.singleShot(int(args.quit_after * 1000), finish)
    code = app.exec()
    window.deleteLater()  # destroy widgets while the QApplication still exists
    app.processEvents()
    return code
