"""Mutation testing of the modules that hold the manual's promises (``make mutation``).

Each module listed under ``[tool.mutation.modules]`` in pyproject.toml is mutated by cosmic-ray, one small
change at a time (an operator swapped, a number or a comparison changed, a statement removed), and the tests
named beside it run against every mutant. A mutant the tests still pass is a behaviour no test would
notice breaking. cosmic-ray edits the source files in place, so this runs in a copy of the checkout (the
tracked files and the untracked ones git does not ignore); the checkout itself is never touched.

Too slow for every CI run (minutes per module on 2 cores): run it by hand, ``nice``d, and record the score,
the date and the survivors judged harmless in the manual.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Score:
    module: str
    killed: int
    survived: int
    incompetent: int  # mutants that broke the import itself; counted as neither
    survivors: list[str]  # the surviving mutants' diffs
    untested: int = 0  # mutants not reached before --minutes ran out

    def format(self) -> str:
        tested = self.killed + self.survived
        rate = f"{100.0 * self.killed / tested:.1f}%" if tested else "n/a"
        stopped = f"; stopped with {self.untested} untested" if self.untested else ""
        return (f"{self.module}: {rate} killed ({self.killed} of {tested} mutants; "
                f"{self.survived} survived, {self.incompetent} incompetent{stopped})")


def settings() -> dict:
    """``[tool.mutation]`` of pyproject.toml: modules → their tests, the timeout, operators left out."""
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mutation"]


def copy_checkout(dest: Path) -> None:
    """The checkout's tracked and unignored files, without .git: cosmic-ray mutates this copy."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def config_text(module: str, tests: list[str], timeout: float, exclude: list[str]) -> str:
    command = " ".join([sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests])
    return "\n".join([
        "[cosmic-ray]",
        f"module-path = {json.dumps(module)}",
        f"timeout = {float(timeout)}",
        "excluded-modules = []",
        f"test-command = {json.dumps(command)}",
        "[cosmic-ray.distributor]",
        'name = "local"',
        "[cosmic-ray.filters.operators-filter]",
        f"exclude-operators = {json.dumps(exclude)}",
        "",
    ])


def score_session(module: str, session: Path, work: Path) -> Score:
    """Counts from ``cosmic-ray dump`` (its own survival rate counts filtered mutants as killed)."""
    dump = subprocess.run(["cosmic-ray", "dump", str(session)], cwd=work, check=True, capture_output=True,
                          text=True).stdout
    outcomes: Counter[str] = Counter()
    survivors = []
    untested = 0
    for line in filter(None, dump.splitlines()):
        item, result = json.loads(line)
        if not result:
            untested += 1
            continue
        if result.get("worker_outcome") == "skipped":
            continue
        outcome = result.get("test_outcome") or result.get("worker_outcome")
        outcomes[outcome] += 1
        if outcome == "survived":
            survivors.append(result.get("diff") or json.dumps(item["mutations"]))
    return Score(module, outcomes["killed"] + outcomes["timeout"], outcomes["survived"], outcomes["incompetent"],
                 survivors, untested)


def mutate(module: str, tests: list[str], work: Path, timeout: float, exclude: list[str],
           deadline: float | None = None) -> Score:
    """Init, filter and run one module's cosmic-ray session inside ``work`` (a copy of the checkout). At
    ``deadline`` (a ``time.monotonic()`` value) the run is stopped and what it tested so far is scored."""
    name = module.replace("/", "_").removesuffix(".py")
    config, session = work / f"{name}.toml", work / f"{name}.sqlite"
    config.write_text(config_text(module, tests, timeout, exclude), encoding="utf-8")
    for step in (["cosmic-ray", "init", str(config), str(session), "--force"],
                 ["cr-filter-operators", str(session), str(config)]):
        subprocess.run(step, cwd=work, check=True)
    run_until(["cosmic-ray", "exec", str(config), str(session)], work, deadline)
    return score_session(module, session, work)


def run_until(command: list[str], cwd: Path, deadline: float | None) -> None:
    """Run ``command``; past ``deadline`` end it and every mutant's test run it started (its own process
    group). A stopped run leaves the copy's module mutated, so the caller mutates nothing more."""
    with subprocess.Popen(command, cwd=cwd, start_new_session=True) as proc:
        try:
            code = proc.wait(None if deadline is None else max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            return
    if code != 0:
        raise subprocess.CalledProcessError(code, command)


def main(argv: list[str] | None = None) -> int:
    setup = settings()
    modules: dict[str, list[str]] = setup["modules"]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("modules", nargs="*", metavar="MODULE",
                        help=f"modules to mutate (default: all of pyproject's [tool.mutation.modules]: "
                             f"{', '.join(modules)})")
    parser.add_argument("--report", type=Path, default=REPO / "mutation-report.txt",
                        help="where the scores and every surviving mutant's diff are written")
    parser.add_argument("--tests", nargs="+", metavar="TEST",
                        help="run these tests against every mutant instead of the module's own selection "
                             "(a smaller, faster one first)")
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop after this many minutes and score the mutants tested so far (default: no limit)")
    args = parser.parse_args(argv)
    unknown = [m for m in args.modules if m not in modules]
    if unknown:
        print(f"error: not in [tool.mutation.modules]: {', '.join(unknown)}", file=sys.stderr)
        return 2
    bin_dir = str(Path(sys.executable).parent)  # cosmic-ray and cr-* beside this Python
    os.environ["PATH"] = bin_dir + os.pathsep + os.environ.get("PATH", "")
    lines = []
    with tempfile.TemporaryDirectory(prefix="mutation-") as tmp:
        work = Path(tmp)
        copy_checkout(work)
        deadline = None if args.minutes is None else time.monotonic() + 60 * args.minutes
        for module in args.modules or list(modules):
            score = mutate(module, args.tests or modules[module], work, setup.get("timeout", 300),
                           setup.get("exclude-operators", []), deadline)
            print(score.format(), flush=True)
            lines += [score.format(), *[f"--- surviving mutant\n{diff}" for diff in score.survivors], ""]
            write_report(args.report, lines)  # after each module: a long run stopped midway keeps what it found
            if score.untested:
                break  # out of time, and the stopped module's copy may still hold a mutant
    print(f"scores and surviving mutants: {args.report}")
    return 0


def write_report(path: Path, lines: list[str]) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text("\n".join(lines), encoding="utf-8")
    os.replace(temp, path)


if __name__ == "__main__":
    sys.exit(main())
