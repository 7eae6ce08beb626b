"""The ``lmsdb`` command: thin wrappers that parse arguments, call one function, print.

Heavy modules (SQLAlchemy, Alembic, pydantic) are imported inside the commands that need
them, so that ``lmsdb --help`` starts fast. Data goes to stdout, chatter to stderr.
Exit codes: 0 success; 1 bad input, a database that refuses, an output that cannot be
written, a stale file under `export md --check`; 2 a usage error, or a SQL statement that
was refused, failed or timed out; 3 `import --exit-code` changed (or would change) the
database.
"""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from collections.abc import Iterator

    from sqlalchemy import Engine

EXIT_CHANGES = 3  # `import --exit-code`: the import changed (or would change) the database

EPILOG_DB = (
    "The database is --db URL, else $LMSDB_DATABASE_URL, else sqlite:///lmsdb.sqlite "
    "in the working directory."
)


def _engine(ctx: click.Context) -> Engine:
    from lmsdb.diagnostics import LmsdbError
    from lmsdb.store.db import check_url, make_engine, resolve_url

    try:
        url = check_url(ctx.obj.get("db"))
        engine = make_engine(resolve_url(url))
        check_url(url, engine)
    except LmsdbError as e:
        _say(f"lmsdb: error: {e}")
        sys.exit(e.exit_code)
    ctx.call_on_close(engine.dispose)  # close connections before the process ends
    return engine


def _engine_url_for_message() -> str:
    ctx = click.get_current_context(silent=True)
    from lmsdb.store.db import resolve_url

    url = resolve_url(ctx.obj.get("db") if ctx and ctx.obj else None)
    if "@" in url:  # never print a password
        scheme, _, rest = url.partition("://")
        url = f"{scheme}://***@{rest.rpartition('@')[2]}"
    return url


def _say(msg: str) -> None:
    click.echo(msg, err=True)


def _wait_option(f: Any) -> Any:
    return click.option(
        "--wait", type=click.FloatRange(min=0), default=60.0, show_default=True,
        metavar="SECONDS",
        help="If another lmsdb command is writing to the database, wait this long for it "
             "(0: do not wait); then work from what it committed.")(f)


def _wait(seconds: float) -> Any:
    from lmsdb.store.locks import Wait

    if seconds != seconds:  # NaN passes FloatRange
        raise click.BadParameter("not a number", param_hint="--wait")
    return Wait(seconds, _say)


@contextmanager
def _errors() -> Iterator[None]:
    """Turn lmsdb's own errors into a message on stderr and an exit code, no traceback."""
    from lmsdb.diagnostics import LmsdbError, SourceError

    try:
        yield
    except LmsdbError as e:
        _say(str(e) if isinstance(e, SourceError) else f"lmsdb: error: {e}")
        sys.exit(e.exit_code)
    except BrokenPipeError:  # `lmsdb ... | head`: the reader left; not an error of ours
        sys.exit(0)
    except OSError as e:  # an output file that cannot be written, a full disk, ...
        where = f": {e.filename}" if e.filename else ""
        _say(f"lmsdb: error: {e.strerror or e}{where}")
        sys.exit(1)
    except Exception as e:
        from sqlalchemy.exc import DBAPIError, SQLAlchemyError

        if not isinstance(e, SQLAlchemyError):
            raise
        # The database refused (not a database file, locked, unreachable, ...): say what it
        # said, without a traceback; nothing was committed.
        reason = str(e.orig) if isinstance(e, DBAPIError) else str(e).split("\n")[0]
        _say(f"lmsdb: error: database {_engine_url_for_message()}: {reason}")
        sys.exit(1)


@contextmanager
def _printing() -> Iterator[None]:
    """Data written to stdout, flushed before the command ends: a full device (``> /dev/full``)
    is a one-line error with exit code 1; a reader that left (``| head``) is not an error."""
    with _errors():
        yield
        sys.stdout.flush()


@contextmanager
def _output(path: str | None, engine: Engine | None = None) -> Iterator[Any]:
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


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=EPILOG_DB)
@click.option("--db", metavar="URL", help="Database URL (sqlite:///file.sqlite, postgresql://...).")
@click.version_option(package_name="lmsdb")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Keep a curated list of research papers as a real database.

    \b
    Two minutes with lmsdb:
      lmsdb import seeds/awesome-lm-system.md      # markdown list -> ./lmsdb.sqlite
      lmsdb export bib -o papers.bib               # BibTeX for LaTeX
      lmsdb export md -o README.md                 # the list, regenerated
      lmsdb enrich --mailto you@example.org        # authors, DOIs, pages from DBLP & co.
      lmsdb show alpa2022                          # one paper, and where its fields came from
      lmsdb sql "select year, count(*) from papers group by year"
      lmsdb search parallelism                     # full-text, best match first
      lmsdb stats                                  # counts and bar charts
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db


@cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--prune", is_flag=True,
              help="Delete papers, frameworks and sections that are no longer in the list "
                   "(papers added from a .bib with --add-new are not in it either).")
@click.option("--max-delete", type=click.IntRange(min=0), metavar="N",
              help="With --prune: allow deleting up to N papers (and N frameworks), even when "
                   "the list had lines that were not kept or N is more than the safe share "
                   "(the larger of 20 and 10%, never all).")
@click.option("--lenient", is_flag=True,
              help="A malformed row is a warning naming its line, and is skipped (counted in "
                   "the summary); a framework link that matches no framework is dropped.")
@click.option("--exit-code", is_flag=True,
              help=f"Exit {EXIT_CHANGES} if the import changed the database (with --dry-run: "
                   "would change it), 0 if not: for CI.")
@click.option("--prefer-list", is_flag=True,
              help="Markdown only: where the list and the database both changed a field since "
                   "the last import, take the list's (default: keep the database's).")
@click.option("--prefer-bib", is_flag=True,
              help=".bib only: where a field differs from the database, take the .bib's.")
@click.option("--add-new", is_flag=True,
              help=".bib only: add entries that match no paper as new papers.")
@_wait_option
@click.pass_context
def import_cmd(ctx: click.Context, file: str, dry_run: bool, prune: bool,
               max_delete: int | None, lenient: bool, exit_code: bool, prefer_list: bool,
               prefer_bib: bool, add_new: bool, wait: float) -> None:
    """Import (or re-sync) an awesome list in markdown, or merge a .bib file.

    Papers listed in several sections become one paper in several categories; venues are
    canonicalised; re-importing a newer version of the list updates the database to match
    it. The import is one transaction: on any error nothing is written, and the error names
    the file and line. Imports run one at a time: a second one waits (--wait) for the first
    to commit, then works from what it wrote.

    --prune refuses (exit code 1, nothing changed) when the import warned that text or a
    table of the list was not kept, or when it would delete more than the larger of 20 and
    10% of the papers (or frameworks), or all of them; --max-delete N allows up to N.

    A FILE ending in .bib is merged instead: each entry is matched to a paper by DOI, then
    arXiv id, then title, and fills what the paper lacks (authors, pages, publisher, volume,
    number, doi). A differing value is reported as a conflict and kept, unless --prefer-bib.
    Citation keys never change (see `lmsdb rekey`).

    \b
    Examples:
      lmsdb import seeds/awesome-lm-system.md
      lmsdb import --dry-run new-version.md        # show the diff, change nothing
      lmsdb --db sqlite:///field.sqlite import list.md
      lmsdb import dblp.bib                        # authors, pages, DOIs from DBLP
      lmsdb import --dry-run --add-new zotero.bib
      lmsdb import --dry-run --exit-code list.md   # CI: exit 3 if the list has news
    """
    from lmsdb.diagnostics import Diagnostics

    if max_delete is not None and not prune:
        raise click.UsageError("--max-delete applies to --prune")
    if file.lower().endswith(".bib"):
        if prune or lenient or prefer_list:
            raise click.UsageError("--prune, --lenient and --prefer-list apply to markdown "
                                   "lists, not .bib")
        changed = _import_bib(ctx, file, dry_run=dry_run, prefer_bib=prefer_bib,
                              add_new=add_new, wait=wait)
        if exit_code and changed:
            sys.exit(EXIT_CHANGES)
        return
    if prefer_bib or add_new:
        raise click.UsageError("--prefer-bib and --add-new apply to .bib files only")
    from lmsdb.sync.importer import import_markdown

    diags = Diagnostics()
    with _errors(), _progress("import") as progress:
        try:
            report = import_markdown(_engine(ctx), file, prune=prune, dry_run=dry_run,
                                     lenient=lenient, diags=diags, progress=progress,
                                     max_delete=max_delete, wait=_wait(wait),
                                     prefer_list=prefer_list)
        finally:
            for d in diags.items:
                _say(str(d))
    if dry_run:
        diff = report.diff()
        if diff:
            click.echo(diff)
    _say(report.summary())
    if exit_code and report.changed:
        sys.exit(EXIT_CHANGES)


