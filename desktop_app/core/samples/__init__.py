"""Captured, labelled face samples on disk: nothing a user asked to save is ever lost.

- ``sample_store``: ``SampleStore`` opens a dataset, saves, relabels, deletes and restores samples.
- ``sample_records``: what a sample is; the allowed names and labels; the capture crop margin.
- ``sample_manifest``: ``manifest.jsonl``, the dataset's event log, and its one reader.
- ``sample_recovery``: repairing a dataset after a crash.
- ``durable_files``: crash-safe file primitives (temporary name, fsync, atomic rename).
- ``original_frames``: the whole frame a sample was cut from, kept on request.
- ``capture_queue``: the window's capture requests, in order, until they are on disk.
"""
