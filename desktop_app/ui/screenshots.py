"""Screenshots of the window, the inspector and presentation mode for the README, made in a private X
server: ``python -m desktop_app.ui.screenshots [--out docs/screenshots]`` (needs Xvfb)."""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
WIDTH = 1000  # pixels wide as saved: sharp enough to read in the README, small on disk


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m desktop_app.ui.screenshots", description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots", help="folder for the PNG files")
    p.add_argument("--compare", type=Path, metavar="M2.tflite",
                   help="also save inspector_compare.png: the inspector comparing the face with this model")
    p.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)  # already on the Xvfb display
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.inside:
        return take(args.out, args.compare)
    if args.compare is not None:  # a bad model is one line now, not a traceback from inside Xvfb
        from desktop_app.core.expression.model_comparison import load_comparison
        from desktop_app.core.expression.model_spec import ModelSpecError

        try:
            load_comparison(args.compare).close()
        except ModelSpecError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    from desktop_app.ui.xvfb import xvfb_display

    try:
        with xvfb_display("1280x800x24") as display, tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "DISPLAY": display, "XDG_CONFIG_HOME": home}
            env.pop("QT_QPA_PLATFORM", None)
            compare = ["--compare", str(args.compare.resolve())] if args.compare else []
            return subprocess.run([sys.executable, "-m", "desktop_app.ui.screenshots", "--inside",
                                   "--out", str(args.out), *compare], env=env, cwd=REPO).returncode
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def take(out: Path, compare: Path | None = None) -> int:
    from desktop_app.ui.qt_environment import restore_qt_environment

    restore_qt_environment()
    from PySide6.QtCore import QSettings, Qt

    from desktop_app.core.media.demo_media import four_face_frames
    from desktop_app.core.paths import DEFAULT_MODEL
    from desktop_app.ui.gui_app import gui_application
    from desktop_app.ui.main_window import MainWindow

    app = gui_application()
    out.mkdir(parents=True, exist_ok=True)

    def wait_until(condition, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                raise RuntimeError("the window did not get there in time")
            app.processEvents()
            time.sleep(0.01)

    def settle(seconds: float) -> None:  # let the graph fill and the layout finish
        wait_until(lambda: time.monotonic() > started[0] + seconds)

    def save(widget, name: str) -> None:
        image = widget.grab().toImage()
        path = out / name
        image.scaledToWidth(min(WIDTH, image.width()), Qt.TransformationMode.SmoothTransformation).save(str(path))
        if shutil.which("convert"):  # ImageMagick's 256-colour palette: a third of the size, no visible loss
            subprocess.run(["convert", str(path), "+dither", "-colors", "256", f"PNG8:{path}"], check=False)
        print(path)

    with tempfile.TemporaryDirectory() as tmp:
        import cv2

        clip = Path(tmp) / "four_faces.avi"
        frames = four_face_frames(90)
        writer = cv2.VideoWriter(str(clip), cv2.VideoWriter_fourcc(*"MJPG"), 30, (1280, 720))
        for frame in frames:
            writer.write(frame)
        writer.release()
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("dataset", str(Path(tmp) / "dataset"))
        window = MainWindow("demo", str(DEFAULT_MODEL), "short", settings=settings)
        window.resize(1280, 760)
        window.show()
        def face_with_history(seconds: float) -> bool:
            times, _ = window.graph.history()
            face = window.session.selected_face()
            return (face is not None and face.score >= 0.75 and len(times) > 1
                    and times[-1] - times[0] >= seconds)  # a clear detection, a graph with history

        wait_until(lambda: face_with_history(4.0), timeout=60)
        window.pause_button.setChecked(True)  # freeze on a frame with a face and a filled graph
        started = [time.monotonic()]
        settle(0.5)
        save(window, "window.png")

        window.inspect_selected()
        wait_until(lambda: window.inspector is not None and window.inspector.isVisible())
        started = [time.monotonic()]
        settle(0.5)
        save(window.inspector, "inspector.png")
        if compare is not None:
            window.inspector.set_compare_model(str(compare))
            started = [time.monotonic()]
            settle(0.5)
            save(window.inspector, "inspector_compare.png")
            window.inspector.set_compare_model(None)
        window.inspector.close()

        window.pause_button.setChecked(False)
        window.detector_box.setCurrentIndex(window.detector_box.findData("full"))
        window.set_source(str(clip))
        wait_until(lambda: window.session.result is not None and len(window.session.result.faces) >= 4)
        window.toggle_presentation()
        wait_until(lambda: face_with_history(5.0) and len(window.session.result.faces) >= 4, timeout=40)
        window.pause_button.setChecked(True)
        started = [time.monotonic()]
        settle(0.5)
        save(window, "presentation.png")
        window.close()
    window.deleteLater()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
