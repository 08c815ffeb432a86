"""Spec validation and the check that a model agrees with its spec."""
from __future__ import annotations

import json
import shutil
from dataclasses import replace

import pytest

from desktop_app.core.expression.classifier import ExpressionClassifier
from desktop_app.core.expression.model_spec import (
    KEYS,
    VALENCE_AROUSAL,
    ModelSpec,
    ModelSpecError,
    load_spec,
    spec_path_for,
)
from desktop_app.core.paths import DEFAULT_MODEL


def test_bundled_spec_loads():
    spec = load_spec(DEFAULT_MODEL)
    assert spec.input_width == 64 and spec.color == "rgb" and "happy" in spec.labels
    assert ModelSpec.from_dict(spec.to_dict()) == spec


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("labels"), "missing field 'labels'"),
    (lambda d: d.__setitem__("labels", ["a", "a"]), "duplicates"),
    (lambda d: d["input"].__setitem__("color", "cmyk"), "input.color"),
    (lambda d: d["input"].__setitem__("dtype", "float64"), "input.dtype must be one of"),
    (lambda d: d["input"].__setitem__("width", "64"), "input.width"),
    (lambda d: d["normalization"].__setitem__("std", 0), "std must be positive"),
    (lambda d: d.__setitem__("spec_version", 99), "spec_version"),
    (lambda d: d.__setitem__("provenance", "me"), "'provenance' must be an object"),
    (lambda d: d.__setitem__("metrics", 5), "'metrics' must be an object"),
    (lambda d: d["crop"].__setitem__("margin", "wide"), "'crop.margin' must be a number"),
    (lambda d: d.__setitem__("crop", [0.2]), "'crop' must be an object"),
    (lambda d: d["crop"].__setitem__("align_eyes", "yes"), "'crop.align_eyes' must be true or false"),
    (lambda d: d.__setitem__("name", 7), "'name' must be a string"),
    (lambda d: d["normalization"].__setitem__("std", float("nan")), "std must be positive and finite"),
    (lambda d: d["normalization"].__setitem__("std", float("inf")), "std must be positive and finite"),
    (lambda d: d["normalization"].__setitem__("std", -1.0), "std must be positive"),
    (lambda d: d["normalization"].__setitem__("mean", float("nan")), "mean must be a finite number"),
    (lambda d: d["crop"].__setitem__("margin", float("nan")), "crop.margin must be between 0 and 1"),
])
def test_invalid_specs_name_the_problem(mutate, message):
    data = load_spec(DEFAULT_MODEL).to_dict()
    mutate(data)
    with pytest.raises(ModelSpecError, match=message):
        ModelSpec.from_dict(data)


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.__setitem__("lables", d.pop("labels")), "spec: unknown key 'lables' (did you mean 'labels'?)"),
    (lambda d: d.__setitem__("normalisation", {}), "unknown key 'normalisation' (did you mean 'normalization'?)"),
    (lambda d: d["input"].__setitem__("colour", "rgb"), "unknown key 'input.colour' (did you mean 'input.color'?)"),
    (lambda d: d["normalization"].__setitem__("stdev", 1), "unknown key 'normalization.stdev' "
                                                             "(did you mean 'normalization.std'?)"),
    (lambda d: d["crop"].__setitem__("align_eye", False), "unknown key 'crop.align_eye' (did you mean "
                                                           "'crop.align_eyes'?)"),
    (lambda d: d.__setitem__("threshold", 0.5), "spec: unknown key 'threshold'"),
])
def test_an_unknown_key_is_refused_naming_the_closest_one(mutate, message):
    """A typo would otherwise pass without a word: "align_eye": false left eye alignment on."""
    data = load_spec(DEFAULT_MODEL).to_dict()
    mutate(data)
    with pytest.raises(ModelSpecError) as info:
        ModelSpec.from_dict(data)
    assert message in str(info.value), str(info.value)
    assert "\n" not in str(info.value)


