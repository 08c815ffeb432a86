"""``train --init-from``: fine-tune an existing model on a few hundred captured crops.

- ``init_from``: find the base's Keras form and spec, and give it AffectNet's head.
- ``fine_tune_data``: the crops it trains on and is judged on, decided before TensorFlow loads.
- ``fine_tune``: the two phases (head, then all layers with BatchNorm frozen).
- ``fine_tune_report``: the base's and the new model's scores on the held-out crops.
"""
