"""``export`` / ``convert``: Keras → ``.tflite`` + spec, checked against the source model.

- ``export``: float32, float16 or int8, parity-checked, written atomically.
- ``mobile_input``: the RGB (and uint8) input every export takes, for MediaPipe Tasks.
- ``tflite_metadata``: the standard TFLite metadata (labels, normalisation, name, licence).
"""
