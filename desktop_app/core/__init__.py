"""The Qt-free pipeline: frame sources, face detection, face crop, classification, tracking.

Nothing in this package imports PySide6 or pyqtgraph; tests, the headless CLI and model_training use it.
"""
