"""The Qt-free core: everything the window shows, computed without Qt.

Nothing in this package imports PySide6 or pyqtgraph; tests, the headless CLIs and model_training use it.
Layers, highest first (checked by import-linter, ``pyproject.toml``):

- ``headless/``: the library under ``analyze`` and ``capture`` (typed options, the CSV and annotated video,
  faces of files saved as samples);
- ``session`` (a source's running totals) and ``annotate`` (boxes and labels drawn on a frame);
- ``pipeline``: frame → faces → crops → expressions, with per-face smoothing;
- ``tracking`` (faces kept across frames), ``samples/`` (captured samples on disk), ``expression/`` (the
  classifier and its spec), ``fine_tune_job`` (the window's fine-tune command and its lines);
- ``detection/`` (BlazeFace, landmarks, crop) and ``media/`` (sources, the frame slot, image files);
- leaves: ``paths``, ``error_log``, ``output_files``, ``label_placement``, ``stats``; under them ``errors``
  (``UserError``, the one base of the errors a user can cause) and ``unknown_keys``.
"""
