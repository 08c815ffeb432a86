"""Streaming tf.data input: (path, label, weight) → decode → resize → colour → augment → normalise.

Images are decoded on the fly; nothing is held in memory beyond the shuffle buffer. The normalisation
is the spec's ``(pixel - mean) / std`` on 0-255 pixels, the same as ``desktop_app``'s ``prepare_batch``
(grey uses the same BT.601 weights as OpenCV). Files that fail ``looks_complete`` are dropped before
streaming and counted; anything that still fails to decode is skipped by ``ignore_errors``.
"""
from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from .datasets import Example
from .labels import NUM_CLASSES

AUTOTUNE = tf.data.AUTOTUNE
MAX_ROTATION_DEG = 10.0
MAX_SCALE = 0.10
MAX_SHIFT = 0.08
MAX_BRIGHTNESS = 25.0  # pixel units
MAX_CONTRAST = 0.2
SHUFFLE_BUFFER = 10_000


def decode_resize(path: tf.Tensor, size: int, color: str) -> tf.Tensor:
    """File → float32 (size, size, C) in 0-255, resized like ``cv2.INTER_AREA``."""
    image = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
    image = tf.image.resize(image, (size, size), method="area")
    image = tf.round(image)
    if color == "gray":
        image = tf.round(tf.image.rgb_to_grayscale(image))
    return image


def augment(image: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    """Mirror, small rotation/scale/shift (edges replicated, as ``crop_face`` does), brightness, contrast."""
    seeds = tf.random.experimental.stateless_split(seed, 7)
    size = tf.cast(tf.shape(image)[0], tf.float32)
    image = tf.image.stateless_random_flip_left_right(image, seeds[0])
    angle = tf.random.stateless_uniform([], seeds[1], -1.0, 1.0) * MAX_ROTATION_DEG * math.pi / 180.0
    scale = 1.0 + tf.random.stateless_uniform([], seeds[2], -MAX_SCALE, MAX_SCALE)
    shift = tf.random.stateless_uniform([2], seeds[3], -MAX_SHIFT, MAX_SHIFT) * size
    # Output pixel (x, y) samples input at A·(p - c)/scale + c + shift (A: rotation), c the centre.
    c = (size - 1.0) / 2.0
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    transform = tf.stack([cos, -sin, c - cos * c + sin * c + shift[0],
                          sin, cos, c - sin * c - cos * c + shift[1], 0.0, 0.0])
    image = tf.raw_ops.ImageProjectiveTransformV3(
        images=image[None], transforms=transform[None], output_shape=tf.shape(image)[:2],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="NEAREST")[0]
    mean = tf.reduce_mean(image)
    contrast = 1.0 + tf.random.stateless_uniform([], seeds[4], -MAX_CONTRAST, MAX_CONTRAST)
    brightness = tf.random.stateless_uniform([], seeds[5], -MAX_BRIGHTNESS, MAX_BRIGHTNESS)
    return tf.clip_by_value((image - mean) * contrast + mean + brightness, 0.0, 255.0)


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


def make_dataset(examples: list[Example], size: int, color: str, mean: float, std: float,
                 batch_size: int, training: bool, seed: int = 0, augment_images: bool | None = None,
                 class_weights: np.ndarray | None = None) -> tf.data.Dataset:
    """Batches of (x, one-hot y, sample weight).
    ``training`` shuffles each epoch and, unless ``augment_images`` is False, augments."""
    augment_images = training if augment_images is None else augment_images
    paths = [e.path for e in examples]
    labels = np.array([e.label for e in examples], np.int32)
    weights = np.array([e.weight for e in examples], np.float32)
    if class_weights is not None:
        weights = weights * class_weights[labels].astype(np.float32)
    ds = tf.data.Dataset.from_tensor_slices((paths, labels, weights))
    if training:
        ds = ds.shuffle(min(len(paths), SHUFFLE_BUFFER), seed=seed, reshuffle_each_iteration=True)
    counter = tf.data.Dataset.random(seed=seed).batch(2)

    def load(item, rng_seed):
        path, label, weight = item
        image = decode_resize(path, size, color)
        if augment_images:
            image = augment(image, rng_seed)
        image = (image - mean) / std
        return image, tf.one_hot(label, NUM_CLASSES), weight

    ds = tf.data.Dataset.zip((ds, counter)).map(load, num_parallel_calls=AUTOTUNE)
    ds = ds.ignore_errors()
    return ds.batch(batch_size).prefetch(AUTOTUNE)