def _import_bib(ctx: click.Context, file: str, *, dry_run: bool, prefer_bib: bool,
                add_new: bool, wait: float) -> bool:
    from lmsdb.diagnostics import Diagnostics
    from lmsdb.sync.importer import import_bibtex

    diags = Diagnostics()
    with _errors():
        try:
            report = import_bibtex(_engine(ctx), file, prefer_bib=prefer_bib, add_new=add_new,
                                   dry_run=dry_run, diags=diags, wait=_wait(wait))
        finally:
            for d in diags.items:
                _say(str(d))
    if dry_run and report.diff():
        click.echo(report.diff())
    _say(report.summary())
    return report.changed


@contextmanager
def _progress(what: str) -> Iterator[Any]:
    """A progress bar on stderr, drawn only when stderr is a terminal and after a second."""
    from lmsdb.progress import terminal_bar

    bar = terminal_bar(what)
    try:
        yield bar
    finally:
        bar.close()


@cli.group("export")
def export_group() -> None:
    """Write the database as BibTeX or as the markdown list.

    \b
    Examples:
      lmsdb export bib -o papers.bib
      lmsdb export bib --year 2022 --venue OSDI
      lmsdb export md -o README.md
    """


@export_group.command("bib")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
@click.option("--unicode", is_flag=True, help="Keep non-ASCII characters (for biber).")
@click.option("--category", "categories", metavar="NAME", multiple=True,
              help="Only papers listed in this section (repeat for any of several).")
@click.option("--framework", "frameworks", metavar="SLUG", multiple=True,
              help="Only papers linked to this framework (repeat for any of several).")
@click.option("--venue", "venues", metavar="NAME", multiple=True,
              help="Only papers of this venue, any known spelling (repeat for any of several).")
@click.option("--year", "years", metavar="YEAR[-YEAR]", help="Only papers of a year or range.")
@click.option("--preprint-style", type=click.Choice(["eprint", "dblp"]), default="eprint",
              show_default=True,
              help="Preprints as @misc with eprint/archivePrefix (biblatex), or as DBLP "
                   "writes them: @article, journal = {CoRR}, volume = {abs/ID} (natbib).")
@click.option("--keys", "aux", metavar="FILE",
              help="Only the keys a LaTeX document cites: its .aux (BibTeX or biblatex), "
                   "biber's .bcf, or a list of keys one per line; - for standard input.")
@click.pass_context
def export_bib(ctx: click.Context, output: str | None, unicode: bool,
               categories: tuple[str, ...], frameworks: tuple[str, ...],
               venues: tuple[str, ...], years: str | None, preprint_style: str,
               aux: str | None) -> None:
    """Write one BibTeX entry per paper (DBLP-like: authors, booktitle, pages, doi, eprint).

    A repeated filter means OR, different filters AND. An unknown category, framework or
    venue is an error that lists the valid names; --keys that finds no key is an error.

    \b
    Examples:
      lmsdb export bib -o papers.bib
      lmsdb export bib --venue OSDI --venue SOSP --year 2021-2023
      lmsdb export bib --framework alpa --category Training
      lmsdb export bib --keys paper.aux -o paper.bib   # only what paper.tex cites
      lmsdb export bib --keys paper.bcf                # biblatex + biber
    """
    from lmsdb.exporters import bibtex

    try:
        span = bibtex.parse_years(years) if years else None
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--year") from None
    keys = _cited_keys(aux) if aux else None
    engine = _engine(ctx)
    with _errors():
        _open_for_reading(engine)
        with engine.connect() as conn:
            renamed = _resolve_old_keys(conn, aux or "", keys) if keys else {}
            where = bibtex.Filter(category=categories, framework=frameworks, venue=venues,
                                  years=span,
                                  keys=keys | frozenset(renamed.values()) if keys else keys)
            where.check(conn)
            if keys:
                _missing_keys(conn, aux or "", keys - set(renamed))
        with engine.connect() as conn, _output(output, engine) as out, \
                _progress("export") as bar:
            n = bibtex.write(conn, out, unicode=unicode, where=where, progress=bar,
                             preprint_style=preprint_style)
    _say(f"wrote {n} BibTeX entries" + (f" to {output}" if output else ""))


def _cited_keys(source: str) -> frozenset[str] | None:
    """The keys ``--keys`` names; none at all is a usage error (a wrong file, most likely)."""
    from pathlib import Path

    from lmsdb.exporters import bibtex

    if source != "-" and not Path(source).is_file():
        raise click.BadParameter(f"no such file: {source}", param_hint="--keys")
    keys = bibtex.read_keys(source)
    if keys is not None and not keys:
        raise click.BadParameter(
            f"{source} cites no key (read as a BibTeX or biblatex .aux, a biber .bcf, or a "
            "list of keys one per line)", param_hint="--keys")
    return keys


