"""The input every exported ``.tflite`` takes: 3-channel RGB, because MediaPipe Tasks' ImageClassifier refuses
1-channel models ("Only RGB color space is supported"), whatever colour the model was trained on.

A model trained on grey gets a fixed RGB→grey step in front (cv2.COLOR_RGB2GRAY's weights; they sum to 1,
so normalising before or after it is the same). An int8 export also takes the normalisation inside and
reads raw 0-255 pixels as uint8 with scale 1, zero point 0: exact, where a uint8 zero point of 127.5
cannot be. The spec written beside the export says so (``mobile_spec``); training's spec stays as it was.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np

from desktop_app.core.expression.model_spec import ModelSpec
from model_training.data.labels import DataError

RGB_TO_GREY = (0.299, 0.587, 0.114)  # ITU-R BT.601, as cv2.COLOR_RGB2GRAY
UINT8_INPUT = "uint8"


def mobile_spec(spec: ModelSpec, quant: str) -> ModelSpec:
    """What the exported ``.tflite`` takes: RGB always; for int8 raw uint8 pixels (mean 0, std 1). The
    training colour and normalisation go into the provenance."""
    trained = {"trained_color": spec.color, "trained_normalization": {"mean": spec.mean, "std": spec.std}}
    if spec.color == "bgr":
        raise DataError("a model trained on BGR input cannot be exported for mobile (RGB only); retrain on rgb")
    mobile = replace(spec, color="rgb", provenance={**spec.provenance, **trained})
    if quant == "int8":
        return replace(mobile, mean=0.0, std=1.0, input_dtype=UINT8_INPUT)
    return replace(mobile, input_dtype="float32")


def rgb_input_model(model, trained: ModelSpec, quant: str):
    """``model`` behind the RGB input of ``mobile_spec``: a frozen RGB→grey 1x1 convolution for a grey
    model, and for int8 the normalisation (pixels → (pixels - mean) / std) in front of that."""
    import keras

    if trained.color == "rgb" and quant != "int8":
        return model
    inputs = keras.Input((trained.input_height, trained.input_width, 3), name="image")
    x = inputs
    if quant == "int8":
        x = keras.layers.Rescaling(1.0 / trained.std, offset=-trained.mean / trained.std, name="normalize")(x)
    if trained.color == "gray":
        grey = keras.layers.Conv2D(1, 1, use_bias=False, trainable=False, name="rgb_to_grey")
        x = grey(x)
        grey.set_weights([np.asarray(RGB_TO_GREY, np.float32).reshape(1, 1, 3, 1)])
    return keras.Model(inputs, model(x), name=f"{model.name}_rgb")


def pinned_representative(rep: Callable[[], Iterator[list[np.ndarray]]]) -> Callable[[], Iterator[list[np.ndarray]]]:
    """Raw-pixel representative images with one 0 and one 255 in the first, so the calibrated input range
    is exactly 0-255 and the uint8 input gets scale 1, zero point 0."""
    def gen():
        for i, (image,) in enumerate(rep()):
            if i == 0:
                image = image.copy()
                image.reshape(-1)[:2] = (0.0, 255.0)
            yield [image]
    return gen


def check_uint8_input(tflite: bytes) -> None:
    """An int8 export whose input is not uint8 with scale 1 and zero point 0 would misread pixels in
    MediaPipe (it feeds them unscaled): fail the export rather than ship it."""
    from ai_edge_litert.interpreter import Interpreter

    detail = Interpreter(model_content=tflite).get_input_details()[0]
    scale, zero = detail["quantization"]
    if detail["dtype"] != np.uint8 or not np.isclose(scale, 1.0) or zero != 0:
        raise DataError(f"the int8 export's input is {np.dtype(detail['dtype']).name} with scale {scale:g} and "
                        f"zero point {zero}, not uint8 pixels (scale 1, zero 0)")
