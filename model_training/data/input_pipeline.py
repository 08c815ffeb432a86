"""Streaming input for every Keras backend: a ``keras.utils.PyDataset`` over OpenCV decoding.

One pipeline feeds TensorFlow, JAX and PyTorch alike and needs no TensorFlow (a machine with only JAX
or PyTorch trains with it). Each batch is decoded from disk, resized, augmented and then normalised by
the app's own ``prepare_batch``, so training sees the pixels the app gives the model; grey models
decode only the JPEG's luma plane. Threads do the work: OpenCV releases the GIL.
"""
from __future__ import annotations

import os
import threading
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import cv2
import keras
import numpy as np

from desktop_app.core.expression.model_spec import VALENCE_AROUSAL, ModelSpec
from desktop_app.core.expression.preprocessing import prepare_batch
from model_training.data.datasets import Example
from model_training.data.image_reading import decode_image
from model_training.data.labels import NUM_CLASSES
from model_training.data.valence_arousal import values_of

MAX_ROTATION_DEG = 10.0
MAX_SCALE = 0.10
MAX_SHIFT = 0.08
MAX_BRIGHTNESS = 25.0  # pixel units
MAX_CONTRAST = 0.2
WORKERS = min(4, os.cpu_count() or 1)
QUEUE_BATCHES = 8


def decode_resize(path: str, size: int, color: str) -> tuple[np.ndarray | None, str | None]:
    """File → uint8 (size, size) grey or (size, size, 3) BGR, resized with ``INTER_AREA`` like the app;
    None when OpenCV cannot decode it. Grey decodes only the luma plane (a 224 px JPEG: 0.21 ms instead of
    0.38 ms to 64 px here, within 4 grey levels of the app's BGR decode + ``cvtColor``). libjpeg's
    reduced-size decoding (``IMREAD_REDUCED_GRAYSCALE_2``) would save another 0.05 ms but differs from
    the app's pixels by up to 17 grey levels, so it is not used. (None, reason) for a file that vanished,
    is over the app's pixel limit or does not decode (``image_reading``)."""
    flag = cv2.IMREAD_GRAYSCALE if color == "gray" else cv2.IMREAD_COLOR
    image, reason = decode_image(path, flag)
    if image is None:
        return None, reason
    if image.shape[:2] != (size, size):
        image = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
    return image, None


