"""``train --init-from MODEL``: find the trainable Keras form of a model and its spec, and give it
AffectNet's eight outputs without changing what it predicts.

MODEL is a run directory, a ``.keras`` file (its spec ``.json`` beside it), a ``.tflite`` (the app's
model: its Keras form is ``M.keras`` beside it or the run directory its spec's provenance names) or a
bundled model's name (``<name>.keras`` + ``<name>.json`` in ``desktop_app/resources/models/``). A spec
beside an export describes the export's RGB input; the Keras form's own colour and normalisation come from
its provenance (``spec_building.trained_spec``). Resolving needs no TensorFlow, so a bad MODEL fails in a
second with one line.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from desktop_app.core.expression.model_spec import ModelSpec, ModelSpecError, load_spec
from desktop_app.core.paths import MODELS_DIR
from model_training.data.labels import NUM_CLASSES, DataError, map_label, to_affectnet
from model_training.train.config import COLORS, load_config
from model_training.train.keras_files import load_keras
from model_training.train.run_plan import BEST
from model_training.train.spec_building import trained_spec

# Logit of an output the base lacks (its kernel is zero, so this is its logit on every image): the base's
# top logit is above 2.6 on real crops, so the new class starts below 3e-6 and the others keep the base's
# probabilities; lower would leave Adam (about lr per step) hundreds of steps to bring the class in.
NEW_CLASS_BIAS = -10.0
HEAD_NAME = "fine_tune_head"


@dataclass(frozen=True)
class BaseModel:
    """What fine-tuning starts from: the Keras file, the spec it was trained with, and where both came from."""

    keras_path: Path
    spec: ModelSpec
    origin: str  # the MODEL as given, for config.json and the report


def _spec_beside(model: Path, what: str) -> ModelSpec:
    """The spec of ``model``'s Keras form: an export's spec describes its RGB input (``mobile_input``),
    and the colour and normalisation the Keras model itself was trained with are in its provenance."""
    try:
        return trained_spec(load_spec(model))  # X.json beside X.keras or X.tflite; the error names which
    except ModelSpecError as exc:
        raise DataError(f"--init-from {what}: {exc}") from None


def _from_run(run_dir: Path, origin: str) -> BaseModel:
    from model_training.train.spec_building import spec_from_config

    config = load_config(run_dir)
    if not (run_dir / BEST).is_file():
        raise DataError(f"--init-from {origin}: {run_dir} has no {BEST} (did its training finish an epoch?)")
    return BaseModel(run_dir / BEST, spec_from_config(config, run_dir.name), origin)


def resolve_base(model: str) -> BaseModel:
    """MODEL (see the module doc) → BaseModel; DataError naming what is missing."""
    path = Path(model)
    if path.is_dir():
        return _from_run(path, model)
    if path.suffix in (".keras", ".h5"):
        if not path.is_file():
            raise DataError(f"--init-from {model}: file not found")
        return BaseModel(path, _spec_beside(path, model), model)
    if path.suffix == ".tflite":
        if not path.is_file():
            raise DataError(f"--init-from {model}: file not found")
        spec = _spec_beside(path, model)
        if path.with_suffix(".keras").is_file():
            return BaseModel(path.with_suffix(".keras"), spec, model)
        run_dir = spec.provenance.get("run_dir")
        if isinstance(run_dir, str) and (Path(run_dir) / BEST).is_file():
            return _from_run(Path(run_dir), model)
        where = f" or its training run {run_dir} (gone)" if isinstance(run_dir, str) else ""
        raise DataError(f"--init-from {model}: a .tflite cannot be trained and its Keras form is missing: "
                        f"expected {path.with_suffix('.keras')}{where}")
    bundled = MODELS_DIR / f"{model}.keras"
    if path.name == model and bundled.is_file():
        return BaseModel(bundled, _spec_beside(bundled, model), model)
    names = sorted(p.stem for p in MODELS_DIR.glob("*.keras"))
    raise DataError(f"--init-from {model}: not a run directory, .keras, .tflite or bundled model name "
                    f"(bundled: {', '.join(names) or 'none with a .keras form'})")


def check_flags(base: BaseModel, input_size: int | None, color: str | None) -> None:
    """Explicit --input-size / --color must agree with the base: its layers are fixed to its input."""
    spec = base.spec
    if spec.input_width != spec.input_height:
        raise DataError(f"--init-from {base.origin}: input {spec.input_width}x{spec.input_height} is not square")
    if input_size and input_size != spec.input_width:
        raise DataError(f"--input-size {input_size} disagrees with --init-from {base.origin}, which takes "
                        f"{spec.input_width} px: leave --input-size out")
    if color and color != spec.color:
        raise DataError(f"--color {color} disagrees with --init-from {base.origin}, which takes {spec.color} "
                        "input: leave --color out")
    if spec.color not in COLORS:
        raise DataError(f"--init-from {base.origin}: {spec.color} input cannot be fine-tuned "
                        f"(training reads {' or '.join(COLORS)})")
    if spec.output != "probabilities":
        raise DataError(f"--init-from {base.origin}: its output is {spec.output}, not probabilities")
    columns(spec)  # every label must map onto AffectNet's classes


def columns(spec: ModelSpec) -> list[int]:
    """The AffectNet class of each of the base's outputs, by label name; DataError for a duplicate."""
    mapped = [map_label(label) for label in spec.labels]
    if len(set(mapped)) != len(mapped):
        raise DataError(f"model labels {', '.join(spec.labels)} map two outputs onto one AffectNet class")
    return mapped


