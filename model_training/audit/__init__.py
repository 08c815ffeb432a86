"""``evaluate`` and ``audit``: how good a model is, and which labels look wrong.

- ``predictors``: a run (Keras) or a ``.tflite`` + spec behind one interface.
- ``evaluation``: ``evaluate``, with the app's preprocessing.
- ``audit`` and ``audit_scores``: rank a dataset's images by how suspect their labels are.
- ``geometry_classifier``: a landmark-geometry-only classifier, an independent second opinion.
"""
