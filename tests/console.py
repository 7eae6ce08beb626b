"""Replay the ``console`` blocks of the markdown docs: the examples cannot drift.

**Blocks.** A ```` ```console ```` block is a sequence of ``$ command`` lines, each followed
by what it prints on a terminal (standard output and standard error, interleaved). A
command may go on over several lines inside a quoted string or after a trailing ``\\``;
``# ...`` after it is a comment.

**Sessions.** The blocks of a document run in sessions. A session starts at a directive,
an HTML comment (invisible on GitHub) just before its first block::

    <!-- replay:
    copy seeds/awesome-lm-system.md
    copy tests/data/md/sync_v2.md as list-v2.md
    services
    $ lmsdb import list-v1.md
    -->

Each line is one instruction, run in a fresh empty directory: ``copy PATH [as NAME]``
copies a file of the repository there (to the same relative path, or to NAME); ``$ COMMAND``
runs a command whose output is not shown (it must succeed); any other line names a hook
that the test provides: ``services`` answers `lmsdb enrich` and `lmsdb add` from the
replayed metadata services (``tests/fake_services.py``, on loopback, with a clock that
never sleeps), ``servers return at once`` makes `lmsdb serve` return where it would start
serving (after printing what it serves). The blocks that follow, up to
the next directive, run in that directory in order, as one terminal session would. The
database is the default one, ``lmsdb.sqlite`` in that directory.

**The shell.** Commands run in-process (click's runner), through a small shell that
knows what the docs use and refuses anything else: ``lmsdb ...``, ``echo``, ``cat``,
``head -N``, ``tail -N`` and ``grep [-v] PATTERN``; pipes ``|``, lists ``;``, and the
redirections ``> FILE``, ``2> FILE``, ``2>&1`` (``/dev/null`` included); ``$?`` is the
last exit status. A piped command that writes to the terminal's stderr is refused: on a
real terminal its lines would land anywhere among the pipe's output.

**What is not compared byte for byte** (:data:`NORMALISE`): trailing whitespace, and
calendar dates (``2026-11-28``), which `lmsdb show` prints for the day enrichment ran.
Standard output is not a terminal, as on a terminal wider than every line: tables are
never cut to the terminal's width (that is what `lmsdb sql` does when piped too); the
terminal is 100 columns wide for what reads ``COLUMNS``.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

# (pattern, replacement, why): applied to every line, documented and printed, before the
# comparison. Nothing else may differ.
NORMALISE: list[tuple[str, str, str]] = [
    (r"\s+$", "", "trailing whitespace"),
    (r"\b\d{4}-\d\d-\d\d\b", "YYYY-MM-DD", "the date a command ran"),
]

_DIRECTIVE = re.compile(r"<!--\s*replay:(.*?)-->", re.S)
_FENCE = re.compile(r"^\s*(```+|~~~+)\s*(\S*)")


@dataclass
class Step:
    command: str
    line: int
    expected: list[str] = field(default_factory=list)


@dataclass
class Session:
    doc: str                      # the document, relative to the repository
    line: int                     # the directive's line
    title: str                    # the heading it is under
    setup: list[str] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}"


class DocError(ValueError):
    """A document that the replay cannot read (a block outside any session, ...)."""


def normalise(line: str) -> str:
    for pattern, repl, _why in NORMALISE:
        line = re.sub(pattern, repl, line)
    return line


def _complete(command: str) -> bool:
    if command.endswith("\\"):
        return False
    try:
        shlex.split(_strip_comment(command))
    except ValueError:
        return False
    return True


def sessions(path: Path, root: Path) -> list[Session]:
    """The sessions of a markdown document, with their console steps, in order."""
    doc = path.relative_to(root).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Session] = []
    title = ""
    fence: str | None = None
    console = False
    i = 0
    while i < len(lines):
        line = lines[i]
        m = _FENCE.match(line)
        if fence is None and m:
            fence, console = m.group(1), m.group(2) == "console"
            if console and not out:
                raise DocError(f"{doc}:{i + 1}: a console block before any <!-- replay: -->")
        elif fence is not None and line.strip() == fence:
            fence, console = None, False
        elif console:
            if line.startswith("$ "):
                start, command = i, line[2:]
                while not _complete(command) and i + 1 < len(lines):
                    i += 1
                    command += "\n" + lines[i]
                out[-1].steps.append(Step(command, start + 1))
            elif not out[-1].steps:
                raise DocError(f"{doc}:{i + 1}: a console block must start with '$ '")
            else:
                out[-1].steps[-1].expected.append(line)
        elif fence is None and re.match(r"#{1,6} ", line):
            title = line.lstrip("#").strip()
        elif fence is None and "<!--" in line and "replay:" in line:
            start = i
            body = line
            while "-->" not in body and i + 1 < len(lines):
                i += 1
                body += "\n" + lines[i]
            d = _DIRECTIVE.search(body)
            if d is None:
                raise DocError(f"{doc}:{start + 1}: an unterminated replay directive")
            setup = [x.strip() for x in d.group(1).splitlines() if x.strip()]
            out.append(Session(doc, start + 1, title, setup))
        i += 1
    return out


# ------------------------------------------------------------------------------ the shell


@contextmanager
def _cwd(path: Path) -> Iterator[None]:
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def _strip_comment(command: str) -> str:
    """``command`` without a ``# comment`` (a ``#`` outside quotes that starts a word)."""
    quote = None
    prev = " "
    for k, ch in enumerate(command):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and prev.isspace():
            return command[:k].rstrip()
        prev = ch
    return command


@dataclass
class _Out:
    """What one command printed: its stdout, its stderr, both as they interleaved."""
    stdout: str
    stderr: str
    both: str
    rc: int