def augment(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mirror, small rotation/scale/shift (edges replicated, as ``crop_face`` does), brightness, contrast."""
    size = image.shape[0]
    if rng.random() < 0.5:
        image = cv2.flip(image, 1)
    angle = rng.uniform(-MAX_ROTATION_DEG, MAX_ROTATION_DEG)
    matrix = cv2.getRotationMatrix2D(((size - 1) / 2.0, (size - 1) / 2.0), angle,
                                     1.0 + rng.uniform(-MAX_SCALE, MAX_SCALE))
    matrix[:, 2] += rng.uniform(-MAX_SHIFT, MAX_SHIFT, 2) * size
    image = cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    mean = float(image.mean())
    contrast = 1.0 + rng.uniform(-MAX_CONTRAST, MAX_CONTRAST)
    brightness = rng.uniform(-MAX_BRIGHTNESS, MAX_BRIGHTNESS)
    lut = np.clip((np.arange(256) - mean) * contrast + mean + brightness, 0, 255).round().astype(np.uint8)
    return cv2.LUT(image, lut)


def oversample(examples: list[Example], seed: int) -> list[Example]:
    """Repeat each class's examples until every class is about as large as the largest."""
    counts = np.bincount([e.label for e in examples], minlength=NUM_CLASSES)
    rng = np.random.default_rng(seed)
    out: list[Example] = []
    for label in np.flatnonzero(counts):
        members = [e for e in examples if e.label == label]
        extra = counts.max() - len(members)
        out += members + [members[i] for i in rng.integers(0, len(members), extra)]
    return out


class ImageBatches(keras.utils.PyDataset):
    """Batches of (x float32 NHWC, one-hot y, sample weight), read from disk batch by batch. With
    ``valence_arousal`` y and the weight are dicts keyed by the model's two outputs: ``valence_arousal``
    holds the (N, 2) values (0 where unknown) and weight 0 for an image without them, so it trains the
    expression head only. That head's weight is the source weight alone (class weights balance classes).

    ``training`` reshuffles every epoch and (unless ``augment_images`` is False) augments; the order and
    the augmentation depend only on (seed, epoch, batch), never on thread timing. Files that cannot be
    decoded, are too large or vanished meanwhile (a sample deleted or relabelled in the gallery during an
    epoch) are left out of their batch and counted by reason in ``self.skipped``; the epoch goes on.
    ``pad_to`` (the number of JAX devices, which must divide every batch) pads batches with empty rows:
    no label, weight 0."""

    def __init__(self, examples: list[Example], size: int, color: str, mean: float, std: float,
                 batch_size: int, training: bool, seed: int = 0, augment_images: bool | None = None,
                 class_weights: np.ndarray | None = None, workers: int = WORKERS, pad_to: int = 1,
                 valence_arousal: bool = False) -> None:
        super().__init__(workers=workers, use_multiprocessing=False, max_queue_size=QUEUE_BATCHES)
        self.paths = [e.path for e in examples]
        self.labels = np.array([e.label for e in examples], np.int64)
        weights = np.array([e.weight for e in examples], np.float32)
        self.valence_arousal = self.va_weights = None
        if valence_arousal:
            values = values_of(examples)
            known = ~np.isnan(values).any(axis=1)
            self.valence_arousal, self.va_weights = np.nan_to_num(values), weights * known
        if class_weights is not None:
            weights = weights * class_weights[self.labels].astype(np.float32)
        self.weights = weights
        self.size, self.color, self.batch_size, self.training = size, color, batch_size, training
        self.augment = training if augment_images is None else augment_images
        self.spec = ModelSpec("training", ("x",), size, size, color, mean=mean, std=std)
        self.seed, self.epoch, self.pad_to = seed, 0, pad_to
        self.skipped: Counter = Counter()
        self._lock = threading.Lock()  # batches are decoded by several threads
        self.order = self._order()

    def _order(self) -> np.ndarray:
        if not self.training:
            return np.arange(len(self.paths))
        return np.random.default_rng([self.seed, self.epoch]).permutation(len(self.paths))

    def __len__(self) -> int:
        return -(-len(self.paths) // self.batch_size)

    def __getitem__(self, index: int):
        chosen = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        rng = np.random.default_rng([self.seed, self.epoch, index])
        images, kept = [], []
        for i in chosen:
            image, reason = decode_resize(self.paths[i], self.size, self.color)
            if image is None:
                with self._lock:
                    self.skipped[reason] += 1
                continue
            images.append(augment(image, rng) if self.augment else image)
            kept.append(i)
        x = prepare_batch(images, self.spec)
        y = np.eye(NUM_CLASSES, dtype=np.float32)[self.labels[kept]]
        w = self.weights[kept]
        pad = -len(kept) % self.pad_to if kept else self.pad_to
        if pad:  # rows with no label and weight 0: they add nothing to the loss or the metrics
            x = np.concatenate([x, np.zeros((pad, *x.shape[1:]), np.float32)])
            y = np.concatenate([y, np.zeros((pad, NUM_CLASSES), np.float32)])
            w = np.concatenate([w, np.zeros(pad, np.float32)])
        if self.valence_arousal is None:
            return x, y, w
        pad = len(y) - len(kept)
        va = np.concatenate([self.valence_arousal[kept], np.zeros((pad, 2), np.float32)])
        va_w = np.concatenate([self.va_weights[kept], np.zeros(pad, np.float32)])
        return x, {"probabilities": y, VALENCE_AROUSAL: va}, {"probabilities": w, VALENCE_AROUSAL: va_w}

    def on_epoch_end(self) -> None:
        self.epoch += 1
        self.order = self._order()


def iter_batches(dataset: ImageBatches, ahead: int = 2 * WORKERS) -> Iterator[tuple[np.ndarray, ...]]:
    """The dataset's batches in order, decoded by ``WORKERS`` threads with at most ``ahead`` in flight
    (outside ``fit``: validation, benchmarks)."""
    n = len(dataset)
    with ThreadPoolExecutor(WORKERS) as pool:
        pending = deque(pool.submit(dataset.__getitem__, i) for i in range(min(ahead, n)))
        following = len(pending)
        while pending:
            batch = pending.popleft().result()
            if following < n:
                pending.append(pool.submit(dataset.__getitem__, following))
                following += 1
            yield batch


def make_dataset(examples: list[Example], size: int, color: str, mean: float, std: float,
                 batch_size: int, training: bool, seed: int = 0, augment_images: bool | None = None,
                 class_weights: np.ndarray | None = None, workers: int = WORKERS,
                 pad_to: int = 1, valence_arousal: bool = False) -> ImageBatches:
    """The training or validation input: see ``ImageBatches``."""
    return ImageBatches(examples, size, color, mean, std, batch_size, training, seed, augment_images,
                        class_weights, workers, pad_to, valence_arousal)
