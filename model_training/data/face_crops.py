"""Sources marked ``:crop`` hold whole photos: detect the largest face once and cache its crop."""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import replace
from pathlib import Path

from desktop_app.core.detection.face_crop import crop_face
from desktop_app.core.detection.face_detection import FaceDetector
from desktop_app.core.samples.sample_records import CROP_SIZE
from model_training.data.datasets import Example
from model_training.data.image_reading import decode_image
from model_training.data.run_files import sweep_partials, write_png


def cache_face_crops(examples: list[Example], cache_dir: Path, margin: float,
                     skipped: Counter) -> list[Example]:
    """Each photo → ``cache_dir/<hash>.png``, the app's ``crop_face`` around the largest detected face.
    Photos with no face or that cannot be read are counted in ``skipped`` and left out."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    sweep_partials(cache_dir)  # crops a killed run was writing
    out = []
    with FaceDetector("full") as detector:
        for e in examples:
            key = hashlib.sha1(f"{Path(e.path).resolve()}:{margin}".encode()).hexdigest()[:20]
            target = cache_dir / f"{key}.png"
            if not target.is_file():
                frame, reason = decode_image(e.path)
                if frame is None:
                    skipped[reason] += 1
                    continue
                faces = detector.detect(frame)
                if not faces:
                    skipped["no face found"] += 1
                    continue
                face = max(faces, key=lambda d: d.box[2] * d.box[3])
                write_png(target, crop_face(frame, face.box, face.keypoints, CROP_SIZE, margin))
            out.append(replace(e, path=str(target)))  # label, weight, valence/arousal, group kept
    return out
