"""A refusal of the training kit is its one ``error:`` line and exit 2, and nothing else on stdout or
stderr: no TensorFlow or LiteRT INFO line, no progress line, no line of a plan that never ran. Each runs
as a user runs it, a fresh ``python -m model_training`` without the tests' TF_CPP_MIN_LOG_LEVEL, over
real faults: a cut checkpoint, a damaged base, a full tmpfs, a read-only bind mount."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop_app.core.paths import DEFAULT_MODEL, MODELS_DIR
from support.faults import fill, read_only, small_disk
from support.training_runs import kit

pytestmark = pytest.mark.slow  # a one-epoch run to refuse things about, and a fresh interpreter per case

BUNDLED = "fer2013_mini_xception"
# (what is refused, the command line, what its one line says). Words in braces are places the fixtures
# make: {train}/{val} datasets, {run} a finished one-epoch run, {cut} a run whose last.keras a kill cut in
# half (and its best.keras), {cutbest} a run whose best.keras alone something cut, {damaged} a .keras with
# a byte of its weights flipped, {broken} a dataset nothing in which decodes, {full} a full tmpfs, {ro} a
# read-only folder holding a run, {tmp} the test's own folder.
REFUSALS = [
    ("a bad number", ["train", "--train", "{train}", "--val", "{val}", "--out", "{tmp}/run", "--epochs", "0"],
     "--epochs: must be from 1 to"),
    ("--out inside a dataset", ["train", "--train", "{train}", "--val", "{val}", "--out", "{train}/run"],
     "lies inside the dataset"),
    ("--resume of a cut last.keras", ["train", "--out", "{cut}", "--resume", "--epochs", "2"],
     "last.keras does not load in Keras"),
    ("--resume of a run with a cut best.keras", ["train", "--out", "{cutbest}", "--resume", "--epochs", "2"],
     "best.keras does not load in Keras"),
    ("--resume of a read-only run", ["train", "--out", "{ro}/run", "--resume", "--epochs", "2"],
     "config.json: Read-only file system"),
    ("a new run on a full disk", ["train", "--train", "{train}", "--val", "{val}", "--out", "{full}/run"],
     "config.json: No space left on device"),
    ("--init-from a damaged .keras", ["train", "--train", "{train}", "--val", "{val}", "--out", "{tmp}/ft",
                                      "--init-from", "{damaged}"], "does not load in Keras"),
    ("--init-from a run with a cut best.keras", ["train", "--train", "{train}", "--val", "{val}",
                                                 "--out", "{tmp}/ft", "--init-from", "{cut}"],
     "best.keras does not load in Keras"),
    ("export over a run file", ["export", "{run}", "--out", "{run}/config.tflite"], "would replace config.json"),
    ("export to a full disk", ["export", "{run}", "--out", "{full}/m.tflite"], "m.tflite: No space left on device"),
    ("evaluate to a full disk", ["evaluate", str(DEFAULT_MODEL), "--data", "{val}", "--out", "{full}/eval"],
     "No space left on device"),
    ("audit to a read-only folder", ["audit", "{val}", "--out", "{ro}/audit", "--no-geometry"],
     "audit: Read-only file system"),
    ("audit to a full disk", ["audit", "{val}", "--out", "{full}/audit", "--no-geometry"],
     "audit: No space left on device"),
    ("audit of nothing readable", ["audit", "{broken}", "--out", "{tmp}/audit", "--no-geometry"],
     "no readable images"),
    ("convert over its own spec", ["convert", str(DEFAULT_MODEL.with_suffix(".keras")), "--spec-from",
                                   "{tmp}/m.json", "--out", "{tmp}/m.tflite"], "would replace its own --spec-from"),
    ("bench-scale of an unknown arch", ["bench-scale", "--archs", "resnet", "--images", "100"],
     "arch must be one of"),
    ("stats of no dataset", ["stats", "{tmp}/nowhere"], "dataset not found"),
    ("geometry beside a model that is not one", ["geometry", "--train", "{train}", "--val", "{val}", "--model",
                                                 str(MODELS_DIR / "face_landmark.tflite"), "--out", "{tmp}/geo"],
     "model spec not found"),
]



@pytest.fixture(scope="module")
def full(tmp_path_factory):
    with small_disk(tmp_path_factory.mktemp("full") / "disk", "64k") as disk:
        fill(disk, 0)
        yield disk


@pytest.fixture(scope="module")
def ro(tmp_path_factory, run_dir):
    folder = tmp_path_factory.mktemp("read_only")
    shutil.copytree(run_dir, folder / "run")
    with read_only(folder):
        yield folder


def cut_in_half(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:path.stat().st_size // 2])


def places(request, tmp_path: Path, argv: list[str]) -> dict[str, str]:
    """The places ``argv`` names, made for this case only (the mounts once per module)."""
    data = request.getfixturevalue("data")
    found = {"train": data / "train_set", "val": data / "val_set", "tmp": tmp_path}
    words = " ".join(argv)
    if "{run}" in words or "{cut" in words:
        found["run"] = request.getfixturevalue("run_dir")
    if "{cutbest}" in words:
        found["cutbest"] = shutil.copytree(found["run"], tmp_path / "cutbest")
        cut_in_half(found["cutbest"] / "best.keras")
    if "{cut}" in words:
        found["cut"] = shutil.copytree(found["run"], tmp_path / "cut")
        cut_in_half(found["cut"] / "last.keras")
        cut_in_half(found["cut"] / "best.keras")
    if "{damaged}" in words:
        damaged = bytearray((MODELS_DIR / f"{BUNDLED}.keras").read_bytes())
        damaged[len(damaged) // 2] ^= 0xFF  # inside the weights: a member's CRC no longer matches
        (tmp_path / "damaged.keras").write_bytes(bytes(damaged))
        shutil.copy(MODELS_DIR / f"{BUNDLED}.json", tmp_path / "damaged.json")
        found["damaged"] = tmp_path / "damaged.keras"
    if "{broken}" in words:
        for label in ("happy", "sad"):
            (tmp_path / "broken" / label).mkdir(parents=True)
            for n in range(3):
                (tmp_path / "broken" / label / f"{n}.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(40))
        found["broken"] = tmp_path / "broken"
    if "{tmp}/m.json" in words:
        shutil.copy(DEFAULT_MODEL.with_suffix(".json"), tmp_path / "m.json")
    for mount in ("full", "ro"):
        if "{" + mount + "}" in words:
            found[mount] = request.getfixturevalue(mount)
    return {k: str(v) for k, v in found.items()}


@pytest.mark.parametrize("argv, says", [pytest.param(argv, says, id=what) for what, argv, says in REFUSALS])
def test_a_refusal_prints_its_one_error_line_and_nothing_else(request, tmp_path, argv, says):
    where = places(request, tmp_path, argv)
    done = kit(*(arg.format(**where) for arg in argv))
    printed = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    assert done.returncode == 2 and len(printed) == 1 and printed[0].startswith("error: "), \
        f"rc {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert says in printed[0], printed[0]
