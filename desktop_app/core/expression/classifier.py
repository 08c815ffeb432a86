"""Expression classification with LiteRT (``ai-edge-litert``), checked against the model spec."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from desktop_app.core.expression.model_spec import EXTRA_OUTPUTS, ModelSpec, ModelSpecError, load_spec
from desktop_app.core.expression.preprocessing import prepare_batch


def softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


class ExpressionClassifier:
    """Loads a ``.tflite`` and its spec once; ``classify`` runs every face of a frame in one call."""

    def __init__(self, model_path: Path | str, num_threads: int = 2) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.model_path = Path(model_path)
        if not self.model_path.is_file():
            raise ModelSpecError(f"model not found: {self.model_path}")
        self.spec: ModelSpec = load_spec(self.model_path)
        try:
            self._interp = Interpreter(model_path=str(self.model_path), num_threads=num_threads)
            self._interp.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            raise ModelSpecError(f"{self.model_path} is not a loadable TFLite model: {exc}") from None
        inp = self._interp.get_input_details()[0]
        out, self._extra_index = self._outputs()
        self._in_index, self._out_index = inp["index"], out["index"]
        self._in_dtype = inp["dtype"]
        self._in_quant = inp.get("quantization", (0.0, 0))
        self._out_quant = out.get("quantization", (0.0, 0))
        if np.dtype(self._in_dtype).name != self.spec.input_dtype:  # the spec says what to feed; so must the model
            raise ModelSpecError(f"{self.model_path}: model input is {np.dtype(self._in_dtype).name} but its spec "
                                 f"says input.dtype {self.spec.input_dtype!r}")
        expected = (self.spec.input_height, self.spec.input_width, self.spec.channels)
        if tuple(inp["shape"][1:]) != expected:
            raise ModelSpecError(f"{self.model_path}: model input {tuple(inp['shape'][1:])} disagrees "
                                 f"with its spec {expected}")
        if int(out["shape"][-1]) != len(self.spec.labels):
            raise ModelSpecError(f"{self.model_path}: model has {out['shape'][-1]} outputs but its spec "
                                 f"lists {len(self.spec.labels)} labels")
        self._batch = int(inp["shape"][0])

    def _outputs(self) -> tuple[dict, dict[str, int]]:
        """(the probabilities' tensor details, extra output name → tensor index). A model with one output:
        that one. With the spec's ``extra_outputs`` the tensors are found by their signature names (a
        .tflite's tensor order follows no rule), and a missing one is a ModelSpecError."""
        details = self._interp.get_output_details()
        if len(details) == 1 and not self.spec.extra_outputs:
            return details[0], {}
        signatures = self._interp._get_full_signature_list()  # noqa: SLF001 - the only name → tensor map LiteRT gives
        named = next(iter(signatures.values()), {}).get("outputs", {}) if signatures else {}
        wanted = ("probabilities", *self.spec.extra_outputs)
        missing = [name for name in wanted if name not in named]
        if missing:
            raise ModelSpecError(f"{self.model_path}: the model has no output named {', '.join(missing)} "
                                 f"(its outputs: {', '.join(named) or 'unnamed'}) though its spec lists it")
        by_index = {d["index"]: d for d in details}
        return by_index[named["probabilities"]], {name: named[name] for name in self.spec.extra_outputs}

    @property
    def labels(self) -> tuple[str, ...]:
        return self.spec.labels

    def _run(self, batch: np.ndarray) -> np.ndarray:
        if self._batch != len(batch):
            self._interp.resize_tensor_input(self._in_index, list(batch.shape))
            self._interp.allocate_tensors()
            self._batch = len(batch)
        if self._in_dtype != np.float32:  # quantised input (int8 export: uint8 pixels, scale 1, zero 0)
            scale, zero = self._in_quant
            info = np.iinfo(self._in_dtype)
            batch = np.clip(np.round(batch / scale + zero), info.min, info.max).astype(self._in_dtype)
        self._interp.set_tensor(self._in_index, batch)
        self._interp.invoke()
        raw = self._interp.get_tensor(self._out_index)
        if raw.dtype != np.float32:
            scale, zero = self._out_quant
            raw = (raw.astype(np.float32) - zero) * scale
        return raw.reshape(len(batch), -1)

    def classify_batch(self, batch: np.ndarray) -> np.ndarray:
        """Prepared batch (N, H, W, C) → probabilities (N, labels)."""
        return self.classify_batch_all(batch)[0]

    def classify_batch_all(self, batch: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Prepared batch → (probabilities (N, labels), extra output name → (N, components)): for a model
        with valence/arousal, ``{"valence_arousal": (N, 2)}``; ``{}`` for one without."""
        if len(batch) == 0:
            return (np.zeros((0, len(self.labels)), np.float32),
                    {name: np.zeros((0, len(EXTRA_OUTPUTS[name])), np.float32) for name in self._extra_index})
        raw = self._run(np.ascontiguousarray(batch, np.float32))
        probs = softmax(raw) if self.spec.output == "logits" else raw.astype(np.float32)
        extras = {name: np.asarray(self._interp.get_tensor(index), np.float32).reshape(len(batch), -1)
                  for name, index in self._extra_index.items()}  # int8 exports keep float32 outputs
        return probs, extras

    def classify_all(self, crops_bgr: Sequence[np.ndarray]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Face crops (BGR uint8) → (probabilities, extra outputs), as ``classify_batch_all``."""
        return self.classify_batch_all(prepare_batch(crops_bgr, self.spec))

    def classify(self, crops_bgr: Sequence[np.ndarray]) -> np.ndarray:
        """Face crops (BGR uint8) → probabilities (N, labels)."""
        return self.classify_batch(prepare_batch(crops_bgr, self.spec))

    def close(self) -> None:
        self._interp = None

    def __enter__(self) -> ExpressionClassifier:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
