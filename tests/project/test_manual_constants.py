"""The numbers and names the manual (README.md, docs/) states, read from its sentences and compared with
the code's constants: changing either without the other fails here. Qt-free constants only; the window's
are pinned in tests/ui/test_window_manual_constants.py."""
from __future__ import annotations

import re
import time

from desktop_app.core.detection.face_detection import DETECTOR_KINDS
from desktop_app.core.error_log import MAX_LOG_BYTES
from desktop_app.core.expression.expression_colors import expression_colors
from desktop_app.core.fine_tune_job import MIN_LABELS, MIN_PER_LABEL
from desktop_app.core.media.image_files import MAX_IMAGE_PIXELS
from desktop_app.core.samples.sample_records import AFFECTNET_LABELS, CROP_MARGIN, CROP_SIZE, new_sample_id
from model_training.audit.audit import SUSPECT_SCORE
from model_training.audit.audit_scores import WEIGHTS
from model_training.data.near_duplicates import MAX_DISTANCE
from model_training.train.run_plan import MIN_STEPS_PER_EPOCH
from support.manual import promise

# Okabe & Ito (2008), "Color Universal Design", as published: the names the manual uses, in RGB. Stated
# here once, apart from the app's own table, so a swap in the app's table cannot agree with itself.
# Black is the one the app replaces by grey (153, 153, 153) to read on black backgrounds.
PUBLISHED_OKABE_ITO = {
    "orange": (230, 159, 0), "sky blue": (86, 180, 233), "bluish green": (0, 158, 115),
    "yellow": (240, 228, 66), "blue": (0, 114, 178), "vermillion": (213, 94, 0),
    "reddish purple": (204, 121, 167), "grey": (153, 153, 153),
}


def test_each_expression_has_the_colour_the_manual_names():
    listed = promise(r"colour-vision deficiencies: (neutral [^(]*?) \(").group(1)
    pairs = [item.strip().split(" ", 1) for item in listed.split(",")]
    assert len(pairs) == 8
    for expression, colour in pairs:
        assert expression_colors([expression]) == [PUBLISHED_OKABE_ITO[colour]], (expression, colour)
    # "the same name gets the same colour under any model": in any label order, next to any other labels
    names = [expression for expression, _ in pairs]
    assert expression_colors(names[::-1] + ["Unknown"])[:8] == expression_colors(names)[::-1]


def test_capture_keys_are_affectnets_ids():
    listed = promise(r"label with that id \((0 Neutral[^)]*)\)").group(1)
    assert [item.strip().split(" ", 1) for item in listed.split(",")] == \
        [[str(i), name] for i, name in enumerate(AFFECTNET_LABELS)]


def test_sizes_limits_and_thresholds():
    assert int(promise(r"Past (\d+) MB it moves to `errors\.log\.1`").group(1)) * 1_000_000 == MAX_LOG_BYTES
    assert int(promise(r"claims more than (\d+) megapixels").group(1)) * 1_000_000 == MAX_IMAGE_PIXELS
    size, _, margin = promise(r"(\d+)×(\d+) face crop made by crop_face \(margin ([\d.]+)").groups()
    assert (int(size), float(margin)) == (CROP_SIZE, CROP_MARGIN)
    labels, per_label = promise(r"fewer than (\d+) labels of (\d+) or more samples").groups()
    assert (int(labels), int(per_label)) == (MIN_LABELS, MIN_PER_LABEL)
    assert int(promise(r"an epoch has ≥ (\d+) steps").group(1)) == MIN_STEPS_PER_EPOCH
    kinds = promise(r"--detector ([a-z|]+)\]").group(1)
    assert tuple(kinds.split("|")) == DETECTOR_KINDS


def test_audit_weights_suspect_score_and_duplicate_distance():
    model, geometry, duplicate = promise(r"weights model ([\d.]+), geometry ([\d.]+), duplicate ([\d.]+)").groups()
    assert WEIGHTS == {"model": float(model), "geometry": float(geometry), "duplicate": float(duplicate)}
    assert float(promise(r"suspects \(score ≥ ([\d.]+)\)").group(1)) == SUSPECT_SCORE
    assert int(promise(r"difference hash within (\d+) bits").group(1)) == MAX_DISTANCE


