"""The model spec: the JSON beside every expression ``.tflite``, the one contract between training and app.

Training writes it, the app reads it; labels, input size, colour and normalisation are never typed
anywhere else.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NoReturn, get_args

from desktop_app.core.errors import UserError
from desktop_app.core.unknown_keys import refuse_unknown_keys

SPEC_VERSION = 1
Color = Literal["gray", "rgb", "bgr"]
Output = Literal["probabilities", "logits"]
InputDtype = Literal["float32", "uint8", "int8"]  # the .tflite's input: float, or quantised (int8 exports: uint8)
COLORS: tuple[Color, ...] = get_args(Color)
OUTPUTS: tuple[Output, ...] = get_args(Output)
DTYPES: tuple[InputDtype, ...] = get_args(InputDtype)
# The keys a spec may hold, per object ("" is the top level); ``to_dict`` writes exactly these, and
# provenance and metrics are free-form objects whose keys are not checked.
KEYS: dict[str, tuple[str, ...]] = {
    "": ("spec_version", "name", "description", "labels", "input", "normalization", "output", "crop",
         "provenance", "metrics", "extra_outputs"),
    "input": ("width", "height", "color", "dtype"),
    "normalization": ("mean", "std"),
    "crop": ("margin", "align_eyes"),
}
MIN_INPUT_SIDE = 8
# Outputs a model may have beside its probabilities, by signature name → their components in order. The
# app shows what it knows; a spec naming another is refused (issue 21: valence and arousal, each in [-1, 1]).
VALENCE_AROUSAL = "valence_arousal"
EXTRA_OUTPUTS = {VALENCE_AROUSAL: ("valence", "arousal")}
EXTRA_RANGE = (-1.0, 1.0)
_KIND_NAMES = {list: "a list", dict: "an object", int: "an integer", str: "a string", bool: "true or false"}


class ModelSpecError(UserError, ValueError):
    """A spec that is missing, malformed, or disagrees with its model."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    labels: tuple[str, ...]
    input_width: int
    input_height: int
    color: Color
    mean: float
    std: float
    output: Output = "probabilities"
    crop_margin: float = 0.15
    align_eyes: bool = True
    input_dtype: InputDtype = "float32"
    description: str = ""
    provenance: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    extra_outputs: tuple[str, ...] = ()  # names in EXTRA_OUTPUTS, beside "probabilities"

    @property
    def channels(self) -> int:
        return 1 if self.color == "gray" else 3

    @property
    def has_valence_arousal(self) -> bool:
        return VALENCE_AROUSAL in self.extra_outputs

    def to_dict(self) -> dict[str, Any]:
        return {
            "spec_version": SPEC_VERSION,
            "name": self.name,
            "description": self.description,
            "labels": list(self.labels),
            "input": {"width": self.input_width, "height": self.input_height,
                      "color": self.color, "dtype": self.input_dtype},
            "normalization": {"mean": self.mean, "std": self.std},
            "output": self.output,
            "crop": {"margin": self.crop_margin, "align_eyes": self.align_eyes},
            "provenance": self.provenance,
            "metrics": self.metrics,
            **({"extra_outputs": {name: {"components": list(EXTRA_OUTPUTS[name]), "range": list(EXTRA_RANGE)}
                                  for name in self.extra_outputs}} if self.extra_outputs else {}),
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "spec") -> ModelSpec:
        """Validate and build; every problem becomes one ModelSpecError line naming the field (an
        unknown key names the closest known one)."""
        read = _SpecReader(where)
        if not isinstance(data, dict):
            read.fail("expected a JSON object")
        read.known_keys(data, "")
        version = data.get("spec_version", SPEC_VERSION)
        if version != SPEC_VERSION:
            read.fail(f"spec_version {version!r} is not supported (expected {SPEC_VERSION})")
        width, height, color, dtype = read.input(data)
        mean, std = read.normalization(data)
        margin, align_eyes = read.crop(data)
        return cls(
            name=read.optional(data, "name", str, "model"), labels=read.labels(data), input_width=width,
            input_height=height, color=color, mean=mean, std=std,
            output=read.choice(data, "output", OUTPUTS, "probabilities"), crop_margin=margin,
            align_eyes=align_eyes, input_dtype=dtype, description=read.optional(data, "description", str, ""),
            provenance=dict(read.optional(data, "provenance", dict, {})),
            metrics=dict(read.optional(data, "metrics", dict, {})),
            extra_outputs=_extra_outputs(read.optional(data, "extra_outputs", dict, {}), read.where),
        )


