"""The app's command lines: every bad flag value is one ``error:`` line and exit 2 while parsing (before a
model loads or a file is touched), every ``--help`` reads well, and the typed options the parsers build
are the ones the library functions take."""
from __future__ import annotations

import re

import pytest

from desktop_app import analyze, bench, bench_memory, capture
from desktop_app.core.headless.analysis import AnalyzeOptions
from desktop_app.core.headless.file_capture import CaptureOptions
from desktop_app.ui.window import app

COMMANDS = {"analyze": analyze.main, "capture": capture.main, "bench": bench.main,
            "bench-memory": bench_memory.main, "window": app.main}


def exit_code(main, argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exc:
        return int(exc.code)


def one_line(capsys, text: str) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], captured.err
    assert captured.out == ""
    return lines[0]


@pytest.mark.parametrize("command, argv, says", [
    ("analyze", ["demo", "--smoothing", "1"], "argument --smoothing: must be between 0 and below 1, not 1"),
    ("analyze", ["demo", "--smoothing", "-0.1"], "argument --smoothing: must be between 0 and below 1"),
    ("analyze", ["demo", "--smoothing", "nan"], "argument --smoothing: must be between 0 and below 1, not nan"),
    ("analyze", ["demo", "--smoothing", "half"], "argument --smoothing: expected a number, not 'half'"),
    ("analyze", ["demo", "--min-score", "inf"], "argument --min-score: must be between 0 and 1, not inf"),
    ("analyze", ["demo", "--min-score", ""], "argument --min-score: expected a number"),
    ("analyze", ["demo", "--detector", "long"], "argument --detector: invalid choice: 'long'"),
    ("analyze", [], "the following arguments are required: INPUT"),
    ("analyze", ["demo", "--csv"], "argument --csv: expected one argument"),
    ("capture", ["demo", "--label", "Happy", "--out", "OUT", "--every", "nan"],
     "argument --every: expected a whole number, not 'nan'"),
    ("capture", ["demo", "--label", "Happy", "--out", "OUT", "--every", "0"], "argument --every: must be at least 1"),
    ("capture", ["demo", "--label", "Happy", "--out", "OUT", "--every", "2.5"], "argument --every: expected a whole"),
    ("capture", ["demo", "--label", "Happy", "--out", "OUT", "--max", "0"], "argument --max: must be at least 1"),
    ("capture", ["demo", "--label", "Happy", "--out", "OUT", "--max", "-3"], "argument --max: must be at least 1"),
    ("capture", ["demo", "--label", "Happy", "--out", "OUT", "--demo-frames", "0"],
     "argument --demo-frames: must be at least 1, not 0"),
    ("capture", ["demo", "--label", "Happy", "--out", "OUT", "--min-score", "nan"],
     "argument --min-score: must be between 0 and 1, not nan"),
    ("capture", ["demo", "--label", "Happy", "--out", "OUT", "--min-score", "1.01"],
     "argument --min-score: must be between 0 and 1"),
    ("capture", ["demo", "--label", "../up", "--out", "OUT"], "argument --label: label '../up' is not a safe folder"),
    ("capture", ["demo", "--label", "", "--out", "OUT"], "argument --label: label must be a non-empty string"),
    ("capture", ["demo", "--out", "OUT"], "the following arguments are required: --label"),
    ("bench", ["--frames", "0"], "argument --frames: must be at least 1, not 0"),
    ("bench", ["--frames", "ten"], "argument --frames: expected a whole number"),
    ("bench-memory", ["--inputs", "1"], "argument --inputs: must be at least 2, not 1"),
    ("bench-memory", ["--frames", "0"], "argument --frames: must be at least 1"),
    ("bench-memory", ["--size", "1280"], "argument --size: expected WxH such as 1280x720, not '1280'"),
    ("bench-memory", ["--size", "32x720"], "argument --size: both sides must be at least 64, not 32x720"),
    ("window", ["--detector", "fast"], "argument --detector: invalid choice: 'fast'"),
    ("window", ["--quit-after", "nan"], "argument --quit-after: must be a finite number above 0, not nan"),
])
def test_a_bad_value_is_one_line_and_exit_2_before_anything_runs(tmp_path, capsys, command, argv, says):
    out = tmp_path / "ds"
    argv = [str(out) if a == "OUT" else a for a in argv]
    assert exit_code(COMMANDS[command], argv) == 2
    one_line(capsys, says)
    assert not out.exists()  # capture's dataset is not created for a bad flag


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_reads_well(capsys, command):
    """Exit 0; each flag has a help line; no "(default: None)" or "(default: False)"; the bundled
    model is named, not printed as an absolute path broken across lines."""
    assert exit_code(COMMANDS[command], ["--help"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: python -m desktop_app")
    assert "(default: None)" not in text and "(default: False)" not in text
    assert "/resources/" not in text.replace("\n", "").replace(" ", "")
    flags = set(re.findall(r"^  (--[a-z-]+)", text, flags=re.M))
    described = set(re.findall(r"^  (--[a-z-]+)(?: [A-Z0-9_.{},|a-z]+)? {2,}\S", text, flags=re.M))
    wrapped = set(re.findall(r"^  (--[a-z-]+)(?: \S+)?\n {10,}\S", text, flags=re.M))
    assert flags and flags == described | wrapped, text


def test_parsed_options_are_the_library_defaults():
    """A command line with only the required arguments gives the dataclass's own defaults: the flags and
    the library agree on every default (one source: the flags read them from the same constants)."""
    assert analyze.parse_options(["demo"]) == AnalyzeOptions(inputs=("demo",))
    out = capture.parse_options(["demo", "--label", "Happy", "--out", "ds"]).out
    assert capture.parse_options(["demo", "--label", "Happy", "--out", "ds"]) == CaptureOptions(
        source="demo", label="Happy", out=out)
    options = analyze.parse_options(["a.avi", "b", "--smoothing", "0", "--min-score", "1", "--detector", "group"])
    assert options == AnalyzeOptions(inputs=("a.avi", "b"), smoothing=0.0, min_score=1.0, detector="group")
    with pytest.raises(AttributeError):  # frozen: what was parsed is what runs
        options.smoothing = 0.9


@pytest.mark.parametrize("unbuffered", ["1", ""])
@pytest.mark.parametrize("argv", [["desktop_app", "--help"], ["desktop_app", "analyze", "--help"],
                                  ["model_training", "--help"], ["desktop_app", "analyze", "DEMO_FACE"]])
def test_a_reader_that_stops_reading_gets_no_traceback(argv, unbuffered):
    """``facial-expressions --help | head -1``: the reader is gone before the output is written. Unbuffered
    (PYTHONUNBUFFERED=1), the first print raised BrokenPipeError and printed a traceback; buffered, the
    last flush did ("Exception ignored"); a real run said "error: [Errno 32] Broken pipe" and exit 2."""
    import os
    import subprocess
    import sys

    from desktop_app.core.paths import DEMO_FACE

    read, write = os.pipe()
    os.close(read)  # the reader has left
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = unbuffered
    try:
        done = subprocess.run([sys.executable, "-m", *(str(DEMO_FACE) if a == "DEMO_FACE" else a for a in argv)],
                              stdout=write, stderr=subprocess.PIPE, text=True, env=env, timeout=120)
    finally:
        os.close(write)
    # 1: the output is incomplete; argparse itself ignores a failed write of unbuffered help and exits 0
    assert done.stderr == "" and done.returncode in ((0, 1) if "--help" in argv else (1,)), (done.returncode,
                                                                                            done.stderr)