def _resolve_old_keys(conn: Any, aux: str, keys: frozenset[str]) -> dict[str, str]:
    """Old keys (from `lmsdb rekey`) the document cites, each noted with the new key."""
    from lmsdb.exporters import bibtex

    renamed = bibtex.resolve_aliases(conn, keys)
    for old, new in sorted(renamed.items()):
        _say(f"{aux}: note: {old!r} is an old key of {new} (lmsdb rekey): exported as {new}, "
             f"with {old!r} in its ids (biblatex finds it; cite {new} for BibTeX)")
    return renamed


def _missing_keys(conn: Any, aux: str, keys: frozenset[str] | set[str]) -> None:
    from sqlalchemy import select

    from lmsdb.exporters.bibtex import closest_keys
    from lmsdb.exporters.tables import papers

    rows = conn.execute(select(papers.c.citation_key, papers.c.arxiv_id, papers.c.doi)).all()
    known = sorted(r[0] for r in rows)
    # Aliases: a paper cited by its arXiv id or DOI (as some tools write keys).
    aliases = {a.lower(): r[0] for r in rows for a in r[1:] if a}
    for k in sorted(keys - set(known)):
        alias = aliases.get(k.lower().removeprefix("arxiv:").removeprefix("doi:"))
        near = [alias] if alias else closest_keys(k, known)
        what = "the paper with that identifier is" if alias else "closest:"
        hint = f" ({what} {', '.join(near)})" if near else ""
        _say(f"{aux}: warning: {k!r} is cited but is no paper's key{hint}")


@export_group.command("md")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
@click.option("--check", "check", metavar="FILE",
              help="Write nothing: exit 0 if FILE is exactly what would be written, else "
                   "print a unified diff and exit 1 (for the list's CI).")
@click.pass_context
def export_md(ctx: click.Context, output: str | None, check: str | None) -> None:
    """Regenerate the awesome list (markdown) from the database.

    The list is written in the layout of the list last imported: its text as written,
    each table padded only if it was, framework links with their own text. Papers that
    left the list (unlisted, kept until `import --prune`) are not written.

    \b
    Examples:
      lmsdb export md -o README.md
      lmsdb export md --check README.md     # exit 1 and a diff if README.md is stale
    """
    from lmsdb.exporters import markdown

    if check is not None and output is not None:
        raise click.UsageError("--check FILE compares, -o FILE writes: give one of them")
    engine = _engine(ctx)
    if check is not None:
        _check_md(engine, check)
        return
    with _errors():
        _open_for_reading(engine)
        with engine.connect() as conn, _output(output, engine) as out, \
                _progress("export") as bar:
            n = markdown.write(conn, out, progress=bar)
    _say(f"wrote {n} paper rows" + (f" to {output}" if output else ""))


def _check_md(engine: Engine, path: str) -> None:
    """`export md --check FILE`: exit 0 if FILE is what the export writes, else 1 + diff."""
    import difflib
    import io

    from lmsdb.exporters import markdown

    with _errors():
        _open_for_reading(engine)
        with open(path, encoding="utf-8", newline="") as f:
            have = f.read()
        out = io.StringIO()
        with engine.connect() as conn:
            markdown.write(conn, out)
    want = out.getvalue()
    if have == want:
        _say(f"{path} is up to date")
        return
    sys.stdout.writelines(difflib.unified_diff(
        have.splitlines(keepends=True), want.splitlines(keepends=True),
        fromfile=path, tofile=f"{path} (lmsdb export md)"))
    _say(f"{path} differs from what `lmsdb export md` writes")
    sys.exit(1)


def _open_for_reading(engine: Engine, *, any_sqlite: bool = False) -> None:
    """A reading command's check of the database: it never creates or migrates it."""
    from lmsdb.store import db

    for warning in db.open_for_reading(engine, any_sqlite=any_sqlite):
        _say(f"lmsdb: warning: {warning}")


FORMATS = ["table", "csv", "tsv", "json", "jsonl"]


def _format_options(f: Any) -> Any:
    f = click.option("--no-headers", is_flag=True, help="Omit the header row (table, csv, tsv).")(f)
    return click.option("--format", "fmt", type=click.Choice(FORMATS), default="table",
                        show_default=True,
                        help="Output format (also when stdout is not a terminal).")(f)


@cli.command("sql")
@click.argument("sql_text", metavar="[QUERY]", required=False)
@click.option("-f", "--file", "sql_file", metavar="FILE",
              help="Read the query from FILE ('-': standard input).")
