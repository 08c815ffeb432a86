"""The main window and the parts it is made of.

- ``app``: ``python -m desktop_app``: parses the flags and opens the window (or says there is no display).
- ``main_window``: ``MainWindow``, composing the parts below; a result arriving, a model loaded, shutdown.
- ``controls``: the toolbar rows and the menus.
- ``sources``: the source box, opening files, recent files, and the pump (pause, step, seek, loop).
- ``layout``: the video beside or above the charts, toolbars that wrap, a first window that fits the screen.
- ``status_line``: the status line and the banner (what the window tells the user).
- ``worker``: ``InferenceWorker``, the thread that runs the pipeline on the newest frame.
- ``video_view``: the frame with each face's box and label; ``seek_bar``: position in a file.
- ``presentation``: presentation mode (F11) for a projector.
- ``shortcuts``: every key in one table; ``help_overlay``: the F1 overlay built from it.
- ``error_reporting``: an exception in a slot becomes a logged traceback and a banner line.
"""
