"""Training, evaluation and export of the expression classifier.

``python -m model_training --help`` lists the commands. The packages, highest layer first (checked by
import-linter, ``pyproject.toml``): ``cli/`` (the command line); ``bench/``; ``audit/`` (evaluate, audit)
and ``export/``; ``finetune/``; ``train/``; ``data/``. TensorFlow is only imported by the functions that need it.

Importing this package switches TensorFlow's oneDNN CPU kernels off (before TensorFlow is imported, the
only moment the setting is read): TF 2.21's oneDNN ``Conv2DBackpropFilter`` corrupts the heap when
training the default 64×64 mini-Xception (SIGSEGV/SIGABRT in epoch 1). ``setdefault`` leaves a value the
user set alone: ``TF_ENABLE_ONEDNN_OPTS=1`` turns oneDNN back on (docs/training.md, "oneDNN is off on the CPU").
"""
import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