def test_the_known_keys_are_what_to_dict_writes_and_provenance_is_free_form():
    spec = load_spec(DEFAULT_MODEL)
    written = spec.to_dict()
    assert tuple(written) == tuple(key for key in KEYS[""] if key != "extra_outputs")  # the bundled model has none
    with_extras = replace(spec, extra_outputs=(VALENCE_AROUSAL,)).to_dict()
    assert tuple(with_extras) == KEYS[""]
    assert ModelSpec.from_dict(with_extras).extra_outputs == (VALENCE_AROUSAL,)
    assert {key: tuple(written[key]) for key in KEYS if key} == {key: keys for key, keys in KEYS.items() if key}
    written["provenance"]["anything"] = {"nested": [1, 2]}  # free-form: what a tool wants to record
    written["metrics"]["f1_on_my_class"] = 0.5
    assert ModelSpec.from_dict(written).provenance["anything"] == {"nested": [1, 2]}


def test_optional_fields_may_be_absent_or_null():
    data = load_spec(DEFAULT_MODEL).to_dict()
    for key in ("name", "description", "output", "crop", "provenance", "metrics", "spec_version"):
        data.pop(key)
    data["input"]["dtype"] = None
    spec = ModelSpec.from_dict(data)
    assert (spec.name, spec.output, spec.input_dtype, spec.crop_margin, spec.align_eyes) == (
        "model", "probabilities", "float32", 0.15, True)


def test_an_unknown_key_in_a_spec_file_is_one_line_naming_the_file(tmp_path):
    model = _copy_model(tmp_path)
    data = json.loads(spec_path_for(model).read_text())
    data["input"]["heigth"] = 64
    spec_path_for(model).write_text(json.dumps(data))
    with pytest.raises(ModelSpecError) as info:
        ExpressionClassifier(model)
    assert str(info.value) == f"{spec_path_for(model)}: unknown key 'input.heigth' (did you mean 'input.height'?)"


def _copy_model(tmp_path):
    model = tmp_path / "m.tflite"
    shutil.copy(DEFAULT_MODEL, model)
    shutil.copy(spec_path_for(DEFAULT_MODEL), spec_path_for(model))
    return model


def test_model_disagreeing_with_its_spec_is_an_error(tmp_path):
    model = _copy_model(tmp_path)
    data = json.loads(spec_path_for(model).read_text())
    data["labels"].append("contempt")
    spec_path_for(model).write_text(json.dumps(data))
    with pytest.raises(ModelSpecError, match="8 labels"):
        ExpressionClassifier(model)
    data["labels"].pop()
    data["input"]["width"] = 48
    spec_path_for(model).write_text(json.dumps(data))
    with pytest.raises(ModelSpecError, match="disagrees"):
        ExpressionClassifier(model)
    data["input"]["width"] = 64
    data["input"]["dtype"] = "uint8"  # an int8 export's spec beside a float model: fed wrongly, so refused
    spec_path_for(model).write_text(json.dumps(data))
    with pytest.raises(ModelSpecError, match="model input is float32 but its spec says input.dtype 'uint8'"):
        ExpressionClassifier(model)


def test_missing_spec_broken_json_and_non_model_file(tmp_path):
    model = _copy_model(tmp_path)
    spec_path_for(model).write_text("{not json")
    with pytest.raises(ModelSpecError, match="not valid JSON"):
        ExpressionClassifier(model)
    spec_path_for(model).unlink()
    with pytest.raises(ModelSpecError, match="spec not found"):
        ExpressionClassifier(model)
    junk = tmp_path / "junk.tflite"
    junk.write_bytes(b"not a flatbuffer" * 10)
    shutil.copy(spec_path_for(DEFAULT_MODEL), spec_path_for(junk))
    with pytest.raises(ModelSpecError, match="not a loadable"):
        ExpressionClassifier(junk)


def test_wrong_type_in_a_spec_file_is_one_line(tmp_path):
    """As a user hands it in: JSON on disk, NaN written the way Python's json writes it."""
    model = _copy_model(tmp_path)
    data = json.loads(spec_path_for(model).read_text())
    data["normalization"]["std"] = float("nan")
    spec_path_for(model).write_text(json.dumps(data))
    with pytest.raises(ModelSpecError, match="std must be positive and finite") as info:
        load_spec(model)
    assert "\n" not in str(info.value)
