"""The PySide6 window. The only package that imports PySide6 or pyqtgraph.

Sub-packages by what they show, each importing only those listed below it (an import-linter contract):

- ``tools/``: scripts that drive the real window: the manual's screenshots, window benchmarks, Xvfb.
- ``window/``: the main window and its parts: entry point, controls, sources, status line, presentation
  mode, shortcuts, the video view, the inference thread.
- ``samples/``: capturing samples, reviewing them, fine-tuning on them and comparing old and new models.
- ``inspect/``: the inspector (what the model saw of one face).
- ``charts/``: the bars, the rolling graph, the valence–arousal plane.
- ``qt/``: the Qt application and its environment, image conversion.
"""
