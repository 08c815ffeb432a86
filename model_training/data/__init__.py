"""What training reads: datasets, labels, crops and the streaming input.

- ``labels``: AffectNet's eight classes and the mapping of label names onto them.
- ``datasets``: readers for AffectNet's layout, the app's captured datasets and plain folders.
- ``exclusions``: images a person excluded (``exclusions.txt``).
- ``face_crops``: whole photos → cached face crops (sources marked ``:crop``).
- ``input_pipeline``: a ``keras.utils.PyDataset`` over OpenCV decoding, for every backend.
- ``image_batches``: labelled files → batches prepared exactly as the app prepares them.
- ``near_duplicates``: near-duplicate images by difference hash.
- ``synthetic`` and ``face_samples``: a synthetic AffectNet-shaped set and real face crops, made locally.
"""
