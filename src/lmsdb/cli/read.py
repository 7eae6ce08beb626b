"""The reading commands: ``lmsdb sql``, ``search``, ``stats``, ``show`` and ``schema``.

Each parses its options, asks :class:`lmsdb.api.Database`, and prints the rows in the
format asked for. None of them creates or upgrades a database (``sql --write`` upgrades an
existing one before it writes).
"""

from __future__ import annotations

import sys

import click

from lmsdb.cli.common import (
    errors,
    format_options,
    open_database,
    printing,
    say,
    wait_for,
    wait_option,
)


@click.command("sql")
@click.argument("sql_text", metavar="[QUERY]", required=False)
@click.option("-f", "--file", "sql_file", metavar="FILE",
              help="Read the query from FILE ('-': standard input).")
@format_options
@click.option("-p", "--param", "params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="Bind :NAME to VALUE, a string (repeatable).")
@click.option("--write", is_flag=True,
              help="Allow statements that change the database (run in a transaction).")
@click.option("--timeout", type=click.FloatRange(min=0), default=5.0, show_default=True,
              metavar="SECONDS", help="Stop a query that runs longer (0: no limit).")
@wait_option
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

        with errors():
            fast = query_json(resolve_url(ctx.obj.get("db")), sql_text, dict(params), fmt,
                              timeout or None)
        if fast is not None:
            sys.stdout.write(fast)
            return
    database = open_database(ctx)
    with errors():
        result = database.sql(sql_text, dict(params), write=write, timeout=timeout,
                              wait=wait_for(wait))
    if result.columns:
        with printing():
            write_rows(sys.stdout, result.columns, result.rows, fmt, headers=not no_headers,
                       width=_terminal_width())
    elif write:
        say(f"{result.rowcount} row(s) changed" if result.rowcount >= 0 else "done")


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


@click.command("search")
@click.argument("words", nargs=-1, required=True)
@click.option("-n", "--limit", type=click.IntRange(min=0), default=20, show_default=True,
              help="Print at most this many papers (0: all).")
@format_options
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

    database = open_database(ctx)
    with errors():
        result = database.search(words, limit=limit, highlight=not no_highlight)
    with printing():
        write_rows(sys.stdout, result.columns, result.rows, fmt, headers=not no_headers,
                   width=_terminal_width())
    if not result.rows:
        say("no paper matches")


@click.command("stats")
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

    database = open_database(ctx)
    with errors():
        result = database.stats()
    with printing():
        if fmt == "json":
            click.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        else:
            stats.write_text(sys.stdout, result, width or shutil.get_terminal_size().columns)


@click.command("schema")
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

    database = open_database(ctx)
    with errors():
        relations = database.schema()
    with printing():
        if fmt == "json":
            click.echo(json.dumps(catalog.as_json(relations), indent=2))
        else:
            catalog.write_text(sys.stdout, relations)


@click.command("show")
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

    database = open_database(ctx)
    with errors():
        paper = database.show(key)
    with printing():
        if fmt == "json":
            click.echo(json.dumps(paper, ensure_ascii=False, indent=2))
        else:
            show.write_text(sys.stdout, paper)


