"""The training kit's command line (``python -m model_training``, ``facial-expression-training``); its
``main`` is ``model_training/__main__.py``, which parses, quietens and dispatches.

- ``parser``: every command's flags, one function a command (``FLAGS``), and ``build_parser``.
- ``commands``: one runner a command (``COMMANDS``), each a call into the library that does the work.
- ``quiet_output``: the libraries' own INFO lines (OpenCV's, LiteRT's banner) kept off a refusal's one
  ``error:`` line.

No module here imports TensorFlow at its top: ``--help`` and a refusal while parsing never load it.
"""