@_format_options
@click.option("-p", "--param", "params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="Bind :NAME to VALUE, a string (repeatable).")
@click.option("--write", is_flag=True,
              help="Allow statements that change the database (run in a transaction).")
@click.option("--timeout", type=click.FloatRange(min=0), default=5.0, show_default=True,
              metavar="SECONDS", help="Stop a query that runs longer (0: no limit).")
@_wait_option
@click.pass_context
def sql_cmd(ctx: click.Context, sql_text: str | None, sql_file: str | None, fmt: str,
            no_headers: bool, params: tuple[tuple[str, str], ...], write: bool,
            timeout: float, wait: float) -> None:
    """Run one SQL statement and print the rows.

    Read-only unless --write: a statement that would change the database is refused (exit
    code 2) by the database engine itself, not by reading the SQL text. On PostgreSQL a
    read-only query runs only as a reader role (docs/postgresql.md), never as a superuser.
    With --write the statement waits for other writers (--wait). The query is the
    argument, or the contents of -f FILE, or standard input (-f - or QUERY -). Views
    paper_view and framework_view join the usual things in; `lmsdb schema` lists them.

    \b
    Examples:
      lmsdb sql "select count(*) from papers"
      lmsdb sql "select title, venue, frameworks from paper_view
                 where year = 2022 and venue = 'OSDI' and frameworks like '%Alpa%'"
      lmsdb sql "select * from paper_view where year = :y" -p y 2022 --format csv
      lmsdb sql -f report.sql --format json
      echo "select name, papers from framework_view" | lmsdb sql -
    """
    from lmsdb.query import adhoc as query
    from lmsdb.query.output import write_rows

    sql_text = _read_query(sql_text, sql_file)
    if not sql_text.strip().strip(";").strip():
        raise click.UsageError("the query is empty", ctx)
    if timeout != timeout:  # NaN passes FloatRange; it would mean "no limit" by accident
        raise click.BadParameter("not a number", ctx, param_hint="--timeout")
    if not write and fmt in ("json", "jsonl"):
        # Large JSON results from SQLite: formatted by SQLite, without SQLAlchemy.
        from lmsdb.query.fastjson import query_json
        from lmsdb.store.db import resolve_url

        with _errors():
            fast = query_json(resolve_url(ctx.obj.get("db")), sql_text, dict(params), fmt,
                              timeout or None)
        if fast is not None:
            sys.stdout.write(fast)
            return
    engine = _engine(ctx)
    with _errors():
        if write:
            _need_data(engine, _wait(wait))
        elif engine.dialect.name != "sqlite" or _sqlite_exists(engine):
            _open_for_reading(engine, any_sqlite=True)
        result = query.run(engine, sql_text, dict(params), write=write, timeout=timeout or None,
                           wait=_wait(wait))
    if result.columns:
        with _printing():
            write_rows(sys.stdout, result.columns, result.rows, fmt, headers=not no_headers,
                       width=_terminal_width())
    elif write:
        _say(f"{result.rowcount} row(s) changed" if result.rowcount >= 0 else "done")


def _read_query(sql_text: str | None, sql_file: str | None) -> str:
    if sql_text is not None and sql_file is not None:
        raise click.UsageError("give the query as an argument or with -f FILE, not both")
    if sql_file is None and sql_text is None and not _stdin_is_terminal():
        piped = sys.stdin.read()  # `echo "select ..." | lmsdb sql`
        if not piped.strip():
            raise click.UsageError("no query: give QUERY, -f FILE, or - for standard input "
                                   "(standard input was empty)")
        return piped
    if sql_file is None and sql_text != "-":
        if sql_text is None:
            raise click.UsageError("no query: give QUERY, -f FILE, or - for standard input")
        return sql_text
    if sql_file in (None, "-"):
        return sys.stdin.read()
    try:
        with open(sql_file, encoding="utf-8") as f:
            return f.read()
    except OSError as e:
        raise click.UsageError(f"cannot read {sql_file}: {e.strerror}") from None


def _terminal_width() -> int | None:
    """The terminal's width when stdout is one (tables are then fitted to it); None when
    the output goes to a file or a pipe, where nothing is ever cut."""
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    import shutil

    return shutil.get_terminal_size().columns


def _stdin_is_terminal() -> bool:
    try:
        return sys.stdin is None or sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced
        return True


def _sqlite_exists(engine: Engine) -> bool:
    from pathlib import Path

    return bool(engine.url.database) and Path(engine.url.database or "").exists()


@cli.command("rekey")
@click.option("--dry-run", is_flag=True, help="Print the renames; change nothing.")
@_wait_option
@click.pass_context
def rekey_cmd(ctx: click.Context, dry_run: bool, wait: float) -> None:
    """Regenerate every citation key with the current scheme; print old → new.

    Keys are otherwise never changed: a paper that gains authors from a .bib keeps its key
    until you run this. Scheme: first author's family name + year + first significant title
    word (rajbhandari2020zero), or word + year without authors (zero2020); clashes get
    a, b, c suffixes in title order. One transaction.

    \b
    Examples:
      lmsdb rekey --dry-run
      lmsdb rekey
    """
    from lmsdb.store.locks import writing
    from lmsdb.sync import rekey

    engine = _engine(ctx)
    with _errors():
        _need_data(engine, _wait(wait))
        with writing(engine, _wait(wait)) as conn:
            changes = rekey.rekey(conn, dry_run=dry_run)
    for _, old, new in changes:
        click.echo(f"{old} → {new}")
    verb = "would change" if dry_run else "changed"
    _say(f"{verb} {len(changes)} citation key(s)")


def _need_data(engine: Engine, wait: Any = None) -> None:
    """A reading command (no ``wait``): check that lmsdb's schema is there and current,
    never creating or upgrading it. A writing command on an existing database (``wait``,
    the writer lock's): upgrade the schema if it is behind, but never create one."""
    from lmsdb.diagnostics import UsageError
    from lmsdb.store import db

    if wait is None:
        _open_for_reading(engine)
        return
    if engine.dialect.name == "sqlite" and not _sqlite_exists(engine):
        raise UsageError(f"no database at {engine.url.database}: run `lmsdb import "
                            "LIST.md` first")
    db.ensure_schema(engine, wait)


@cli.command("search")
@click.argument("words", nargs=-1, required=True)
@click.option("-n", "--limit", type=click.IntRange(min=0), default=20, show_default=True,
              help="Print at most this many papers (0: all).")
@_format_options
@click.option("--no-highlight", is_flag=True, help="Do not mark the matched words with [ ].")
@click.pass_context
def search_cmd(ctx: click.Context, words: tuple[str, ...], limit: int, fmt: str,
               no_headers: bool, no_highlight: bool) -> None:
    """Full-text search over titles and authors, best match first.

    All words must match, whole words, ignoring case and accents; "a phrase" matches the
    words in order; a trailing * makes a prefix (parallel*); OR between two terms matches
    either; -word excludes. Matches are shown between [ and ]; score is the relevance
    (bm25 on SQLite, ts_rank on PostgreSQL; higher is better).

    \b
    Examples:
      lmsdb search parallelism
      lmsdb search '"model parallel*"' --limit 3
      lmsdb search zero OR offload -infinity --format json
      lmsdb search rajbhandari          # authors, once merged from a .bib file
    """
    from lmsdb.query.output import write_rows
    from lmsdb.query.search import search

    engine = _engine(ctx)
    with _errors():
        _open_for_reading(engine)
        result = search(engine, " ".join(words), limit=limit, highlight=not no_highlight)
    with _printing():
        write_rows(sys.stdout, result.columns, result.rows, fmt, headers=not no_headers,
                   width=_terminal_width())
    if not result.rows:
        _say("no paper matches")


@cli.command("stats")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="Tables and bar charts, or JSON for machines.")
@click.option("--width", type=click.IntRange(min=20), metavar="COLUMNS",
              help="Width of the bar charts (default: the terminal's).")
