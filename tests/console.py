"""Replay the ``console`` blocks of a markdown document (the docs cannot drift).

A block is a sequence of ``$ command`` lines, each followed by the output it prints
(standard output and standard error, interleaved as a terminal shows them). Commands are
``lmsdb ...`` (run in-process with click's runner), ``cat FILE`` and ``echo $?``. Each
``## `` section of the document runs in a fresh directory prepared by the caller.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


@dataclass
class Section:
    title: str
    steps: list[Step] = field(default_factory=list)


def sections(text: str) -> list[Section]:
    """The console steps of each ``## `` section, in order."""
    out: list[Section] = []
    in_block = False
    for line in text.splitlines():
        if line.startswith("## ") and not in_block:
            out.append(Section(line[3:].strip()))
        elif line.strip() == "```console":
            in_block = True
        elif line.strip() == "```" and in_block:
            in_block = False
        elif in_block and out:
            if line.startswith("$ "):
                out[-1].steps.append(Step(line[2:]))
            elif out[-1].steps:
                out[-1].steps[-1].expected.append(line)
    return out


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def run(step: str, workdir: Path, state: dict[str, int]) -> list[str]:
    """Run one command in ``workdir``; returns its output lines."""
    from lmsdb.cli.app import cli

    args = shlex.split(step)
    if args[0] == "cat":
        return (workdir / args[1]).read_text(encoding="utf-8").splitlines()
    if args == ["echo", "$?"]:
        return [str(state.get("rc", 0))]
    assert args[0] == "lmsdb", f"the replay runs lmsdb, cat and echo $?, not {args[0]}"
    with _cwd(workdir):
        res = CliRunner().invoke(cli, args[1:], catch_exceptions=False, env={
            "LMSDB_DATABASE_URL": f"sqlite:///{workdir / 'lmsdb.sqlite'}", "COLUMNS": "100"})
    state["rc"] = res.exit_code
    return res.output.splitlines()


def replay(section: Section, workdir: Path,
           write: Callable[[Step, list[str]], None] | None = None) -> list[tuple[str, list[str],
                                                                            list[str]]]:
    """Run a section's steps; returns ``(command, expected, got)`` for each that differs."""
    state: dict[str, int] = {}
    wrong = []
    for step in section.steps:
        got = run(step.command, workdir, state)
        if write is not None:
            write(step, got)
        if [_trim(x) for x in got] != [_trim(x) for x in step.expected]:
            wrong.append((step.command, step.expected, got))
    return wrong


def _trim(line: str) -> str:
    return re.sub(r"\s+$", "", line)
