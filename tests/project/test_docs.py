"""The manual builds with ``mkdocs build --strict`` and the README's relative links lead somewhere.

The strict build is what keeps the manual from rotting: a link to a missing page, an anchor that no
heading makes, or a page left out of the navigation is a warning, and ``strict: true`` (mkdocs.yml)
turns every warning into a failed build. The second test breaks a copy of the manual in each of those
ways, so a weakened ``mkdocs.yml`` (strict or validation switched off) fails here too.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from markdown.extensions.toc import slugify

from support.repo import REPO

README = REPO / "README.md"
README_MAX_LINES = 300  # issue 18: the README is a front door, the manual lives in docs/
# A Markdown link or image: [text](target) or ![alt](target); the target up to a space or ")".
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def build(config: Path, site: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}  # Material's banner about MkDocs 2.0, not a warning
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config),
                           "--site-dir", str(site)], capture_output=True, text=True, timeout=300, env=env)


def test_the_manual_builds_strict_with_every_page(tmp_path):
    done = build(REPO / "mkdocs.yml", tmp_path / "site")
    assert done.returncode == 0, done.stderr[-4000:]
    pages = sorted(p.relative_to(REPO / "docs") for p in (REPO / "docs").rglob("*.md"))
    assert len(pages) >= 12  # the index and the eleven topics of issue 18
    for page in pages:
        html = "index.html" if page.stem == "index" else f"{page.with_suffix('')}/index.html"
        assert (tmp_path / "site" / page.parent / html).is_file(), page
    for shot in (REPO / "docs" / "screenshots").glob("*.png"):
        assert (tmp_path / "site" / "screenshots" / shot.name).is_file(), shot.name
    # Material's default theme fetches Google Fonts; `font: false` keeps the site readable offline.
    for html in (tmp_path / "site").rglob("*.html"):
        assert "fonts.googleapis.com" not in html.read_text(encoding="utf-8"), html


@pytest.mark.parametrize("fault, message", [
    ("link", "contains a link 'no-such-page.md', but the target is not found"),
    ("anchor", "contains a link 'window.md#no-such-heading', but the doc 'window.md' does not contain an anchor"),
    ("orphan", "pages exist in the docs directory, but are not included in the \"nav\" configuration"),
])
def test_a_broken_manual_fails_the_build(tmp_path, fault, message):
    shutil.copytree(REPO / "docs", tmp_path / "docs")
    shutil.copy(REPO / "mkdocs.yml", tmp_path / "mkdocs.yml")
    index = tmp_path / "docs" / "index.md"
    if fault == "link":
        index.write_text(index.read_text(encoding="utf-8") + "\n[gone](no-such-page.md)\n", encoding="utf-8")
    elif fault == "anchor":
        index.write_text(index.read_text(encoding="utf-8") + "\n[gone](window.md#no-such-heading)\n",
                         encoding="utf-8")
    else:
        (tmp_path / "docs" / "forgotten.md").write_text("# A page nobody listed\n", encoding="utf-8")
    done = build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert done.returncode != 0
    assert message in done.stderr, done.stderr[-4000:]


def anchors(markdown_file: Path) -> set[str]:
    """The ids MkDocs gives the file's headings (Python-Markdown's toc slugify), code blocks left out."""
    text = FENCE.sub("", markdown_file.read_text(encoding="utf-8"))
    return {slugify(title, "-") for title in HEADING.findall(text)}


def readme_links() -> list[str]:
    text = FENCE.sub("", README.read_text(encoding="utf-8"))
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


def test_the_readme_links_resolve_to_files_and_headings():
    targets = readme_links()
    assert any(t.startswith("docs/") for t in targets), "the README links into the manual"
    for target in targets:
        path, _, anchor = target.partition("#")
        file = (REPO / path).resolve() if path else README
        assert file.is_relative_to(REPO), target
        assert file.exists(), f"README links to {target}, which does not exist"
        if anchor:
            assert anchor in anchors(file), f"README links to {target}: no heading makes #{anchor}"


def test_the_readme_links_to_every_page_of_the_manual():
    linked = {(REPO / t.partition("#")[0]).resolve() for t in readme_links()}
    for page in (REPO / "docs").rglob("*.md"):
        assert page.resolve() in linked, f"README does not link to {page.relative_to(REPO)}"


def test_the_readme_stays_short():
    lines = README.read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move the detail into docs/"
