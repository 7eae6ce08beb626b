"""What every ``lmsdb`` command shares: opening the database, turning lmsdb's errors and
warnings into one-line messages and exit codes, where output goes, and the common options.

Data goes to stdout, chatter to stderr. Heavy modules are imported inside the functions
that need them, so that ``lmsdb --help`` starts fast.
"""

from __future__ import annotations

import sys
import warnings
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine

    from lmsdb.api import Database
    from lmsdb.diagnostics import Diagnostics
    from lmsdb.store.locks import Wait

EXIT_CHANGES = 3  # `import --exit-code`: the import changed (or would change) the database

FORMATS = ["table", "csv", "tsv", "json", "jsonl"]


def say(msg: str) -> None:
    """A line of chatter on stderr."""
    click.echo(msg, err=True)


def open_database(ctx: click.Context) -> Database:
    """The database ``--db`` names (see :class:`lmsdb.api.Database`); a URL it refuses is
    ``lmsdb: error: ...`` with the error's exit code. Closed when the command ends."""
    from lmsdb.api.database import Database
    from lmsdb.diagnostics import LmsdbError

    try:
        database = Database(ctx.obj.get("db"))
    except LmsdbError as e:
        say(f"lmsdb: error: {e}")
        sys.exit(e.exit_code)
    ctx.call_on_close(database.close)  # close connections before the process ends
    return database


def wait_option(f: Any) -> Any:
    return click.option(
        "--wait", type=click.FloatRange(min=0), default=60.0, show_default=True,
        metavar="SECONDS",
        help="If another lmsdb command is writing to the database, wait this long for it "
             "(0: do not wait); then work from what it committed.")(f)


def wait_for(seconds: float) -> Wait:
    """``--wait SECONDS`` as the writer lock takes it; waiting is said on stderr."""
    from lmsdb.store.locks import Wait

    if seconds != seconds:  # NaN passes FloatRange
        raise click.BadParameter("not a number", param_hint="--wait")
    return Wait(seconds, say)


def format_options(f: Any) -> Any:
    f = click.option("--no-headers", is_flag=True, help="Omit the header row (table, csv, tsv).")(f)
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
                        show_default=True,
                        help="Output format (also when stdout is not a terminal).")(f)


def years_option(years: str | None) -> tuple[int, int] | None:
    """``--year YEAR[-YEAR]`` as an inclusive range; a bad one is a usage error."""
    if not years:
        return None
    from lmsdb.exporters.bibtex import parse_years

    try:
        return parse_years(years)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--year") from None


def print_diagnostics(diags: Diagnostics) -> None:
    for d in diags.items:
        say(str(d))


def _printed(other: Any) -> Any:
    """A ``warnings.showwarning`` that prints lmsdb's warnings as one line each."""
    from lmsdb.api.errors import LmsdbWarning

    def show(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
        if issubclass(category, LmsdbWarning):
            say(f"lmsdb: warning: {message}")
        else:
            other(message, category, *args, **kwargs)

    return show


@contextmanager
def errors() -> Iterator[None]:
    """Turn lmsdb's own errors into a message on stderr and an exit code, no traceback;
    its warnings into ``lmsdb: warning: ...`` lines, each time."""
    from lmsdb.api.errors import LmsdbWarning, database_error
    from lmsdb.diagnostics import LmsdbError, SourceError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", LmsdbWarning)
            warnings.showwarning = _printed(warnings.showwarning)
            yield
    except LmsdbError as e:
        say(str(e) if isinstance(e, SourceError) else f"lmsdb: error: {e}")
        sys.exit(e.exit_code)
    except BrokenPipeError:  # `lmsdb ... | head`: the reader left; not an error of ours
        sys.exit(0)
    except OSError as e:  # an output file that cannot be written, a full disk, ...
        where = f": {e.filename}" if e.filename else ""
        say(f"lmsdb: error: {e.strerror or e}{where}")
        sys.exit(1)
    except Exception as e:
        # The database refused (not a database file, locked, unreachable, ...): say what it
        # said, without a traceback; nothing was committed.
        error = database_error(_url_for_message(), e)
        if error is None:
            raise
        say(f"lmsdb: error: {error}")
        sys.exit(error.exit_code)


def _url_for_message() -> str:
    from lmsdb.store.db import resolve_url

    ctx = click.get_current_context(silent=True)
    return resolve_url(ctx.obj.get("db") if ctx and ctx.obj else None)


@contextmanager
def printing() -> Iterator[None]:
    """Data written to stdout, flushed before the command ends: a full device (``> /dev/full``)
    is a one-line error with exit code 1; a reader that left (``| head``) is not an error."""
    with errors():
        yield
        sys.stdout.flush()


@contextmanager
def output_stream(path: str | None, engine: Engine | None = None) -> Iterator[Any]:
    """stdout, or FILE written whole or not at all (see :mod:`lmsdb.cli.outfile`): a failed
    `export md -o README.md` must not leave an empty README, and `-o` never replaces the
    database file, a device or a FIFO."""
    if path is None or path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    from lmsdb.cli.outfile import database_files, open_output

    protected = database_files(str(engine.url)) if engine is not None else []
    with open_output(path, protected) as f:
        yield f


@contextmanager
def progress_bar(what: str) -> Iterator[Any]:
    """A progress bar on stderr, drawn only when stderr is a terminal and after a second."""
    from lmsdb.progress import terminal_bar

    bar = terminal_bar(what)
    try:
        yield bar
    finally:
        bar.close()
