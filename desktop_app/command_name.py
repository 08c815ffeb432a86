"""The command as the user typed it, for usage lines: ``facial-expressions`` or ``facial-expression-training``
when the installed console command started the process, else ``python -m desktop_app`` (or
``model_training``).

argparse's own default is the name of ``sys.argv[0]``, which is right for a console command but, on Python
3.11, reads ``__main__.py`` under ``python -m``; and a parser built inside another program (pytest, a
notebook) would show that program's name. So the name is taken from ``sys.argv[0]`` only when it is one of
this package's console commands, as its installed metadata lists them (``[project.scripts]`` in
``pyproject.toml``, the one place they are named). Standard library only, so ``--help`` stays quick.
"""
from __future__ import annotations

import sys
from pathlib import Path


def command_name(package: str) -> str:
    """``package``'s console command if that is what ``sys.argv[0]`` names, else ``python -m package``."""
    argv = getattr(sys, "argv", None) or [""]
    typed = Path(argv[0]).name  # a console command's wrapper leaves its own name here (without .exe)
    if typed and typed != "__main__.py":
        from importlib.metadata import entry_points

        if any(ep.module.partition(".")[0] == package for ep in entry_points(group="console_scripts", name=typed)):
            return typed
    return f"python -m {package}"
