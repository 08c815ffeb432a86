"""``make mutation`` reads pyproject's [tool.mutation]: every module it mutates and every test selection
that guards one must exist, so a moved file fails here rather than in a run started by hand hours later."""
from __future__ import annotations

import tomllib

from support.repo import REPO


def test_every_mutated_module_and_its_tests_exist():
    modules = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutation"]["modules"]
    assert modules
    missing = [path for module, tests in modules.items() for path in [module, *tests] if not (REPO / path).is_file()]
    assert missing == []
