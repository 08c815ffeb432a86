"""Screenshots of the window, the inspector and presentation mode for the README, made in a private X
server: ``python -m desktop_app.ui.tools.screenshots [--out docs/screenshots]`` (needs Xvfb; openbox, when
installed, gives the presentation shots a real window manager). Presentation mode is also taken on a group
(the demo photograph tiled 3 × 2) on a 1920×1080 and a 1366×768 screen, as a class sees it on a projector.
Every shot uses the default detector, chosen by nothing here: the pictures show what a user's first run shows."""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
WIDTH = 1000  # pixels wide as saved: sharp enough to read in the README, small on disk
GROUP_SHOTS = (("1920x1080", "presentation_group_1080p.png"), ("1366x768", "presentation_group_768p.png"))


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m desktop_app.ui.tools.screenshots", description=__doc__.split("\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots", help="folder for the PNG files")
    p.add_argument("--compare", type=Path, metavar="M2.tflite",
                   help="also save inspector_compare.png: the inspector comparing the face with this model")
    p.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)  # already on the Xvfb display
    p.add_argument("--group-shot", metavar="NAME", help=argparse.SUPPRESS)  # inside: one group presentation shot
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.inside:
        return take_group(args.out, args.group_shot) if args.group_shot else take(args.out, args.compare)
    if args.compare is not None:  # a bad model is one line now, not a traceback from inside Xvfb
        from desktop_app.core.expression.model_comparison import load_comparison
        from desktop_app.core.expression.model_spec import ModelSpecError

        try:
            load_comparison(args.compare).close()
        except ModelSpecError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    compare = ["--compare", str(args.compare.resolve())] if args.compare else []
    runs = [("1280x800", compare)] + [(size, ["--group-shot", name]) for size, name in GROUP_SHOTS]
    try:
        for size, options in runs:
            code = run_inside(size, ["--out", str(args.out), *options])
            if code:
                return code
    except (FileNotFoundError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def run_inside(size: str, options: list[str]) -> int:
    """This script again, on a fresh Xvfb screen of ``size`` with a window manager where one is installed."""
    from desktop_app.ui.tools.xvfb import window_manager, xvfb_display

    with xvfb_display(f"{size}x24") as display, window_manager(display), tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "DISPLAY": display, "XDG_CONFIG_HOME": home}
        env.pop("QT_QPA_PLATFORM", None)
        return subprocess.run([sys.executable, "-m", "desktop_app.ui.tools.screenshots", "--inside", *options],
                              env=env, cwd=REPO).returncode


def wait_for(app, condition, timeout: float) -> None:
    """Process events until ``condition()`` holds; a window that never gets there is an error."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def take(out: Path, compare: Path | None = None) -> int:
    from desktop_app.ui.qt.qt_environment import restore_qt_environment

    restore_qt_environment()
    from PySide6.QtCore import QSettings

    from desktop_app.core.media.demo_media import four_face_frames
    from desktop_app.core.paths import DEFAULT_MODEL
    from desktop_app.ui.qt.gui_app import gui_application
    from desktop_app.ui.window.main_window import MainWindow

    app = gui_application()
    out.mkdir(parents=True, exist_ok=True)

    wait_until = partial(wait_for, app, timeout=20.0)

    def settle(seconds: float) -> None:  # let the graph fill and the layout finish
        wait_until(lambda: time.monotonic() > started[0] + seconds)

    def save(widget, name: str) -> None:
        save_scaled(widget, out / name, window.detector_box.currentData())

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
        window = MainWindow("demo", str(DEFAULT_MODEL), settings=settings)  # the default detector
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


def save_scaled(widget, path: Path, detector: str) -> None:
    """``widget`` as drawn, ``WIDTH`` pixels wide, in a 256-colour palette where ImageMagick is installed;
    prints the path and the window's detector, so a reader (and the test) can see what the shot shows."""
    from PySide6.QtCore import Qt

    image = widget.grab().toImage()
    image.scaledToWidth(min(WIDTH, image.width()), Qt.TransformationMode.SmoothTransformation).save(str(path))
    if shutil.which("convert"):  # a third of the size, no visible loss
        subprocess.run(["convert", str(path), "+dither", "-colors", "256", f"PNG8:{path}"], check=False)
    print(f"{path} (detector {detector})")


def take_group(out: Path, name: str) -> int:
    """Presentation mode on a group photo, full screen on this display."""
    from desktop_app.ui.qt.qt_environment import restore_qt_environment

    restore_qt_environment()
    import cv2
    from PySide6.QtCore import QSettings

    from desktop_app.core.media.demo_media import group_photo
    from desktop_app.core.paths import DEFAULT_MODEL
    from desktop_app.ui.qt.gui_app import gui_application
    from desktop_app.ui.window.main_window import MainWindow

    app = gui_application()
    out.mkdir(parents=True, exist_ok=True)

    wait_until = partial(wait_for, app, timeout=60.0)

    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "group.png"
        cv2.imwrite(str(photo), group_photo())
        settings = QSettings(str(Path(tmp) / "settings.ini"), QSettings.Format.IniFormat)
        settings.setValue("dataset", str(Path(tmp) / "dataset"))
        window = MainWindow(str(photo), str(DEFAULT_MODEL), settings=settings)  # the default detector
        window.show()
        wait_until(lambda: window.session.result is not None and len(window.session.result.faces) >= 6)
        window.toggle_presentation()
        screen = window.screen().geometry()
        wait_until(lambda: window.geometry() == screen and window.room.height() >= window.room.minimumHeight())
        shown = time.monotonic()
        wait_until(lambda: time.monotonic() > shown + 1.0)  # the room chart's next redraw, the layout settled
        save_scaled(window, out / name, window.detector_box.currentData())
        window.close()
    window.deleteLater()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
