"""``train``: a configuration and a dataset → a checkpointed Keras model.

- ``config``: ``TrainConfig``, saved resolved beside every run.
- ``run_plan``: all that ``train`` decides before TensorFlow loads (data, schedule, the run folder).
- ``backend``: TensorFlow, JAX or PyTorch, and on which devices.
- ``models``: the architectures; ``training``: the fit loop with checkpoints and resume.
- ``metrics``, ``nan_guard``, ``progress_lines``: measures, the stop on a non-finite loss, the window's lines.
- ``spec_building``: the model spec written beside every model; ``keras_files``: reproducible ``.keras``.
"""
