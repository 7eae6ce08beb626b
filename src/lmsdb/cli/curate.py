"""``lmsdb add``, ``edit``, ``rm`` and ``venue``: curate in the database.

Each command runs in one transaction (``--dry-run``: rolled back), prints what it changed
on stdout in the import's diff form (``+`` added, ``~`` changed, ``-`` removed) and a
summary on stderr. Bad input is ``lmsdb: error: ...`` with exit code 1 and nothing written.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from lmsdb.cli.common import (
    errors,
    format_options,
    open_database,
    print_diagnostics,
    say,
    wait_for,
    wait_option,
)

R = TypeVar("R")


def _transaction(ctx: click.Context, dry_run: bool, wait: float, work: Callable[[Any], R], *,
                 create: bool = False) -> R:
    """Run ``work((conn, diags))`` in one transaction that holds the writer lock (a dry run
    does its writes too, then rolls them back); print the diagnostics. ``create``: a new
    database may be made (the database-first workflow starts from nothing)."""
    from lmsdb.diagnostics import Diagnostics
    from lmsdb.store import migrate
    from lmsdb.store.locks import writing

    diags = Diagnostics()
    database = open_database(ctx)
    lock = wait_for(wait)
    with errors():
        try:
            if dry_run:  # never creates or upgrades; rolled back, but it writes meanwhile
                database.check_readable()
            elif create:
                migrate.ensure_schema(database.engine, lock)
            else:
                database.ensure_writable(lock)
            with writing(database.engine, lock) as conn:
                result = work((conn, diags))
                if dry_run:
                    conn.rollback()
        finally:
            print_diagnostics(diags)
    return result


def _print_diff(mark: str, diff: Any) -> None:
    click.echo(f"{mark} {diff.key}  {diff.title}")
    for c in diff.changes:
        click.echo(f"    {c}")


@click.command("add")
@click.argument("identifier", metavar="IDENTIFIER_OR_URL")
@click.option("--title", help="The title (required with --offline; else it overrides the "
                               "fetched one, as every option does).")
@click.option("--year", help="The year (required with --offline).")
@click.option("--venue", help="The venue, any spelling the catalogue or `venue list` knows.")
@click.option("--category", "categories", multiple=True, metavar="NAME",
              help="List it in this section (repeatable; a new name makes a new section).")
@click.option("--framework", "frameworks", multiple=True, metavar="SLUG",
              help="Link it to this framework, by its anchor (repeatable).")
@click.option("--author", "authors", metavar="'Family, Given and ...'",
              help="The authors, BibTeX style.")
@click.option("--offline", is_flag=True,
              help="Take the metadata from the options alone (no request to any service).")
@click.option("--dry-run", is_flag=True, help="Print what would be added; write nothing.")
@wait_option
@click.pass_context
def add_cmd(ctx: click.Context, identifier: str, title: str | None, year: str | None,
            venue: str | None, categories: tuple[str, ...], frameworks: tuple[str, ...],
            authors: str | None, offline: bool, dry_run: bool, wait: float) -> None:
    """Add a paper by arXiv id, DOI or URL.

    Its metadata (title, year, venue, authors, DOI, pages, ...) is fetched from the services
    `lmsdb enrich` uses (same cache, checks and environment), and recorded with its sources;
    the options override what is fetched; --offline takes everything from the options. The
    paper gets the checks an import applies (year 1900..next year, a title, an http(s)
    URL), its identifiers from the URL, and a citation key by the usual scheme. A paper the
    database has already (same arXiv id, DOI, URL or title) is named and nothing is added
    (exit code 1). In a section kept newest year first, the paper goes after the papers of
    its year; elsewhere at the end. The next import of the list keeps it.

    \b
    Examples:
      lmsdb add 2205.14135 --category Training      # fetched from arXiv, DBLP, ...
      lmsdb add 2205.14135 --offline --title "FlashAttention: Fast and Memory-Efficient
                Exact Attention with IO-Awareness" --year 2022 --venue NeurIPS
                --category Training --framework ds
      lmsdb add https://www.usenix.org/conference/osdi22/presentation/zheng-lianmin
                --title "Alpa" --year 2022 --dry-run
      lmsdb add 10.1145/3458817.3476205 --title "..." --year 2021 --venue SC
    """
    from lmsdb.domain.bibrecords import split_authors
    from lmsdb.sync import curate

    people = split_authors(authors) if authors else ()
    new = curate.NewPaper(identifier, title, year, venue, categories, frameworks, people)
    if not offline:
        with errors():
            new = curate.from_lookup(new, _fetch(identifier))
    added = _transaction(ctx, dry_run, wait, lambda cd: curate.add_paper(cd[0], new, cd[1]),
                         create=True)
    click.echo(f"+ {added.key}  {added.title}")
    for c in added.changes:
        click.echo(f"    {c}")
    for section, row in added.sections:
        click.echo(f"    {section}: row {row}")
    say(f"{'would add' if dry_run else 'added'} 1 paper")


def _fetch(identifier: str) -> Any:
    """What the metadata services know about the identifier (as `lmsdb enrich` asks them)."""
    from lmsdb.diagnostics import LmsdbError
    from lmsdb.enrich.lookup import lookup
    from lmsdb.services.http import ServiceError
    from lmsdb.sync.checks import identifier_url

    identifier_url(identifier)  # a bad identifier is refused before any request
    try:
        meta = lookup(identifier)
    except ServiceError as e:
        raise LmsdbError(f"add: the metadata services failed ({e}): --offline adds the "
                         "paper from the options alone") from None
    if meta is None:
        raise LmsdbError(f"add: no metadata service knows {identifier}: give --title and "
                         "--year with --offline") from None
    return meta


@click.command("edit")
@click.argument("key")
@click.option("--set", "sets", multiple=True, metavar="FIELD=VALUE",
              help="Set a field (repeatable): title, year, venue, url, authors, doi, arxiv_id, "
                   "openreview_id, pages, publisher, volume, number, primary_class, note. "
                   "An empty VALUE clears an optional field.")
@click.option("--add-framework", multiple=True, metavar="SLUG", help="Link a framework.")
@click.option("--remove-framework", multiple=True, metavar="SLUG", help="Unlink a framework.")
@click.option("--add-category", multiple=True, metavar="NAME", help="List it in a section.")
@click.option("--remove-category", multiple=True, metavar="NAME",
              help="Take it out of a section.")
@click.option("--dry-run", is_flag=True, help="Print the changes; write nothing.")
@wait_option
@click.pass_context
def edit_cmd(ctx: click.Context, key: str, sets: tuple[str, ...], add_framework: tuple[str, ...],
             remove_framework: tuple[str, ...], add_category: tuple[str, ...],
             remove_category: tuple[str, ...], dry_run: bool, wait: float) -> None:
    """Change a paper's fields, frameworks and sections.

    KEY is its citation key (or an old key from `lmsdb rekey`). Values get the checks an
    import applies; one bad value refuses the whole edit (exit code 1, nothing changed).
    The next import of the list keeps the change unless the list changed the same field
    too (then it is reported as a conflict; `import --prefer-list` takes the list's).

    \b
    Examples:
      lmsdb edit alpa2022 --set "title=Alpa: Automating Parallelism" --set year=2022
      lmsdb edit zero2020 --set "authors=Rajbhandari, Samyam and Rasley, Jeff"
      lmsdb edit zero2020 --set doi=10.1109/SC41405.2020.00024 --set pages=1-16
      lmsdb edit alpa2022 --add-framework ds --remove-category Inference --dry-run
    """
    from lmsdb.sync import curate

    with errors():
        edit = curate.Edit([curate.parse_set(s) for s in sets], add_framework,
                           remove_framework, add_category, remove_category)
    if not (sets or add_framework or remove_framework or add_category or remove_category):
        raise click.UsageError("nothing to do: give --set FIELD=VALUE or a --add-/--remove- "
                               "option")
    diff = _transaction(ctx, dry_run, wait,
                        lambda cd: curate.edit_paper(cd[0], key, edit, cd[1]))
    if not diff.changes:
        say(f"{diff.key}: nothing to change")
        return
    _print_diff("~", diff)
    say(f"{'would change' if dry_run else 'changed'} {len(diff.changes)} field(s) of "
        f"{diff.key}")


@click.command("rm")
@click.argument("keys", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Print what would go; write nothing.")
@wait_option
@click.pass_context
def rm_cmd(ctx: click.Context, keys: tuple[str, ...], dry_run: bool, wait: float) -> None:
    """Remove papers, with their links to sections, frameworks and authors.

    An unknown key refuses the whole command (exit code 1, nothing removed). A paper the
    list has stays removed on the next import of the list (until the list drops it too).

    \b
    Examples:
      lmsdb rm megatronlm2020
      lmsdb rm alpa2022 zero2020 --dry-run
    """
    from lmsdb.sync import curate

    gone = _transaction(ctx, dry_run, wait,
                        lambda cd: curate.remove_papers(cd[0], keys, cd[1]))
    for diff in gone:
        _print_diff("-", diff)
    say(f"{'would remove' if dry_run else 'removed'} {len(gone)} paper(s)")


@click.group("venue")
def venue_group() -> None:
    """Venues of your own, beside the catalogue's: used by import, add and export.

    \b
    Examples:
      lmsdb venue add HiPC --name "IEEE International Conference on High Performance
                      Computing, Data, and Analytics" --kind conference
      lmsdb venue list
    """


@venue_group.command("add")
@click.argument("short")
@click.option("--name", "full_name", required=True, help="The full name (BibTeX booktitle).")
@click.option("--kind", required=True,
              type=click.Choice(["conference", "journal", "workshop", "tutorial"]),
              help="What it is (journals become @article).")
@click.option("--alias", "aliases", multiple=True, help="Another spelling (repeatable).")
@click.option("--dry-run", is_flag=True, help="Print what would be defined; write nothing.")
@wait_option
@click.pass_context
def venue_add(ctx: click.Context, short: str, full_name: str, kind: str,
              aliases: tuple[str, ...], dry_run: bool, wait: float) -> None:
    """Define a venue: SHORT is its name in the list, --name its full name.

    Spellings are matched as the catalogue's are (case, spacing and a trailing year
    ignored). Papers already filed under one of its spellings as an unknown venue move to
    it. A spelling that names a catalogue venue or another venue is refused (exit code 1).

    \b
    Examples:
      lmsdb venue add HiPC --name "IEEE International Conference on High Performance
                      Computing, Data, and Analytics" --kind conference --alias "HiPC Conf"
      lmsdb venue add JSys --name "Journal of Systems Research" --kind journal --dry-run
    """
    from lmsdb.store import user_venues

    r = _transaction(ctx, dry_run, wait, lambda cd: user_venues.add_venue(
        cd[0], short, full_name, kind, aliases), create=True)
    click.echo(f"+ venue {r.name}  {r.full_name} ({r.kind})")
    if r.aliases:
        click.echo(f"    aliases: {', '.join(r.aliases)}")
    for u in r.replaced_unknown:
        click.echo(f"    replaces the unknown venue {u!r}")
    say(f"{'would define' if dry_run else 'defined'} venue {r.name}"
        + (f"; {r.papers_moved} paper(s) filed under it" if r.papers_moved else ""))


@venue_group.command("list")
@format_options
@click.pass_context
def venue_list(ctx: click.Context, fmt: str, no_headers: bool) -> None:
    """List the venues defined with `lmsdb venue add`, with their spellings and papers.

    \b
    Examples:
      lmsdb venue list
      lmsdb venue list --format json
    """
    from lmsdb.query.output import write_rows
    from lmsdb.store import user_venues

    database = open_database(ctx)
    with errors():
        database.check_readable()
        with database.engine.connect() as conn:
            rows = user_venues.list_venues(conn)
    write_rows(sys.stdout, ["name", "full_name", "kind", "aliases", "papers"],
               [(r.name, r.full_name, r.kind, ", ".join(r.aliases), r.papers) for r in rows],
               fmt, headers=not no_headers)
    if not rows:
        say("no venues defined yet (`lmsdb venue add` defines one)")
