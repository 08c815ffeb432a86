"""The architectures: mini-Xception (small, grey, fast on CPU) and two Keras ImageNet backbones.

Every model ends in a float32 softmax over AffectNet's eight classes (spec output ``probabilities``);
with ``config.valence_arousal`` a second head beside it, ``valence_arousal``: two tanh units in [-1, 1]
on the same pooled features, and the model's outputs are then a dict keyed by those two names.
Backbones are built with ``weights=None``; ``--weights PATH`` loads a local Keras weights file into the
backbone (nothing is downloaded).
"""
from __future__ import annotations

import keras
from keras import layers

from desktop_app.core.expression.model_spec import VALENCE_AROUSAL
from model_training.data.labels import NUM_CLASSES
from model_training.train.config import TrainConfig

BN_MOMENTUM = 0.9  # Keras' 0.99 lags for epochs on small (captured) datasets


def _xception_block(x, filters: int):
    residual = layers.Conv2D(filters, 1, strides=2, padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization(momentum=BN_MOMENTUM)(residual)
    for i in range(2):
        x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
        if i == 0:
            x = layers.ReLU()(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    return layers.Add()([x, residual])


def mini_xception_body(inputs, filters: tuple[int, ...] = (16, 32, 64, 128)):
    """Arriaga et al. 2017, the FER2013 model the app bundles, up to its head: two plain convs and four
    residual depthwise-separable blocks."""
    x = inputs
    for _ in range(2):
        x = layers.Conv2D(8, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
        x = layers.ReLU()(x)
    for f in filters:
        x = _xception_block(x, f)
    return x


def mini_xception(inputs, filters: tuple[int, ...] = (16, 32, 64, 128)):
    """The body, a 3×3 conv to the classes and global average pooling (logits)."""
    x = layers.Conv2D(NUM_CLASSES, 3, padding="same")(mini_xception_body(inputs, filters))
    return layers.GlobalAveragePooling2D()(x)


def valence_arousal_head(features):
    """Two tanh units (valence, arousal in [-1, 1]) on pooled features, in float32 like the softmax."""
    return layers.Dense(2, activation="tanh", dtype="float32", name=VALENCE_AROUSAL)(features)


def build_model(config: TrainConfig) -> keras.Model:
    shape = (config.input_size, config.input_size, 1 if config.color == "gray" else 3)
    inputs = keras.Input(shape, name="image")
    weights = None if config.weights == "none" else config.weights
    if config.arch == "mini_xception":
        body = mini_xception_body(inputs)
        features = layers.GlobalAveragePooling2D()(body)
        x = layers.GlobalAveragePooling2D()(layers.Conv2D(NUM_CLASSES, 3, padding="same")(body))
    else:
        if config.arch == "mobilenet_v3_small":
            backbone = keras.applications.MobileNetV3Small(
                input_shape=shape, include_top=False, weights=weights, include_preprocessing=True,
                minimalistic=False)
        else:
            backbone = keras.applications.EfficientNetB0(input_shape=shape, include_top=False, weights=weights)
        x = backbone(inputs)
        features = layers.Dropout(0.2)(layers.GlobalAveragePooling2D()(x))
        x = layers.Dense(NUM_CLASSES)(features)
    outputs = layers.Activation("softmax", dtype="float32", name="probabilities")(x)
    if config.valence_arousal:
        return keras.Model(inputs, {"probabilities": outputs, VALENCE_AROUSAL: valence_arousal_head(features)},
                           name=config.arch)
    return keras.Model(inputs, outputs, name=config.arch)
