"""exclusions.txt as docs/audit.md describes it: "one image per line, its path relative to that folder,
then a tab and why; `#` starts a comment; delete a line to bring the image back", and
"`add_exclusions(root, paths, reason)` appends and fsyncs the lines". The file a person edits by hand
is read back as written, and what the tool appends lands after it, flushed to the disk before the call
returns (the real system calls run; the test only records them)."""
from __future__ import annotations

import os

from model_training.data.datasets import Source, list_examples
from model_training.data.exclusions import EXCLUSIONS_FILE, add_exclusions, read_exclusions
from model_training.data.synthetic import write_affectnet_like


def test_hand_written_lines_are_read_and_kept_and_new_ones_appended_then_fsynced(tmp_path, monkeypatch):
    data = write_affectnet_like(tmp_path / "train_set", per_class=2, size=32, seed=0)
    images = sorted(p.relative_to(data).as_posix() for p in (data / "images").glob("*.jpg"))
    by_hand = f"# checked by Ana\n{images[0]}\tnot a face\n  # {images[1]}\tbrought back\n\n{images[2]}\n"
    (data / EXCLUSIONS_FILE).write_text(by_hand, encoding="utf-8")
    assert read_exclusions(data) == {images[0]: "not a face", images[2]: ""}
    assert len(list_examples([Source.parse(str(data))]).examples) == len(images) - 2

    synced: list[bytes] = []
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(open(f"/proc/self/fd/{fd}", "rb").read())  # what the file holds when it is flushed
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    assert add_exclusions(data, [data / images[0], data / images[3], str(data / images[4])],
                          "smiles\nbut filed\tas sad") == 2  # images[0] was excluded already
    monkeypatch.undo()
    text = (data / EXCLUSIONS_FILE).read_text(encoding="utf-8")
    assert text == by_hand + f"{images[3]}\tsmiles but filed as sad\n{images[4]}\tsmiles but filed as sad\n"
    assert synced == [text.encode()]  # one fsync, after every line is written
    assert read_exclusions(data) == {images[0]: "not a face", images[2]: "",
                                     images[3]: "smiles but filed as sad", images[4]: "smiles but filed as sad"}
    assert len(list_examples([Source.parse(str(data))]).examples) == len(images) - 4