@click.pass_context
def stats_cmd(ctx: click.Context, fmt: str, width: int | None) -> None:
    """Papers per year, venue, framework and category; frameworks by capability.

    The per-year and per-framework counts are drawn as bar charts scaled to the terminal.

    \b
    Examples:
      lmsdb stats
      lmsdb stats --format json | jq .per_year
    """
    import json
    import shutil

    from lmsdb.query import stats

    engine = _engine(ctx)
    with _errors():
        _open_for_reading(engine)
        with engine.connect() as conn:
            result = stats.collect(conn)
    with _printing():
        if fmt == "json":
            click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        else:
            stats.write_text(sys.stdout, result, width or shutil.get_terminal_size().columns)


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--metadata", "print_metadata", is_flag=True,
              help="Print Datasette's metadata (JSON) instead of serving.")
@click.pass_context
def serve_cmd(ctx: click.Context, host: str, port: int, print_metadata: bool) -> None:
    """Browse the database in Datasette, read-only (needs the web extra).

    Tables and columns carry their descriptions, the README's example questions are canned
    queries, paper_view has facets on venue, year, categories and frameworks, and papers a
    search box. SQLite only (Datasette reads SQLite files).

    \b
    Examples:
      lmsdb serve                       # http://127.0.0.1:8001/
      lmsdb serve --metadata > metadata.json && datasette lmsdb.sqlite -m metadata.json
    """
    import json

    from lmsdb.query import web

    engine = _engine(ctx)
    with _errors():
        if engine.dialect.name != "sqlite":
            raise web.WebError("lmsdb serve needs a SQLite database (Datasette reads SQLite "
                               "files)")
        _open_for_reading(engine)
        path = engine.url.database or ""
        if print_metadata:
            click.echo(json.dumps(web.metadata(path), indent=2, ensure_ascii=False))
            return
        _say(f"serving {path} read-only at http://{host}:{port}/ (Ctrl-C stops)")
        web.serve(path, host, port)


