"""``python -m desktop_app [--source 0|PATH|demo] [--model M.tflite] [--detector auto|short|full|group]`` opens the
live window; ``python -m desktop_app analyze|bench|capture ...`` run headless."""
from __future__ import annotations

import importlib
import os
import sys

from desktop_app.closed_pipe import quiet_when_reader_leaves

COMMANDS = {  # command → module with its own main(argv)
    "analyze": ".analyze",
    "bench": ".bench",
    "bench-memory": ".bench_memory",
    "bench-soak": ".ui.tools.bench_soak",
    "bench-window": ".ui.tools.bench_window",
    "capture": ".capture",
}


def silence_native_logs() -> None:
    """MediaPipe and LiteRT write INFO/WARNING lines straight to file descriptor 2 from C++, which
    buries our one-line errors. Point fd 2 at /dev/null and give Python's own stderr (our messages,
    any traceback) a private copy of the real one. ``--native-logs`` keeps them for debugging."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    sys.stderr = os.fdopen(saved, "w", buffering=1)


@quiet_when_reader_leaves
def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--native-logs" in argv:
        argv.remove("--native-logs")
    elif __name__ == "__main__":
        silence_native_logs()
    if argv and argv[0] in COMMANDS:
        command = importlib.import_module(COMMANDS[argv[0]], __package__)
        try:
            return command.main(argv[1:])
        except BrokenPipeError:  # the reader left: closed_pipe.py ends the program quietly
            raise
        except Exception as exc:  # noqa: BLE001 - a bug, not bad input: one line here, the traceback in the log
            from desktop_app.core.error_log import describe

            print(f"error: {describe(exc, f'{argv[0]} failed unexpectedly')}", file=sys.stderr)
            return 1
    if argv and argv[0] in ("-h", "--help"):
        from desktop_app.command_name import command_name

        print(__doc__.strip().replace("python -m desktop_app", command_name("desktop_app")))
        print("commands: " + ", ".join(COMMANDS) + " (each has --help); window options: --source, --model, --detector")
        return 0
    if argv and not argv[0].startswith("-"):
        print(f"error: unknown command {argv[0]!r}; choose one of {', '.join(COMMANDS)}", file=sys.stderr)
        return 2
    from desktop_app.ui.window.app import main as run
    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
