"""Errors and warnings about input files, all in one format: ``FILE:LINE: level: message``."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Diagnostic:
    file: str
    line: int | None
    level: str  # "error" | "warning" | "note"
    message: str
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.level}: {self.message}"


class LmsdbError(Exception):
    """A failure the user can act on; the CLI prints it without a traceback."""

    exit_code = 1


class UsageError(LmsdbError):
    """The command was asked for something it cannot do as asked (exit code 2)."""

    exit_code = 2


class SourceError(LmsdbError):
    """Bad input: carries the file, line (and column where known) of the problem."""

    def __init__(self, file: str, line: int | None, message: str, column: int | None = None):
        self.diagnostic = Diagnostic(file, line, "error", message, column)
        super().__init__(str(self.diagnostic))


@dataclass
class Diagnostics:
    """Collects the warnings of one run, in the order they were found."""

    items: list[Diagnostic] = field(default_factory=list)
    # Warnings that something of the input was not kept (text, a table, a skipped row):
    # `import --prune` does not trust such a reading of the list (see lmsdb.sync.listsync).
    not_kept: list[Diagnostic] = field(default_factory=list)

    def warn(self, file: str, line: int | None, message: str) -> None:
        self.items.append(Diagnostic(file, line, "warning", message))

    def warn_not_kept(self, file: str, line: int | None, message: str,
                      column: int | None = None) -> None:
        """A warning that part of the input is not kept in the database."""
        d = Diagnostic(file, line, "warning", message, column)
        self.items.append(d)
        self.not_kept.append(d)

    def note(self, file: str, line: int | None, message: str) -> None:
        self.items.append(Diagnostic(file, line, "note", message))

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.items if d.level == "warning"]
