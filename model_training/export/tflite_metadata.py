"""Standard TFLite model metadata, so MediaPipe Tasks' ImageClassifier (Android, iOS, web) loads an export
unchanged: input colour space and normalisation, the labels as an associated file, name, version, licence.

The metadata is the ``TFLITE_METADATA`` buffer of the model, a ``ModelMetadata`` FlatBuffer (schema
``metadata_schema.fbs`` of TFLite Support / MediaPipe, file identifier ``M001``), and the associated
files ride in a zip appended to the model. tflite-support's writers need protobuf < 4 (the kit pins 7)
and mediapipe 1.2.2's fail to import, so the few tables needed are written here with ``flatbuffers``;
field slots follow ``metadata_schema.fbs``. The bytes depend only on the inputs (fixed zip timestamps).
The spec JSON beside the ``.tflite`` stays the app's contract; this is its copy for mobile runtimes.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import flatbuffers
import numpy as np

from desktop_app.core.expression.model_spec import EXTRA_OUTPUTS, EXTRA_RANGE
from model_training.train.keras_files import ZIP_DATE

METADATA_NAME = "TFLITE_METADATA"
METADATA_IDENTIFIER = b"M001"
MIN_PARSER_VERSION = "1.0.0"  # nothing newer than the 1.0 schema is used
LABELS_FILE = "labels.txt"

# Enum and union values of metadata_schema.fbs.
_COLOR_RGB = 1
_CONTENT_FEATURE, _CONTENT_IMAGE = 1, 2
_UNIT_NORMALIZATION = 1
_FILE_TENSOR_AXIS_LABELS = 2


@dataclass(frozen=True)
class MobileMetadata:
    """What a mobile app reads from the model itself. ``mean``/``std`` are per RGB channel on 0-255
    pixels; ``None`` for a uint8 input, which takes the pixels as they are."""
    name: str
    description: str
    version: str
    author: str
    license: str
    labels: tuple[str, ...]
    width: int
    height: int
    mean: float | None
    std: float | None
    # Outputs after the probabilities, each (name, its components), e.g. ("valence_arousal", ("valence",
    # "arousal")): MediaPipe refuses a model with more output tensors than output metadata, and reads each
    # further output as another classification head whose "categories" are the components.
    extra_outputs: tuple[tuple[str, tuple[str, ...]], ...] = ()


def metadata_for(spec, version: str, author: str, license: str) -> MobileMetadata:
    """From a ``ModelSpec`` of an RGB export (the spec is the source: nothing is typed twice)."""
    if spec.color != "rgb":
        raise ValueError(f"mobile metadata describes RGB inputs; the spec says {spec.color!r}")
    quantised = spec.input_dtype == "uint8"
    return MobileMetadata(
        name=spec.name, description=spec.description or spec.name, version=version, author=author,
        license=license, labels=tuple(spec.labels), width=spec.input_width, height=spec.input_height,
        mean=None if quantised else spec.mean, std=None if quantised else spec.std,
        extra_outputs=tuple((name, EXTRA_OUTPUTS[name]) for name in spec.extra_outputs))


def _strings(b: flatbuffers.Builder, **values: str) -> dict[str, int]:
    return {k: b.CreateString(v) for k, v in values.items()}


def _table(b: flatbuffers.Builder, slots: int, offsets: dict[int, int],
           scalars: dict[int, tuple[str, int]] | None = None) -> int:
    """One table: ``offsets`` maps slot → an offset already built, ``scalars`` slot → (prepend, value)."""
    b.StartObject(slots)
    for slot, (prepend, value) in (scalars or {}).items():
        getattr(b, prepend)(slot, value, 0)
    for slot, offset in offsets.items():
        b.PrependUOffsetTRelativeSlot(slot, offset, 0)
    return b.EndObject()


def _vector(b: flatbuffers.Builder, offsets: list[int]) -> int:
    b.StartVector(4, len(offsets), 4)
    for offset in reversed(offsets):
        b.PrependUOffsetTRelative(offset)
    return b.EndVector()


def _float_vector(b: flatbuffers.Builder, values: list[float]) -> int:
    return b.CreateNumpyVector(np.asarray(values, np.float32))


def build_metadata(meta: MobileMetadata) -> bytes:
    """The ``ModelMetadata`` FlatBuffer: one subgraph, one image input, one score output and one output
    per ``meta.extra_outputs`` (values in EXTRA_RANGE, their components as axis labels)."""
    b = flatbuffers.Builder(1024)
    s = _strings(b, name=meta.name, description=meta.description, version=meta.version, author=meta.author,
                 license=meta.license, min_parser=MIN_PARSER_VERSION, image="image", scores="probability",
                 image_doc=f"{meta.width}x{meta.height} RGB face crop",
                 scores_doc="probability of each expression, in the order of labels.txt",
                 labels=LABELS_FILE, labels_doc="expression labels, one per line, in output order")
    # Input: ImageProperties(RGB) + NormalizationOptions (float input only) + the usual value range.
    image_props = _table(b, 2, {}, {0: ("PrependInt8Slot", _COLOR_RGB)})
    image_content = _table(b, 3, {1: image_props}, {0: ("PrependUint8Slot", _CONTENT_IMAGE)})
    units = []
    if meta.mean is not None:
        mean = _float_vector(b, [meta.mean] * 3)
        std = _float_vector(b, [meta.std] * 3)
        norm = _table(b, 2, {0: mean, 1: std})
        units.append(_table(b, 2, {1: norm}, {0: ("PrependUint8Slot", _UNIT_NORMALIZATION)}))
    low = 0.0 if meta.mean is None else (0.0 - meta.mean) / meta.std
    high = 255.0 if meta.mean is None else (255.0 - meta.mean) / meta.std
    in_stats = _table(b, 2, {0: _float_vector(b, [high]), 1: _float_vector(b, [low])})
    in_offsets = {0: s["image"], 1: s["image_doc"], 3: image_content, 5: in_stats}
    if units:
        in_offsets[4] = _vector(b, units)
    input_meta = _table(b, 7, in_offsets)
    # Output: probabilities 0-1 with the labels as TENSOR_AXIS_LABELS.
    labels_file = _table(b, 5, {0: s["labels"], 1: s["labels_doc"]},
                         {2: ("PrependInt8Slot", _FILE_TENSOR_AXIS_LABELS)})
    feature = _table(b, 0, {})
    out_content = _table(b, 3, {1: feature}, {0: ("PrependUint8Slot", _CONTENT_FEATURE)})
    out_stats = _table(b, 2, {0: _float_vector(b, [1.0]), 1: _float_vector(b, [0.0])})
    output_meta = _table(b, 7, {0: s["scores"], 1: s["scores_doc"], 3: out_content, 5: out_stats,
                                6: _vector(b, [labels_file])})
    outputs = [output_meta] + [_extra_output_meta(b, name, components) for name, components in meta.extra_outputs]
    subgraph = _table(b, 10, {2: _vector(b, [input_meta]), 3: _vector(b, outputs)})
    model = _table(b, 8, {0: s["name"], 1: s["description"], 2: s["version"], 3: _vector(b, [subgraph]),
                          4: s["author"], 5: s["license"], 7: s["min_parser"]})
    b.Finish(model, file_identifier=METADATA_IDENTIFIER)
    return bytes(b.Output())


def _extra_output_meta(b: flatbuffers.Builder, name: str, components: tuple[str, ...]) -> int:
    s = _strings(b, name=name, doc=f"{', '.join(components)}, each from {EXTRA_RANGE[0]:g} to {EXTRA_RANGE[1]:g}",
                 file=f"{name}.txt", file_doc=f"the components of {name}, one per line, in output order")
    axis_file = _table(b, 5, {0: s["file"], 1: s["file_doc"]}, {2: ("PrependInt8Slot", _FILE_TENSOR_AXIS_LABELS)})
    content = _table(b, 3, {1: _table(b, 0, {})}, {0: ("PrependUint8Slot", _CONTENT_FEATURE)})
    stats = _table(b, 2, {0: _float_vector(b, [EXTRA_RANGE[1]]), 1: _float_vector(b, [EXTRA_RANGE[0]])})
    return _table(b, 7, {0: s["name"], 1: s["doc"], 3: content, 5: stats, 6: _vector(b, [axis_file])})


def labels_zip(labels: tuple[str, ...], extra_outputs: tuple[tuple[str, tuple[str, ...]], ...] = ()) -> bytes:
    """The associated files as a stored (uncompressed) zip with fixed timestamps, as MediaPipe reads it:
    ``labels.txt`` and one ``<name>.txt`` per extra output."""
    buffer = io.BytesIO()
    files = [(LABELS_FILE, labels), *((f"{name}.txt", components) for name, components in extra_outputs)]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for file_name, lines in files:
            info = zipfile.ZipInfo(file_name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            zf.writestr(info, "".join(f"{line}\n" for line in lines))
    return buffer.getvalue()


def order_outputs(model, first: str = "probabilities") -> None:
    """Put the signature output named ``first`` first among the subgraph's outputs (the converter orders
    them as it likes; MediaPipe's head 0, which apps read, must be the expression). A model with one
    output is left as it is."""
    subgraph = model.subgraphs[0]
    if len(subgraph.outputs) < 2 or not model.signatureDefs:
        return
    named = {_name(t.name): int(t.tensorIndex) for t in model.signatureDefs[0].outputs}
    if first not in named:
        return
    rest = [int(i) for i in subgraph.outputs if int(i) != named[first]]
    subgraph.outputs = np.array([named[first], *rest], dtype=np.int32)


def add_metadata(tflite: bytes, meta: MobileMetadata) -> bytes:
    """``tflite`` with ``meta`` as its TFLITE_METADATA buffer (replacing one already there) and the
    labels zip appended. Needs TensorFlow (its TFLite schema module) to rewrite the model."""
    from tensorflow.lite.python import schema_py_generated as schema
    from tensorflow.lite.tools import flatbuffer_utils

    model = flatbuffer_utils.convert_bytearray_to_object(bytearray(_strip_zip(tflite)))
    model.metadata = model.metadata or []
    entry = next((m for m in model.metadata if _name(m.name) == METADATA_NAME), None)
    if entry is None:  # a fresh export: a new buffer; otherwise the old one is overwritten in place
        model.buffers.append(schema.BufferT())
        entry = schema.MetadataT()
        entry.name = METADATA_NAME
        entry.buffer = len(model.buffers) - 1
        model.metadata.append(entry)
    model.buffers[entry.buffer].data = np.frombuffer(build_metadata(meta), np.uint8)
    order_outputs(model)
    return flatbuffer_utils.convert_object_to_bytearray(model) + labels_zip(meta.labels, meta.extra_outputs)


def _name(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _strip_zip(tflite: bytes) -> bytes:
    """A model that already carries associated files: the FlatBuffer before its zip tail."""
    try:
        with zipfile.ZipFile(io.BytesIO(tflite)) as zf:
            first = min((i.header_offset for i in zf.infolist()), default=None)
    except zipfile.BadZipFile:
        return tflite
    return tflite if first is None else tflite[:first]


def packed_labels(tflite: bytes) -> list[str]:
    """The labels file packed into a model's zip tail ([] when there is none): what a mobile app reads."""
    try:
        with zipfile.ZipFile(io.BytesIO(tflite)) as zf:
            return zf.read(LABELS_FILE).decode("utf-8").splitlines()
    except (zipfile.BadZipFile, KeyError):
        return []
