"""``bench-scale``: training at AffectNet's size, measured on a generated AffectNet-shaped set.

Writes ``train_set/images/N.jpg`` + ``annotations/N_exp.npy`` (and ``_aro``, ``_val``, ``_lnd``) in
AffectNet's class shares: 224×224 JPEGs made from the real demo face (cropped by the app's detector and
``crop_face``) with a random pose, scale, shift, mirror, exposure, tint and noise each. Then prints the
``stats`` time; per architecture, the input pipeline's images/s against the training step's; host RSS
over an epoch; seconds per epoch here and projected for AffectNet's 287,651 training images.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np

from desktop_app.core.samples.sample_records import CROP_MARGIN, CROP_SIZE
from model_training.data.datasets import Source, class_table, list_examples, scan_unreadable
from model_training.train.config import check_archs

AFFECTNET_TRAIN_IMAGES = 287_651
# Training images per class in AffectNet (docs/datasets.md): Neutral … Contempt.
AFFECTNET_COUNTS = (74_874, 134_415, 25_459, 14_090, 6_378, 3_803, 24_882, 3_750)
MARKER = "bench_scale.json"
RSS_EVERY_S = 0.5
PARTIAL_EPOCH_BATCHES = 10  # the 224 px backbones: a full epoch takes hours on a CPU


def base_faces() -> list[np.ndarray]:
    """The demo photo's face, cropped as AffectNet crops and captured samples are, and its mirror."""
    from desktop_app.core.detection.face_crop import crop_face
    from desktop_app.core.detection.face_detection import FaceDetector
    from desktop_app.core.paths import DEMO_FACE

    frame = cv2.imread(str(DEMO_FACE))
    with FaceDetector("full") as detector:
        face = max(detector.detect(frame), key=lambda d: d.box[2] * d.box[3])
    crop = crop_face(frame, face.box, face.keypoints, CROP_SIZE, CROP_MARGIN)
    return [crop, cv2.flip(crop, 1)]


