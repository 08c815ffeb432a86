"""Training, evaluation and export of the expression classifier (issue 5).

``python -m model_training --help`` lists the commands. The library functions are importable on their
own (``datasets``, ``input_pipeline``, ``training``, ``evaluation``, ``export``); TensorFlow is only
imported by the modules that need it.

Importing this package switches TensorFlow's oneDNN CPU kernels off (before TensorFlow is imported, the
only moment the setting is read): TF 2.21's oneDNN ``Conv2DBackpropFilter`` corrupts the heap when
training the default 64×64 mini-Xception (SIGSEGV/SIGABRT in epoch 1). ``setdefault`` leaves a value the
user set alone: ``TF_ENABLE_ONEDNN_OPTS=1`` turns oneDNN back on (README, "Training a model").
"""
import os

os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
