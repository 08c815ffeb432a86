"""The window's charts (pyqtgraph), sized from explicit point sizes so presentation mode can scale them.

- ``chart_text``: point sizes, fonts, the probability axis's ticks, room for its last tick's text.
- ``label_bars``: ``LabelBars``, one bar per label: the selected face, the new model, the room's shares.
- ``rolling_graph``: ``RollingGraph``, each label's probability over the last seconds.
- ``valence_arousal_plane``: the faces' valence and arousal, for a model that has them.
"""
