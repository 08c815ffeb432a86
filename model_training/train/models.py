"""The architectures: mini-Xception (small, grey, fast on CPU) and two Keras ImageNet backbones.

Every model ends in a float32 softmax over AffectNet's eight classes (spec output ``probabilities``).
Backbones are built with ``weights=None``; ``--weights PATH`` loads a local Keras weights file into the
backbone (nothing is downloaded).
"""
from __future__ import annotations

import keras
from keras import layers

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


def mini_xception(inputs, filters: tuple[int, ...] = (16, 32, 64, 128)):
    """Arriaga et al. 2017, the FER2013 model the app bundles: two plain convs, four residual
    depthwise-separable blocks, a 1×1 conv to the classes and global average pooling."""
    x = inputs
    for _ in range(2):
        x = layers.Conv2D(8, 3, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM)(x)
        x = layers.ReLU()(x)
    for f in filters:
        x = _xception_block(x, f)
    x = layers.Conv2D(NUM_CLASSES, 3, padding="same")(x)
    return layers.GlobalAveragePooling2D()(x)


def build_model(config: TrainConfig) -> keras.Model:
    shape = (config.input_size, config.input_size, 1 if config.color == "gray" else 3)
    inputs = keras.Input(shape, name="image")
    weights = None if config.weights == "none" else config.weights
    if config.arch == "mini_xception":
        x = mini_xception(inputs)
    else:
        if config.arch == "mobilenet_v3_small":
            backbone = keras.applications.MobileNetV3Small(
                input_shape=shape, include_top=False, weights=weights, include_preprocessing=True,
                minimalistic=False)
        else:
            backbone = keras.applications.EfficientNetB0(input_shape=shape, include_top=False, weights=weights)
        x = backbone(inputs)
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dropout(0.2)(x)
        x = layers.Dense(NUM_CLASSES)(x)
    outputs = layers.Activation("softmax", dtype="float32", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=config.arch)