def vary(base: np.ndarray, rng: np.random.Generator, noise: np.ndarray) -> np.ndarray:
    """One face-like crop: ±20° pose, ±15% scale, ±10% shift, exposure, colour cast, sensor noise."""
    m = cv2.getRotationMatrix2D((CROP_SIZE / 2, CROP_SIZE / 2), rng.uniform(-20, 20), rng.uniform(0.85, 1.15))
    m[:, 2] += rng.uniform(-0.1, 0.1, 2) * CROP_SIZE
    image = cv2.warpAffine(base, m, (CROP_SIZE, CROP_SIZE), borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    image = image * rng.uniform(0.6, 1.3, 3) + rng.uniform(-30, 30)
    y, x = rng.integers(0, noise.shape[0] - CROP_SIZE, 2)
    image += noise[y:y + CROP_SIZE, x:x + CROP_SIZE] * rng.uniform(0, 1.5)
    return np.clip(image, 0, 255).astype(np.uint8)


def npy_bytes(value: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, value)
    return buffer.getvalue()


def write_affectnet_shaped(root: Path, images: int, seed: int = 0) -> Path:
    """``root/train_set`` with ``images`` crops in AffectNet's class shares (reused when already there)."""
    split = root / "train_set"
    marker = root / MARKER
    if marker.is_file() and json.loads(marker.read_text()).get("images") == images:
        return split
    (split / "images").mkdir(parents=True, exist_ok=True)
    (split / "annotations").mkdir(parents=True, exist_ok=True)
    shares = np.array(AFFECTNET_COUNTS) / sum(AFFECTNET_COUNTS)
    labels = np.random.default_rng(seed).choice(len(shares), size=images, p=shares)
    bases = base_faces()
    noise = np.random.default_rng(seed).normal(0, 8, (512, 512, 3)).astype(np.float32)
    label_bytes = [npy_bytes(np.array(str(c))) for c in range(len(shares))]

    def write(start: int) -> None:
        rng = np.random.default_rng([seed, start])
        for n in range(start, min(start + 1000, images)):
            image = vary(bases[n % 2], rng, noise)
            ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
            (split / "images" / f"{n}.jpg").write_bytes(jpeg.tobytes())
            ann = split / "annotations"
            (ann / f"{n}_exp.npy").write_bytes(label_bytes[labels[n]])
            (ann / f"{n}_aro.npy").write_bytes(npy_bytes(np.array(str(rng.uniform(-1, 1)))))
            (ann / f"{n}_val.npy").write_bytes(npy_bytes(np.array(str(rng.uniform(-1, 1)))))
            (ann / f"{n}_lnd.npy").write_bytes(npy_bytes(rng.uniform(0, CROP_SIZE, 136).astype(np.float32)))

    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        list(pool.map(write, range(0, images, 1000)))
    marker.write_text(json.dumps({"images": images, "seed": seed}) + "\n")
    return split


def rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class RssSampler:
    """Host RSS every ``RSS_EVERY_S`` seconds on a thread, while a ``with`` block runs."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(RSS_EVERY_S):
            self.samples.append(rss_mib())

    def __enter__(self) -> RssSampler:
        self.samples.append(rss_mib())
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(rss_mib())

    def summary(self) -> str:
        """RSS at 10%, 50% and 100% of the run, and the peak (MiB)."""
        s = self.samples
        at = [s[min(len(s) - 1, int(len(s) * f))] for f in (0.1, 0.5, 1.0)]
        return f"{at[0]:.0f} → {at[1]:.0f} → {at[2]:.0f} MiB (10% → 50% → end of epoch), peak {max(s):.0f}"


def step_rate(model, x: np.ndarray, y: np.ndarray, steps: int) -> float:
    """Images/s of ``train_on_batch`` on one in-memory batch (after two warm-up steps)."""
    for _ in range(2):
        model.train_on_batch(x, y)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(x, y)
    return steps * len(x) / (time.perf_counter() - start)


def pipeline_rate(dataset, batches: int) -> float:
    from model_training.data.input_pipeline import iter_batches

    start, n = time.perf_counter(), 0
    for i, (x, _, _) in enumerate(iter_batches(dataset)):
        n += len(x)
        if i + 1 == batches:
            break
    return n / (time.perf_counter() - start)


def bench_arch(arch: str, root: Path, examples, batch_size: int, batches: int, epoch_steps: int | None) -> dict:
    import keras

    from model_training.data.input_pipeline import make_dataset
    from model_training.train.backend import setup_devices
    from model_training.train.config import TrainConfig
    from model_training.train.models import build_model
    from model_training.train.run_plan import class_weights_for
    from model_training.train.training import compile_model

    config = TrainConfig(train=[str(root)], val=[str(root)], arch=arch, batch_size=batch_size).resolved()
    keras.utils.set_random_seed(0)
    setup_devices(False)
    common = dict(size=config.input_size, color=config.color, mean=config.mean, std=config.std,
                  batch_size=batch_size, valence_arousal=config.valence_arousal)  # the set has them: both heads
    ds = make_dataset(examples, training=True, class_weights=class_weights_for(examples), **common)
    pipe = pipeline_rate(ds, batches)
    model = build_model(config)
    compile_model(model, config)
    x, y, _ = ds[0]
    step = step_rate(model, x, y, max(3, batches // 10))
    if epoch_steps is None:
        epoch_steps = 0 if arch == "mini_xception" else PARTIAL_EPOCH_BATCHES
    steps = len(ds) if epoch_steps <= 0 else min(epoch_steps, len(ds))
    model.fit(ds, epochs=1, steps_per_epoch=1, verbose=0)  # warm-up: builds the fit's train function
    ds.on_epoch_end()
    with RssSampler() as rss:
        start = time.perf_counter()
        model.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0)
        seconds = time.perf_counter() - start
    epoch = seconds * len(ds) / steps
    row = {"arch": arch, "input": f"{config.input_size} {config.color}", "pipeline": pipe, "step": step,
           "fit": steps * batch_size / seconds, "measured_steps": steps, "epoch_s": epoch,
           "affectnet_epoch_s": epoch * AFFECTNET_TRAIN_IMAGES / len(examples), "rss": rss.summary()}
    whole = "the whole epoch" if steps == len(ds) else f"{steps} of {len(ds)} batches"
    print(f"{arch} {row['input']}: input pipeline {pipe:.0f} images/s, training step {step:.0f} images/s, "
          f"fit with the pipeline {row['fit']:.0f} images/s ({whole})\n"
          f"  epoch of {len(examples)}: {epoch:.0f} s; projected for {AFFECTNET_TRAIN_IMAGES:,}: "
          f"{row['affectnet_epoch_s'] / 60:.1f} min\n  host RSS {row['rss']}", flush=True)
    keras.backend.clear_session()
    return row


def bench_scale(folder: str | None, images: int, archs: list[str], batch_size: int, batches: int,
                epoch_steps: int | None) -> list[dict]:
    """Generate (or reuse) the set in ``folder`` (default: a temporary folder), then measure."""
    import keras

    check_archs(archs)  # before minutes of generating images

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(folder) if folder else Path(tmp)
        start = time.perf_counter()
        split = write_affectnet_shaped(root, images)
        print(f"dataset {split}: {images} images ready in {time.perf_counter() - start:.0f} s", flush=True)
        start = time.perf_counter()
        listing = list_examples([Source(split)])
        table = class_table(listing.counts())
        bad = scan_unreadable(listing.examples)
        stats_s = time.perf_counter() - start
        print(f"{table}\nstats (list + header check of {len(listing.examples)} images): {stats_s:.1f} s, "
              f"{len(bad)} unreadable", flush=True)
        print(f"backend {keras.backend.backend()}, batch {batch_size}, {os.cpu_count()} CPUs, "
              f"TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS', 'unset')}", flush=True)
        rows = [bench_arch(arch, split, listing.examples, batch_size, batches, epoch_steps) for arch in archs]
    print(f"\nstats of {images}: {stats_s:.1f} s\n\n| arch | input | pipeline images/s | training step images/s "
          "| fit images/s | measured | epoch here s | AffectNet epoch min | host RSS MiB |\n" + "|---" * 9 + "|")
    for r in rows:
        print(f"| {r['arch']} | {r['input']} | {r['pipeline']:.0f} | {r['step']:.0f} | {r['fit']:.0f} | "
              f"{r['measured_steps']} batches | {r['epoch_s']:.0f} | {r['affectnet_epoch_s'] / 60:.1f} | {r['rss']} |")
    return rows