class Shell:
    """The small shell of the module docstring, in directory ``workdir``."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.rc = 0

    def run(self, command: str) -> list[str]:
        """Run one ``$`` command; returns the lines the terminal shows."""
        text = _strip_comment(command.replace("\\\n", " "))
        lex = shlex.shlex(text, posix=True, punctuation_chars="|;")
        lex.whitespace_split = True
        lex.commenters = ""
        tokens = list(lex)
        shown: list[str] = []
        pipeline: list[list[str]] = [[]]
        for tok in [*tokens, ";"]:
            if tok == ";":
                if pipeline != [[]]:
                    shown += self._pipeline(pipeline, command)
                pipeline = [[]]
            elif tok == "|":
                pipeline.append([])
            else:
                pipeline[-1].append(tok)
        return shown

    def _pipeline(self, stages: list[list[str]], command: str) -> list[str]:
        terminal = ""
        data: str | None = None
        for n, words in enumerate(stages):
            last = n == len(stages) - 1
            argv, fd1, fd2 = self._redirections(words, "tty" if last else "pipe")
            out = self._command(argv, data)
            to: dict[str, str] = {}
            if fd1 == fd2:
                to[fd1] = out.both
            else:
                to[fd1], to[fd2] = out.stdout, out.stderr
            for target, value in to.items():
                if target == "tty":
                    if not last and value:
                        raise AssertionError(
                            f"$ {command}\n{argv[0]} writes to the terminal's stderr inside a "
                            "pipe, where its lines land anywhere: redirect it (2>/dev/null)")
                    terminal += value
                elif target not in ("pipe", "/dev/null"):
                    (self.workdir / target).write_text(value, encoding="utf-8")
            data = to.get("pipe", "")
            self.rc = out.rc
        return terminal.splitlines()

    @staticmethod
    def _redirections(words: list[str], fd1: str) -> tuple[list[str], str, str]:
        argv: list[str] = []
        fd2 = "tty"
        it = iter(words)
        for w in it:
            m = re.fullmatch(r"([12]?)>(&1|.*)", w)
            if not m:
                argv.append(w)
                continue
            target = m.group(2) or next(it)
            assert not target.startswith(">"), f"the replay's shell does not append ({w})"
            if m.group(1) == "2":
                fd2 = fd1 if target == "&1" else target
            else:
                fd1 = target
        return argv, fd1, fd2

    def _command(self, argv: list[str], data: str | None) -> _Out:
        name, args = argv[0], [a.replace("$?", str(self.rc)) for a in argv[1:]]
        if name == "lmsdb":
            return self._lmsdb(args, data)
        if name == "echo":
            return self._ok(" ".join(args) + "\n")
        if name == "cat":
            return self._ok("".join(self._read(a) for a in args) if args else data or "")
        if name in ("head", "tail"):
            m = re.fullmatch(r"-(\d+)", args[0]) if args else None
            assert m, f"{name} takes -N here, not {args}"
            lines = (self._read(args[1]) if len(args) > 1 else data or "").splitlines(True)
            n = int(m.group(1))
            return self._ok("".join(lines[:n] if name == "head" else lines[-n:] if n else []))
        if name == "grep":
            invert = args[:1] == ["-v"]
            pattern = re.compile(args[-1])
            lines = (data or "").splitlines(True)
            kept = [x for x in lines if bool(pattern.search(x)) != invert]
            return _Out("".join(kept), "", "".join(kept), 0 if kept else 1)
        raise AssertionError(f"the replay's shell runs lmsdb, echo, cat, head, tail and grep, "
                             f"not {name!r}")

    def _read(self, name: str) -> str:
        return (self.workdir / name).read_text(encoding="utf-8")

    @staticmethod
    def _ok(text: str) -> _Out:
        return _Out(text, "", text, 0)

    def _lmsdb(self, args: list[str], data: str | None) -> _Out:
        from lmsdb.cli.app import cli

        with _cwd(self.workdir):
            res = CliRunner().invoke(cli, args, input=data, catch_exceptions=False,
                                     env={"LMSDB_DATABASE_URL": None, "COLUMNS": "100"})
        return _Out(res.stdout, res.stderr, res.output, res.exit_code)


# ----------------------------------------------------------------------------- replaying


def set_up(session: Session, workdir: Path, root: Path,
           hooks: dict[str, Callable[[], None]] | None = None) -> Shell:
    """Run a session's directive in ``workdir``; ``hooks`` maps the other instructions
    (``services``, ...) to what the test does for them."""
    shell = Shell(workdir)
    for instruction in session.setup:
        word, _, rest = instruction.partition(" ")
        if word == "copy":
            src, _, dest = rest.partition(" as ")
            target = workdir / (dest.strip() or src.strip())
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(root / src.strip(), target)
        elif word == "$":
            shown = shell.run(rest)
            assert shell.rc == 0, f"{session.id}: set-up `{rest}` failed:\n" + "\n".join(shown)
        elif instruction in (hooks or {}):
            (hooks or {})[instruction]()
        else:
            raise DocError(f"{session.id}: unknown replay instruction {instruction!r}")
    return shell


def replay(session: Session, shell: Shell) -> list[tuple[Step, list[str]]]:
    """Run a session's steps; returns ``(step, what it printed)`` for each that differs."""
    wrong = []
    for step in session.steps:
        got = shell.run(step.command)
        if [normalise(x) for x in got] != [normalise(x) for x in step.expected]:
            wrong.append((step, got))
    return wrong


def report(session: Session, wrong: list[tuple[Step, list[str]]]) -> str:
    """The differences, for a failing test: each command, documented and printed."""
    return "\n\n".join(
        f"{session.doc}:{step.line}: $ {step.command}\n--- documented\n"
        + "\n".join(step.expected) + "\n--- printed\n" + "\n".join(got)
        for step, got in wrong)