def map_probabilities(probs: np.ndarray, spec: ModelSpec) -> np.ndarray:
    """The base's outputs → AffectNet's eight columns (0 for a class the base lacks)."""
    return to_affectnet(probs, columns(spec))


def load_base(base: BaseModel):
    """The base as a Keras model (inference only); DataError when Keras cannot load it or its input or
    outputs disagree with the spec."""
    import keras

    model = load_keras(base.keras_path, what=f"--init-from {base.origin}")
    spec = base.spec
    shape = tuple(model.inputs[0].shape[1:])
    if shape != (spec.input_height, spec.input_width, spec.channels):
        raise DataError(f"--init-from {base.origin}: the model's input {shape} disagrees with its spec "
                        f"({spec.input_height}, {spec.input_width}, {spec.channels})")
    if int(model.outputs[0].shape[-1]) != len(spec.labels):
        raise DataError(f"--init-from {base.origin}: the model has {model.outputs[0].shape[-1]} outputs "
                        f"but its spec {len(spec.labels)} labels")
    # One input tensor rather than the saved list of one: Keras warns on every call otherwise.
    return keras.Model(model.inputs[0], model.outputs[0], name=model.name)


def _head(model):
    """(head layer, layers after it): the last layer with weights and the weightless chain (pooling,
    softmax) to the output. mini-Xception: Conv2D → GlobalAveragePooling2D → softmax; the ImageNet
    backbones here: Dense → softmax."""
    layers = model.layers
    index = max((i for i, layer in enumerate(layers) if layer.weights), default=-1)
    head, tail = layers[index] if index >= 0 else None, layers[index + 1:]
    if head is None or not hasattr(head, "kernel") or any(layer.weights for layer in tail):
        raise DataError(f"{model.name}: no classification head found (expected a Dense or Conv layer "
                        "followed by pooling and a softmax)")
    return head, tail


def with_affectnet_head(model, spec: ModelSpec):
    """A new model on the same body whose head has AffectNet's eight outputs: the base's kernel and bias
    copied into the columns its labels map to; a class the base lacks gets a zero kernel and
    NEW_CLASS_BIAS, so at step 0 the new model predicts what the base predicted. The body's layers are
    shared with ``model`` (predict with the base before training the new one)."""
    import keras

    head, _ = _head(model)
    if getattr(head, "bias", None) is None:
        raise DataError(f"{model.name}: the head {head.name} has no bias to keep new classes quiet")
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in (head.kernel, head.bias))
    new_kernel = np.zeros((*kernel.shape[:-1], NUM_CLASSES), np.float32)
    new_bias = np.full(NUM_CLASSES, NEW_CLASS_BIAS, np.float32)
    cols = columns(spec)
    new_kernel[..., cols] = kernel
    new_bias[cols] = bias
    return _reheaded(model, new_kernel, new_bias, f"{model.name}_fine_tuned")


def output_classes(spec: ModelSpec, examples) -> list[int]:
    """The AffectNet classes a fine-tune keeps an output for: those its base has and those its training
    data has, in AffectNet's order (no contempt output from nothing)."""
    return sorted(set(columns(spec)) | {e.label for e in examples})


def keep_outputs(model, kept: list[int]):
    """``model`` (with the eight-output head of ``with_affectnet_head``) with only the outputs ``kept``:
    the softmax over fewer columns, the same as renormalising the kept probabilities (a dropped class,
    which nothing taught, sat near exp(NEW_CLASS_BIAS) and changes them by about that)."""
    import keras

    head, _ = _head(model)
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in (head.kernel, head.bias))
    return _reheaded(model, kernel[..., kept], bias[kept], model.name)


def _reheaded(model, kernel: np.ndarray, bias: np.ndarray, name: str):
    """``model``'s body with its head (see ``_head``) replaced by one of ``kernel``/``bias``'s width
    (named HEAD_NAME) and its weightless tail rebuilt, ending in a float32 softmax ``probabilities``."""
    import keras

    head, tail = _head(model)
    config = dict(head.get_config(), name=HEAD_NAME)
    config["units" if "units" in config else "filters"] = int(bias.shape[-1])
    new_head = type(head).from_config(config)
    x = new_head(head.input)
    new_head.set_weights([kernel.astype(np.float32), bias.astype(np.float32)])
    for layer in tail:
        last = layer is tail[-1]
        if last and isinstance(layer, keras.layers.Activation):
            x = keras.layers.Activation("softmax", dtype="float32", name="probabilities")(x)
        else:
            suffix = "" if layer.name.endswith("_ft") else "_ft"
            x = type(layer).from_config(dict(layer.get_config(), name=f"{layer.name}{suffix}"))(x)
    return keras.Model(model.inputs[0], x, name=name)
