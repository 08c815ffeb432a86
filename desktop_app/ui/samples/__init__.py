"""Samples: capturing them from the window, reviewing them, and fine-tuning the model on them.

- ``capture_panel``: the dock that saves labelled faces (label keys, bursts, 'wrong prediction').
- ``gallery``: review, relabel and delete the captured samples.
- ``fine_tune_dialog``: fine-tunes the loaded model on the captured dataset in a separate process.
- ``model_comparison``: runs the fine-tuned model beside the old one on the live faces until one is kept.
"""