@cli.command("schema")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.pass_context
def schema_cmd(ctx: click.Context, fmt: str) -> None:
    """Print the tables, views and columns of the database (as it is, not as documented).

    The full-text index is listed last as a "search index"; its internal shadow tables
    are left out.

    \b
    Examples:
      lmsdb schema
      lmsdb schema --format json
    """
    import json

    from lmsdb.query import introspect as catalog

    engine = _engine(ctx)
    with _errors():
        _open_for_reading(engine)
        relations = catalog.describe(engine)
    with _printing():
        if fmt == "json":
            click.echo(json.dumps(catalog.as_json(relations), indent=2))
        else:
            catalog.write_text(sys.stdout, relations)


def _sources(text: str) -> tuple[str, ...]:
    from lmsdb.enrich import SOURCES

    chosen = tuple(dict.fromkeys(s.strip().lower() for s in text.split(",") if s.strip()))
    unknown = [s for s in chosen if s not in SOURCES]
    if unknown or not chosen:
        raise click.BadParameter(f"{', '.join(unknown) or text!r}: choose among "
                                 f"{','.join(SOURCES)}", param_hint="--source")
    return chosen


@cli.command("enrich")
@click.option("--source", "source_text", metavar="LIST", default="dblp,crossref,arxiv,s2",
              show_default=True, help="The services to ask, comma-separated.")
@click.option("--refresh", is_flag=True,
              help="Ask again about every paper, bypassing the cache; still replaces only "
                   "values that enrichment wrote.")
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--offline", is_flag=True, help="Use cached answers only; send no request.")
@click.option("--apply-venues", is_flag=True,
              help="Give preprints that a source says were published their venue, year and "
                   "publisher URL (the old link is kept among the paper's URLs).")
@click.option("--mailto", metavar="EMAIL",
              help="Contact address for Crossref's polite pool (default: $LMSDB_MAILTO).")
@click.option("--cache-dir", metavar="DIR", type=click.Path(file_okay=False),
              help="Where the HTTP cache lives (default: $LMSDB_CACHE_DIR, else "
                   "~/.cache/lmsdb).")
@click.option("--category", metavar="NAME", help="Only papers listed in this section.")
@click.option("--framework", metavar="SLUG", help="Only papers linked to this framework.")
@click.option("--venue", metavar="NAME", help="Only papers of this venue (any known spelling).")
@click.option("--year", "years", metavar="YEAR[-YEAR]", help="Only papers of a year or range.")
@click.option("--keys", "aux", metavar="FILE.aux", type=click.Path(dir_okay=False, exists=True),
              help="Only the keys a LaTeX .aux file cites.")
