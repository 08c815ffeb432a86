"""What the tests share that is not a fixture: media writers, oracles, small datasets, CLI runners.

- ``repo``: where the checkout is; ``media``: videos the tests write; ``cli``: the app's CLI in a
  subprocess and its one-line errors; ``models``: real models with their specs changed;
  ``mediapipe_oracle``: MediaPipe Tasks as the oracle; ``real_face_crops``: real labelled face crops;
  ``training_runs``: small synthetic datasets and runs for the training tests; ``manual``: the
  README and docs/ pages, for tests that pin what they promise.
"""
