"""The main window and the parts it is made of.

- ``app``: ``python -m desktop_app``: parses the flags and opens the window (or says there is no display).
- ``main_window``: ``MainWindow``, composing the parts below; results, models and shutdown.
- ``worker``: ``InferenceWorker``, the thread that runs the pipeline on the newest frame.
- ``video_view``: the frame with each face's box and label; ``seek_bar``: position in a file.
- ``presentation``: presentation mode (F11) for a projector.
- ``shortcuts``: every key in one table; ``help_overlay``: the F1 overlay built from it.
- ``error_reporting``: an exception in a slot becomes a logged traceback and a banner line.
"""