@click.pass_context
def enrich_cmd(ctx: click.Context, source_text: str, refresh: bool, dry_run: bool,
               offline: bool, apply_venues: bool, mailto: str | None, cache_dir: str | None,
               category: str | None, framework: str | None, venue: str | None,
               years: str | None, aux: str | None) -> None:
    """Fill authors (with ORCIDs), DOIs, pages, volume, number, publisher and the services'
    ids from DBLP, Crossref, arXiv and Semantic Scholar.

    Each paper is looked up by its strongest identifier first (DOI, arXiv id, then title);
    a candidate found by title is used only if its title matches closely and its year is
    within one. Empty fields are filled; a value from the list, a .bib or an edit is never
    replaced (a difference is reported as a conflict). Preprints that a source says were
    published are reported; --apply-venues records their venue. Answers are cached on disk
    (a second run sends nothing); each batch of papers is committed, so an interrupted run
    goes on where it stopped. Exit code 1 if a source failed (the others' results are kept).

    \b
    Examples:
      lmsdb enrich --mailto me@example.org          # or export LMSDB_MAILTO
      lmsdb enrich --dry-run --source dblp,arxiv --year 2023
      lmsdb enrich --apply-venues
      lmsdb enrich --offline                        # from the cache only
    """
    from pathlib import Path

    from lmsdb import enrich
    from lmsdb.exporters import bibtex

    sources = _sources(source_text)
    if refresh and offline:
        raise click.UsageError("--refresh and --offline exclude each other")
    try:
        span = bibtex.parse_years(years) if years else None
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--year") from None
    where = bibtex.Filter(category=category, framework=framework, venue=venue, years=span,
                          keys=bibtex.aux_keys(aux) if aux else None)
    opts = enrich.Options(sources=sources, refresh=refresh, dry_run=dry_run, offline=offline,
                          apply_venues=apply_venues, mailto=mailto,
                          cache_dir=Path(cache_dir) if cache_dir else None)
    engine = _engine(ctx)
    with _errors():
        _need_data(engine, None if dry_run else _wait(60.0))  # a writer: may upgrade
        try:
            with _progress("enrich") as bar:
                report = enrich.run(engine, opts, where=where, progress=bar)
        except KeyboardInterrupt:
            _say("lmsdb: interrupted: the batches finished so far are saved; the next "
                 "`lmsdb enrich` goes on from there")
            sys.exit(130)
    for line in report.warnings():
        _say(line)
    if dry_run and report.diff():
        click.echo(report.diff())
    _say(report.summary())
    if report.problems.failed:
        sys.exit(1)


@cli.command("show")
@click.argument("key")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.pass_context
def show_cmd(ctx: click.Context, key: str, fmt: str) -> None:
    """Print one paper: every field, its venue, authors (with ORCIDs), frameworks, sections,
    other URLs, and where each field enrichment wrote came from.

    \b
    Examples:
      lmsdb show alpa2022
      lmsdb show alpa2022 --format json | jq .provenance
    """
    import json

    from lmsdb.query import show

    engine = _engine(ctx)
    with _errors():
        _open_for_reading(engine)
        with engine.connect() as conn:
            paper = show.load(conn, key)
    with _printing():
        if fmt == "json":
            click.echo(json.dumps(paper, ensure_ascii=False, indent=2))
        else:
            show.write_text(sys.stdout, paper)


@cli.command("migrate")
@click.option("--status", is_flag=True, help="Only print the current and newest revisions.")
@_wait_option
@click.pass_context
def migrate_cmd(ctx: click.Context, status: bool, wait: float) -> None:
    """Upgrade the database schema to the newest revision (Alembic).

    Prints the revision before and after. import, rekey and sql --write do this by
    themselves; reading commands never do (they ask for this command). Migrations wait for
    other writers (--wait), so two at once run one after the other.

    \b
    Examples:
      lmsdb migrate
      lmsdb migrate --status
    """
    from lmsdb.store import db

    engine = _engine(ctx)
    with _errors():
        if status:
            current = db.current_revision(engine) if db.schema_exists(engine) else None
            head = db.head_revision(engine)
            click.echo(f"current: {current or 'none (empty database)'}")
            click.echo(f"newest:  {head}")
            if current is not None and current not in db.known_revisions(engine):
                _say(f"revision {current} is unknown to this lmsdb: a newer lmsdb wrote the "
                     "database")
            elif current != head:
                _say("the database is behind: run `lmsdb migrate`")
            return
        revs = db.upgrade(engine, wait=_wait(wait))
    click.echo(f"before: {revs.before or 'none (empty database)'}")
    click.echo(f"after:  {revs.after}")


def main() -> None:
    """The console entry point: run the command, then end the process at once.

    After a large export the interpreter's own shutdown (tearing down SQLAlchemy and the
    objects the export made) took 0.15 s, an eighth of the command; everything that
    matters is finished by then (files closed, transactions committed, connections closed),
    so the process flushes its standard streams and exits with the command's code.
    """
    code: int = 0
    try:
        cli(prog_name="lmsdb")
    except BrokenPipeError:
        pass
    except OSError as e:  # stdout on a full device while click printed help or a usage error
        os.write(2, f"lmsdb: error: {e.strerror or e}\n".encode())
        code = 1
    except SystemExit as e:
        if isinstance(e.code, str):
            sys.stderr.write(e.code + "\n")
            code = 1
        else:
            code = e.code or 0
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # `lmsdb ... | head`: the reader left; not an error of ours
        pass
    except OSError as e:  # output to a full device that no command flushed itself
        os.write(2, f"lmsdb: error: {e.strerror or e}\n".encode())
        code = code or 1
    os._exit(code)


# The curation commands (add, edit, rm, venue) register themselves on `cli`.
from lmsdb.cli import curate as cli_curate  # noqa: E402, F401

if __name__ == "__main__":
    main()
