"""The error log: where it lives per platform, that it keeps the traceback, and that it rotates."""
from __future__ import annotations

import sys
from pathlib import Path

from desktop_app.core import error_log


def test_state_dir_per_platform(monkeypatch, tmp_path):
    monkeypatch.delenv("FER_STATE_DIR", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(sys, "platform", "linux")
    assert error_log.state_dir() == tmp_path / "xdg" / "tflite-facial-expression"
    monkeypatch.delenv("XDG_STATE_HOME")
    assert error_log.state_dir() == Path.home() / ".local" / "state" / "tflite-facial-expression"
    monkeypatch.setattr(sys, "platform", "darwin")
    assert error_log.state_dir() == Path.home() / "Library" / "Logs" / "tflite-facial-expression"
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "local"))
    assert error_log.state_dir() == tmp_path / "local" / "tflite-facial-expression"
    monkeypatch.setenv("FER_STATE_DIR", str(tmp_path / "override"))
    assert error_log.state_dir() == tmp_path / "override"


def test_describe_logs_the_traceback_and_rotates(monkeypatch, tmp_path):
    monkeypatch.setenv("FER_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr(error_log, "MAX_LOG_BYTES", 200)
    try:
        {}["missing"]
    except KeyError as exc:
        line = error_log.describe(exc, "loading something")
    log = tmp_path / "state" / "errors.log"
    assert line == f"loading something: KeyError: 'missing' (details in {log})"
    assert "Traceback" in log.read_text() and "test_error_log.py" in log.read_text()
    error_log.log_exception(ValueError("second"), "again")  # the log is over 200 bytes: rotated first
    assert "KeyError" in (tmp_path / "state" / "errors.log.1").read_text()
    assert "KeyError" not in log.read_text() and "second" in log.read_text()


def test_an_unwritable_log_does_not_raise(monkeypatch, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("FER_STATE_DIR", str(blocker / "state"))
    assert error_log.describe(RuntimeError("x"), "ctx").endswith("(the error log could not be written)")


def test_an_unexpected_error_in_a_command_is_one_line_and_a_logged_traceback(tmp_path, capsys, monkeypatch):
    from desktop_app import __main__ as entry
    from desktop_app import analyze

    monkeypatch.setenv("FER_STATE_DIR", str(tmp_path / "state"))

    def broken(argv):
        raise AttributeError("injected bug")

    monkeypatch.setattr(analyze, "main", broken)
    assert entry.main(["analyze", "demo"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: analyze failed unexpectedly: AttributeError: injected bug")
    assert "injected bug" in (tmp_path / "state" / "errors.log").read_text()