def test_sample_ids_are_as_described():
    chars, time_bits, random_bits = (int(g) for g in promise(
        r"Ids are (\d+) hex characters \((\d+) bits of Unix milliseconds, then (\d+) random bits\)").groups())
    assert 4 * chars == time_bits + random_bits
    before = int(time.time() * 1000)
    ids = [new_sample_id() for _ in range(200)]
    after = int(time.time() * 1000)
    assert all(re.fullmatch(f"[0-9a-f]{{{chars}}}", i) for i in ids)
    stamps = [int(i[:time_bits // 4], 16) for i in ids]
    assert before <= stamps[0] <= stamps[-1] <= after  # milliseconds, in order of capture
    tails = {int(i[time_bits // 4:], 16) for i in ids}
    assert len(tails) == len(ids) and max(tails).bit_length() > random_bits - 8  # random, all the bits used



def test_detection_tracking_and_video_numbers():
    from desktop_app.core.detection.blazeface_decoding import FULL_RANGE, NMS_IOU, SHORT_RANGE, ssd_anchor_centres
    from desktop_app.core.detection.face_detection import DEFAULT_MIN_SCORE, MIN_PRESENCE
    from desktop_app.core.detection.tiling import OVERLAP, TILE_PX
    from desktop_app.core.media.frame_sources import TRUNCATION_FRACTION, TRUNCATION_MIN_FRAMES
    from desktop_app.core.tracking import MAX_MISSING

    short, full = promise(r"its SSD anchors \((\d+) for short range, (\d+) for full range\)").groups()
    assert (len(ssd_anchor_centres(SHORT_RANGE)), len(ssd_anchor_centres(FULL_RANGE))) == (int(short), int(full))
    assert float(promise(r"weighted non-maximum suppression \(IoU ([\d.]+)\)").group(1)) == NMS_IOU
    assert float(promise(r"above the minimum score \(([\d.]+)\)").group(1)) == DEFAULT_MIN_SCORE
    assert float(promise(r"The threshold is ([\d.]+)\.").group(1)) == MIN_PRESENCE
    tile, overlap = promise(r"a (\d+)-px tile is one 128-px view, cuts overlapping tiles "
                            r"\(the overlap, (\d+) px").groups()
    assert (int(tile), int(overlap)) == (TILE_PX, round(TILE_PX * OVERLAP))
    assert int(promise(r"up to a second \((\d+) frames\)").group(1)) == MAX_MISSING
    share, frames = promise(r"more than (\d+)% of its stated frames, and more than (\d+) frames").groups()
    assert (int(share) / 100, int(frames)) == (TRUNCATION_FRACTION, TRUNCATION_MIN_FRAMES)


def test_every_other_frame_numbers():
    from desktop_app.core.detection.coasting import COAST_MAX_FACES, MAX_AHEAD, STEADY_IOU

    words = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
    faces, iou = promise(r"found the same one to (\w+) faces in nearly the same places \(each face's two boxes "
                         r"overlap by IoU ≥ ([\d.]+)\)").groups()
    assert (words[faces], float(iou)) == (COAST_MAX_FACES, STEADY_IOU)
    assert words[promise(r"no face, or more than (\w+) \(a class").group(1)] == COAST_MAX_FACES
    assert words[promise(r"or after more than (\w+) dropped frame").group(1)] == MAX_AHEAD - 1


def test_affectnet_counts_detect_width_and_grey_weights():
    from desktop_app.core.detection.face_detection import MAX_DETECT_WIDTH
    from model_training.bench.bench_scale import AFFECTNET_COUNTS, AFFECTNET_TRAIN_IMAGES
    from model_training.export.mobile_input import RGB_TO_GREY

    counts = tuple(int(promise(rf"\| {i} \| {name} \| ([\d,]+) \|").group(1).replace(",", ""))
                   for i, name in enumerate(AFFECTNET_LABELS))
    assert counts == AFFECTNET_COUNTS
    total = promise(r"Labels and the training set's shares \(([\d,]+) images").group(1)
    assert int(total.replace(",", "")) == AFFECTNET_TRAIN_IMAGES
    assert sum(counts) == AFFECTNET_TRAIN_IMAGES  # the table adds up to the total it states
    shares = [float(promise(rf"\| {i} \| {name} \| [\d,]+ \| ([\d.]+)% \|").group(1))
              for i, name in enumerate(AFFECTNET_LABELS)]
    assert shares == [round(100 * c / AFFECTNET_TRAIN_IMAGES, 1) for c in counts]
    assert int(promise(r"a copy of the frame at most (\d+) pixels wide").group(1)) == MAX_DETECT_WIDTH
    weights = promise(r"RGB→grey step in front \(weights ([\d.]+), ([\d.]+), ([\d.]+)\)").groups()
    assert tuple(float(w) for w in weights) == RGB_TO_GREY


def test_training_defaults_and_export_gates():
    from model_training.export import export
    from model_training.train import run_plan

    biggest, smallest, steps = promise(r"the batch is (\d+), halved \(down to (\d+)\) until an epoch has at least "
                                       r"(\d+) steps").groups()
    assert (int(biggest), int(smallest), int(steps)) == (run_plan.MAX_AUTO_BATCH, run_plan.MIN_AUTO_BATCH,
                                                         run_plan.MIN_STEPS_PER_EPOCH)
    epochs, most, total = promise(r"without `--epochs`, (\d+) epochs, more \(up to (\d+)\) when \d+ would give "
                                  r"under (\d+) steps").groups()
    assert (int(epochs), int(most), int(total)) == (run_plan.DEFAULT_EPOCHS, run_plan.MAX_AUTO_EPOCHS,
                                                    run_plan.MIN_TOTAL_STEPS)
    f32, f16, top1 = promise(r"a probability difference from Keras above ([\d.e-]+) for float32 or ([\d.]+) for "
                             r"float16, or int8 top-1 agreeing with Keras on under (\d+)% of the images").groups()
    assert export.MAX_PROB_DIFF == {"float32": float(f32), "float16": float(f16)}
    assert int(top1) / 100 == export.MIN_INT8_TOP1_AGREEMENT
    assert int(promise(r"compares with Keras on up to (\d+) validation images").group(1)) == export.PARITY_IMAGES
    assert int(promise(r"calibrated on (\d+) training images").group(1)) == export.REPRESENTATIVE_IMAGES
    assert int(promise(r"it checks (\d+) random inputs for NaN").group(1)) == export.RANDOM_PARITY_INPUTS