class _SpecReader:
    """Reads the fields of one spec; each check raises ModelSpecError with the file and the field's path."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, message: str) -> NoReturn:
        raise ModelSpecError(f"{self.where}: {message}")

    def known_keys(self, obj: dict, path: str) -> None:
        refuse_unknown_keys(obj, KEYS[path], self.where, ModelSpecError, prefix=f"{path}." if path else "")

    def need(self, obj: dict, key: str, kind: type | tuple[type, ...], path: str = "") -> Any:
        path = f"{path}.{key}" if path else key
        if key not in obj:
            self.fail(f"missing field '{path}'")
        value = obj[key]
        if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
            self.fail(f"field '{path}' must be {_KIND_NAMES.get(kind, 'a number')}, not {json.dumps(value)[:40]}")
        return value

    def optional(self, obj: dict, key: str, kind: type | tuple[type, ...], default: Any, path: str = "") -> Any:
        """A missing key or null is ``default``."""
        return default if obj.get(key) is None else self.need(obj, key, kind, path)

    def section(self, data: dict, key: str, required: bool = True) -> dict:
        """A nested object (``input``, ``crop``...), its keys checked against KEYS."""
        obj = self.need(data, key, dict) if required else self.optional(data, key, dict, {})
        self.known_keys(obj, key)
        return obj

    def choice(self, obj: dict, key: str, choices: tuple[str, ...], default: str | None, path: str = "") -> Any:
        """One of ``choices``; missing or null is ``default`` (None: the field is required)."""
        value = self.need(obj, key, str, path) if default is None else self.optional(obj, key, str, default, path)
        if value not in choices:
            self.fail(f"{f'{path}.{key}' if path else key} must be one of {', '.join(choices)}, not {value!r}")
        return value

    def labels(self, data: dict) -> tuple[str, ...]:
        labels = self.need(data, "labels", list)
        if len(labels) < 2 or not all(isinstance(x, str) and x for x in labels):
            self.fail("'labels' must list at least two non-empty names")
        if len(set(labels)) != len(labels):
            self.fail("'labels' has duplicates")
        return tuple(labels)

    def input(self, data: dict) -> tuple[int, int, Color, InputDtype]:
        inp = self.section(data, "input")
        width, height = self.need(inp, "width", int, "input"), self.need(inp, "height", int, "input")
        if width < MIN_INPUT_SIDE or height < MIN_INPUT_SIDE:
            self.fail(f"input size {width}x{height} is too small")
        color = self.choice(inp, "color", COLORS, None, "input")
        dtype = self.choice(inp, "dtype", DTYPES, "float32", "input")
        return width, height, color, dtype

    def normalization(self, data: dict) -> tuple[float, float]:
        norm = self.section(data, "normalization")
        mean = float(self.need(norm, "mean", (int, float), "normalization"))
        std = float(self.need(norm, "std", (int, float), "normalization"))
        if not math.isfinite(mean):
            self.fail("normalization.mean must be a finite number")
        if not (math.isfinite(std) and std > 0):
            self.fail("normalization.std must be positive and finite")
        return mean, std

    def crop(self, data: dict) -> tuple[float, bool]:
        crop = self.section(data, "crop", required=False)
        margin = float(self.optional(crop, "margin", (int, float), 0.15, "crop"))
        if not 0.0 <= margin <= 1.0:  # also refuses NaN
            self.fail("crop.margin must be between 0 and 1")
        return margin, self.optional(crop, "align_eyes", bool, True, "crop")


def _extra_outputs(data: dict, where: str) -> tuple[str, ...]:
    """``{"valence_arousal": {"components": ["valence", "arousal"], ...}}`` → its names, checked against
    EXTRA_OUTPUTS (an output the app does not know, or known under other components, is refused)."""
    for name, value in data.items():
        if name not in EXTRA_OUTPUTS:
            raise ModelSpecError(f"{where}: extra_outputs.{name} is not an output this app knows "
                                 f"({', '.join(EXTRA_OUTPUTS)})")
        components = value.get("components") if isinstance(value, dict) else None
        if components != list(EXTRA_OUTPUTS[name]):
            raise ModelSpecError(f"{where}: extra_outputs.{name}.components must be "
                                 f"{json.dumps(list(EXTRA_OUTPUTS[name]))}")
    return tuple(data)


def spec_path_for(model_path: Path | str) -> Path:
    """The spec lives beside the model with the same stem: ``m.tflite`` → ``m.json``."""
    return Path(model_path).with_suffix(".json")


def load_spec(model_path: Path | str) -> ModelSpec:
    path = spec_path_for(model_path)
    if not path.is_file():
        kind = Path(model_path).suffix or "model"
        raise ModelSpecError(f"model spec not found: {path} (every {kind} needs its .json beside it)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except RecursionError:  # e.g. 100,000 nested '[': Python's parser gives up
        raise ModelSpecError(f"model spec {path} is not valid JSON: nested too deeply") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelSpecError(f"model spec {path} is not valid JSON: {exc}") from None
    return ModelSpec.from_dict(data, where=str(path))


def save_spec(spec: ModelSpec, model_path: Path | str) -> Path:
    path = spec_path_for(model_path)
    path.write_text(json.dumps(spec.to_dict(), indent=2) + "\n", encoding="utf-8")
    return path
