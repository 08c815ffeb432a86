"""The user's manual as the tests read it: README.md and every Markdown page under docs/, so a promise
is found wherever its sentence lives (the README is being split into docs/ pages with the same text)."""
from __future__ import annotations

import re

from support.repo import REPO


def manual_text() -> str:
    """README.md and docs/**/*.md, one string, every run of whitespace (line breaks too) one space."""
    pages = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    return re.sub(r"\s+", " ", " ".join(p.read_text(encoding="utf-8") for p in pages if p.is_file()))


def promise(pattern: str) -> re.Match:
    """The manual's sentence matching ``pattern`` (a regex over the whitespace-normalised text); fails the
    test, naming the pattern, when the manual no longer says it."""
    found = re.search(pattern, manual_text())
    assert found, f"the manual (README.md, docs/) no longer says: {pattern}"
    return found
