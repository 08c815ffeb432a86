"""The files the app ships with, as package data (``pyproject.toml``), named only by ``core/paths.py``.

- ``models/``: the bundled TFLite models (BlazeFace short and full range, the face landmark model, the
  FER2013 mini-Xception with its spec JSON and trainable ``.keras``), their licences (``LICENSES.md``)
  and ``SHA256SUMS``; rebuilt byte for byte by ``python -m model_training build-models``.
- ``demo_face.png``: ``skimage.data.astronaut()``, the face of ``--source demo`` and ``analyze demo``.
"""
