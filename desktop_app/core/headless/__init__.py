"""The library under the headless commands, callable from Python without the CLI.

- ``analysis``: ``analyze`` (files or the demo → CSV, annotated video, a summary) with ``AnalyzeOptions``.
- ``analysis_outputs``: the CSV's columns and rows and the outputs written under temporary names.
- ``file_capture``: ``capture`` (labelled samples from files into a dataset) with ``CaptureOptions``.
"""
