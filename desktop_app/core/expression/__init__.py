"""What the face shows: the expression model, its contract and what explains its answer.

- ``model_spec``: the JSON beside every ``.tflite``, the one contract between training and the app.
- ``preprocessing``: face crops → the model's input batch, as the spec says.
- ``classifier``: ``ExpressionClassifier``, the model in LiteRT, checked against its spec.
- ``model_comparison``: a second model on the same faces (its own crop, its own smoothing).
- ``expression_names`` and ``expression_colors``: one name table and one colour per expression.
- ``occlusion``: which part of the face the model relies on.
"""
