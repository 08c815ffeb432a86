"""The model spec: the JSON beside every expression ``.tflite``, the one contract between training and app.

Training writes it, the app reads it; labels, input size, colour and normalisation are never typed
anywhere else.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.core.errors import UserError

SPEC_VERSION = 1
COLORS = ("gray", "rgb", "bgr")
OUTPUTS = ("probabilities", "logits")
DTYPES = ("float32", "uint8", "int8")  # the .tflite's input tensor: float, or quantised (int8 exports: uint8)
_KIND_NAMES = {list: "a list", dict: "an object", int: "an integer", str: "a string", bool: "true or false"}


class ModelSpecError(UserError, ValueError):
    """A spec that is missing, malformed, or disagrees with its model."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    labels: tuple[str, ...]
    input_width: int
    input_height: int
    color: str
    mean: float
    std: float
    output: str = "probabilities"
    crop_margin: float = 0.15
    align_eyes: bool = True
    input_dtype: str = "float32"
    description: str = ""
    provenance: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def channels(self) -> int:
        return 1 if self.color == "gray" else 3

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
        }

    @classmethod
    def from_dict(cls, data: Any, where: str = "spec") -> ModelSpec:  # noqa: C901 - becomes field checks per key (issue 18 item 4)
        """Validate and build; every problem becomes one ModelSpecError line naming the field."""
        def need(obj: Any, key: str, kind: type | tuple[type, ...], path: str) -> Any:
            if not isinstance(obj, dict) or key not in obj:
                raise ModelSpecError(f"{where}: missing field '{path}'")
            value = obj[key]
            if isinstance(value, bool) and kind is not bool or not isinstance(value, kind):
                raise ModelSpecError(f"{where}: field '{path}' must be {_KIND_NAMES.get(kind, 'a number')}, "
                                     f"not {json.dumps(value)[:40]}")
            return value

        def optional(obj: dict, key: str, kind: type | tuple[type, ...], default: Any, path: str) -> Any:
            if key not in obj or obj[key] is None:
                return default
            return need(obj, key, kind, path)

        if not isinstance(data, dict):
            raise ModelSpecError(f"{where}: expected a JSON object")
        version = data.get("spec_version", SPEC_VERSION)
        if version != SPEC_VERSION:
            raise ModelSpecError(f"{where}: spec_version {version!r} is not supported (expected {SPEC_VERSION})")
        labels = need(data, "labels", list, "labels")
        if len(labels) < 2 or not all(isinstance(x, str) and x for x in labels):
            raise ModelSpecError(f"{where}: 'labels' must list at least two non-empty names")
        if len(set(labels)) != len(labels):
            raise ModelSpecError(f"{where}: 'labels' has duplicates")
        inp = need(data, "input", dict, "input")
        width = need(inp, "width", int, "input.width")
        height = need(inp, "height", int, "input.height")
        if width < 8 or height < 8:
            raise ModelSpecError(f"{where}: input size {width}x{height} is too small")
        color = need(inp, "color", str, "input.color")
        if color not in COLORS:
            raise ModelSpecError(f"{where}: input.color must be one of {', '.join(COLORS)}, not {color!r}")
        norm = need(data, "normalization", dict, "normalization")
        mean = float(need(norm, "mean", (int, float), "normalization.mean"))
        std = float(need(norm, "std", (int, float), "normalization.std"))
        if not math.isfinite(mean):
            raise ModelSpecError(f"{where}: normalization.mean must be a finite number")
        if not (math.isfinite(std) and std > 0):
            raise ModelSpecError(f"{where}: normalization.std must be positive and finite")
        output = data.get("output", "probabilities")
        if output not in OUTPUTS:
            raise ModelSpecError(f"{where}: output must be one of {', '.join(OUTPUTS)}")
        crop = optional(data, "crop", dict, {}, "crop")
        margin = float(optional(crop, "margin", (int, float), 0.15, "crop.margin"))
        if not 0.0 <= margin <= 1.0:  # also refuses NaN
            raise ModelSpecError(f"{where}: crop.margin must be between 0 and 1")
        align_eyes = optional(crop, "align_eyes", bool, True, "crop.align_eyes")
        dtype = optional(inp, "dtype", str, "float32", "input.dtype")
        if dtype not in DTYPES:
            raise ModelSpecError(f"{where}: input.dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
        name = optional(data, "name", str, "model", "name")
        description = optional(data, "description", str, "", "description")
        provenance = optional(data, "provenance", dict, {}, "provenance")
        metrics = optional(data, "metrics", dict, {}, "metrics")
        return cls(
            name=name, labels=tuple(labels), input_width=width, input_height=height, color=color,
            mean=mean, std=std, output=output, crop_margin=margin, align_eyes=align_eyes, input_dtype=dtype,
            description=description, provenance=dict(provenance), metrics=dict(metrics),
        )


def spec_path_for(model_path: Path | str) -> Path:
    """The spec lives beside the model with the same stem: ``m.tflite`` → ``m.json``."""
    return Path(model_path).with_suffix(".json")


def load_spec(model_path: Path | str) -> ModelSpec:
    path = spec_path_for(model_path)
    if not path.is_file():
        raise ModelSpecError(f"model spec not found: {path} (every .tflite needs its .json beside it)")
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
