"""The one base class for errors a user can cause and fix: a bad flag, a missing or damaged file, a folder
that is not a dataset. Every ``main`` catches ``(UserError, OSError)`` and prints one ``error:`` line with
exit 2; anything else is a bug and gets the bug path (one line, the traceback in the error log)."""
from __future__ import annotations


class UserError(Exception):
    """Raised with a message a user can act on; each domain subclasses it (``ModelSpecError``, ...)."""
