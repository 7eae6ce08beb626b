"""The commands that look after the database: ``lmsdb enrich``, ``rekey``, ``migrate`` and
``serve``.

Each parses its options, calls :class:`lmsdb.api.Database` (``serve`` and ``migrate
--status``: the module that does the work), and prints what it did.
"""

from __future__ import annotations

import sys

import click

from lmsdb.cli.common import (
    errors,
    open_database,
    progress_bar,
    say,
    wait_for,
    wait_option,
    years_option,
)


def _sources(text: str) -> tuple[str, ...]:
    from lmsdb.enrich import SOURCES

    chosen = tuple(dict.fromkeys(s.strip().lower() for s in text.split(",") if s.strip()))
    unknown = [s for s in chosen if s not in SOURCES]
    if unknown or not chosen:
        raise click.BadParameter(f"{', '.join(unknown) or text!r}: choose among "
                                 f"{','.join(SOURCES)}", param_hint="--source")
    return chosen


@click.command("enrich")
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
    from lmsdb.exporters import bibtex

    sources = _sources(source_text)
    if refresh and offline:
        raise click.UsageError("--refresh and --offline exclude each other")
    span = years_option(years)
    keys = bibtex.aux_keys(aux) if aux else None
    database = open_database(ctx)
    with errors():
        try:
            with progress_bar("enrich") as bar:
                report = database.enrich(
                    sources=sources, refresh=refresh, dry_run=dry_run, offline=offline,
                    apply_venues=apply_venues, mailto=mailto, cache_dir=cache_dir,
                    category=category, framework=framework, venue=venue, years=span,
                    keys=keys, wait=None if dry_run else wait_for(60.0), progress=bar)
        except KeyboardInterrupt:
            say("lmsdb: interrupted: the batches finished so far are saved; the next "
                "`lmsdb enrich` goes on from there")
            sys.exit(130)
    for line in report.warnings():
        say(line)
    if dry_run and report.diff():
        click.echo(report.diff())
    say(report.summary())
    if report.problems.failed:
        sys.exit(1)


@click.command("rekey")
@click.option("--dry-run", is_flag=True, help="Print the renames; change nothing.")
@wait_option
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
    database = open_database(ctx)
    with errors():
        changes = database.rekey(dry_run=dry_run, wait=wait_for(wait))
    for _, old, new in changes:
        click.echo(f"{old} → {new}")
    verb = "would change" if dry_run else "changed"
    say(f"{verb} {len(changes)} citation key(s)")


@click.command("migrate")
@click.option("--status", is_flag=True, help="Only print the current and newest revisions.")
@wait_option
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
    from lmsdb.store import migrate

    database = open_database(ctx)
    engine = database.engine
    with errors():
        if status:
            current = migrate.current_revision(engine) if migrate.schema_exists(engine) else None
            head = migrate.head_revision(engine)
            click.echo(f"current: {current or 'none (empty database)'}")
            click.echo(f"newest:  {head}")
            if current is not None and current not in migrate.known_revisions(engine):
                say(f"revision {current} is unknown to this lmsdb: a newer lmsdb wrote the "
                    "database")
            elif current != head:
                say("the database is behind: run `lmsdb migrate`")
            return
        revs = database.migrate(wait=wait_for(wait))
    click.echo(f"before: {revs.before or 'none (empty database)'}")
    click.echo(f"after:  {revs.after}")


@click.command("serve")
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

    database = open_database(ctx)
    engine = database.engine
    with errors():
        if engine.dialect.name != "sqlite":
            raise web.WebError("lmsdb serve needs a SQLite database (Datasette reads SQLite "
                               "files)")
        database.check_readable()
        path = engine.url.database or ""
        if print_metadata:
            click.echo(json.dumps(web.metadata(path), indent=2, ensure_ascii=False))
            return
        say(f"serving {path} read-only at http://{host}:{port}/ (Ctrl-C stops)")
        web.serve(path, host, port)


