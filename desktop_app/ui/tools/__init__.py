"""Programs that drive the real window: they import ``window/``; no other ui package imports them.

- ``screenshots``: the manual's pictures (``python -m desktop_app.ui.tools.screenshots``).
- ``bench_window``: latency and dropped frames of the window on a written clip (``bench-window``).
- ``bench_soak``: memory over a long run of the window (``bench-soak``).
- ``xvfb``: a virtual X server and a window manager to run them in.
"""
