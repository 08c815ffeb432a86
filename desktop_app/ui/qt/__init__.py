"""Qt plumbing the rest of the window stands on; it imports no other ui package.

- ``gui_app``: the QApplication, with garbage collected on the GUI thread only.
- ``qt_environment``: is there a screen; undo what importing cv2 does to Qt's plugin path.
- ``images_qt``: BGR ndarray → QPixmap.
"""
