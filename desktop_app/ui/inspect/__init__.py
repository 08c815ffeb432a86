"""What the model saw of one face, opened from a paused frame (I, or a click).

- ``inspector``: ``InspectorDialog``: the crop the model read, its input, the occlusion map, landmarks and
  face geometry, and a second model's reading of the same face.
"""
