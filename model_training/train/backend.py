"""Which Keras backend trains (TensorFlow, JAX or PyTorch) and on which devices.

The backend must be chosen before ``keras`` is first imported, so ``select_backend`` runs in the CLI
right after the flags are parsed. ``setup_devices`` then spreads training over every accelerator the
backend sees: ``MirroredStrategy`` on TensorFlow, ``keras.distribution.DataParallel`` on JAX; Keras'
PyTorch backend trains on one device. ``MODEL_TRAINING_CPU_DEVICES=N`` splits the CPU into N logical
devices so the multi-device path can be exercised (and tested) on a machine with no GPU.
"""
from __future__ import annotations

import contextlib
import importlib.util
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from model_training.data.labels import DataError

BACKENDS = ("tensorflow", "jax", "torch")
DEFAULT_BACKEND = "tensorflow"
CPU_DEVICES_ENV = "MODEL_TRAINING_CPU_DEVICES"
XLA_DEVICE_COUNT = "--xla_force_host_platform_device_count"
INSTALL_HINT = {
    "tensorflow": "pip install -r model_training/requirements.txt",
    "jax": "pip install jax (CPU) or jax[cuda12] (NVIDIA on Linux)",
    "torch": "pip install torch (see pytorch.org for the CUDA build on Windows)",
}


def installed(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def cpu_device_count() -> int:
    """``MODEL_TRAINING_CPU_DEVICES`` (1 when unset); DataError when it is not a positive integer."""
    text = os.environ.get(CPU_DEVICES_ENV, "1")
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise DataError(f"{CPU_DEVICES_ENV} must be a positive integer, not {text!r}")
    return count


def select_backend(name: str | None = None) -> str:
    """Make ``name`` (else ``$KERAS_BACKEND``, else TensorFlow, else the first installed of JAX and
    PyTorch) the Keras backend of this process.

    DataError when it is unknown, not installed, or when Keras is already loaded with another one."""
    name = name or os.environ.get("KERAS_BACKEND") or next((b for b in BACKENDS if installed(b)),
                                                            DEFAULT_BACKEND)
    if name not in BACKENDS:
        raise DataError(f"backend must be one of {', '.join(BACKENDS)}, not {name!r}")
    if not installed(name):
        raise DataError(f"the {name} backend is not installed: {INSTALL_HINT[name]}")
    keras = sys.modules.get("keras")
    if keras is not None and keras.backend.backend() != name:
        raise DataError(f"Keras is already loaded with the {keras.backend.backend()} backend in this "
                        f"process; start a new one for {name}")
    os.environ["KERAS_BACKEND"] = name
    count = cpu_device_count()
    flags = os.environ.get("XLA_FLAGS", "")
    if name == "jax" and count > 1 and XLA_DEVICE_COUNT not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {XLA_DEVICE_COUNT}={count}".strip()
    return name


@dataclass
class Devices:
    """What ``train`` runs on: the backend, the devices in use, and the scope to build the model in."""
    backend: str
    names: list[str]
    scope: Callable[[], contextlib.AbstractContextManager] = field(default=contextlib.nullcontext)

    @property
    def batch_multiple(self) -> int:
        """What every batch size must be a multiple of: JAX shards each batch evenly over its devices."""
        return len(self.names) if self.backend == "jax" else 1

    def describe(self) -> str:
        many = f"{len(self.names)} replicas" if len(self.names) > 1 else "1 device"
        return f"backend {self.backend}: {many} ({', '.join(self.names)})"


def setup_devices(mixed_precision: bool) -> Devices:
    """Data-parallel over every GPU (or over ``MODEL_TRAINING_CPU_DEVICES`` CPU devices); mixed float16
    on request (the model's softmax stays float32)."""
    import keras

    keras.mixed_precision.set_global_policy("mixed_float16" if mixed_precision else "float32")
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _tensorflow_devices()
    if backend == "jax":
        return _jax_devices()
    return _torch_devices()


def _tensorflow_devices() -> Devices:
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised (a second run in the same process)
            pass
    count = cpu_device_count()
    if not gpus and count > 1:
        cpu = tf.config.list_physical_devices("CPU")[0]
        try:
            tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
        except RuntimeError:  # the runtime is up already: keep what it has
            pass
    kind = "GPU" if gpus else "CPU"
    names = [d.name for d in tf.config.list_logical_devices(kind)]
    if len(names) > 1:
        strategy = tf.distribute.MirroredStrategy(names)
        return Devices("tensorflow", names, strategy.scope)
    return Devices("tensorflow", names or ["/CPU:0"])


def _jax_devices() -> Devices:
    import jax
    import keras

    devices = jax.devices()
    names = [str(d) for d in devices]
    if len(devices) > 1:
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    return Devices("jax", names)


def _torch_devices() -> Devices:
    import torch

    if torch.cuda.is_available():
        count = torch.cuda.device_count()
        name = f"cuda:0 {torch.cuda.get_device_name(0)}"
        if count > 1:
            print(f"Keras' PyTorch backend trains on one GPU: using 1 of {count}", flush=True)
        return Devices("torch", [name])
    return Devices("torch", ["cpu"])
