"""Real-time facial expression recognition: a Qt-free core (``desktop_app.core``) and a PySide6 UI."""
