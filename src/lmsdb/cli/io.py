"""``lmsdb import`` and ``lmsdb export``: a list or a ``.bib`` in, BibTeX or the list out.

Each command parses its options, calls :class:`lmsdb.api.Database` (or, for the streaming
exports, the exporter it calls), and prints the report.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from lmsdb.cli.common import (
    EXIT_CHANGES,
    errors,
    open_database,
    output_stream,
    print_diagnostics,
    progress_bar,
    say,
    wait_for,
    wait_option,
    years_option,
)
from lmsdb.cli.gcpause import paused_gc

if TYPE_CHECKING:
    from lmsdb.api import Database


@click.command("import")
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
@wait_option
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
    diags = Diagnostics()
    database = open_database(ctx)
    with errors(), progress_bar("import") as progress, paused_gc():
        try:
            report = database.import_list(file, prune=prune, dry_run=dry_run, lenient=lenient,
                                          diags=diags, progress=progress,
                                          max_delete=max_delete, wait=wait_for(wait),
                                          prefer_list=prefer_list)
        finally:
            print_diagnostics(diags)
    if dry_run:
        diff = report.diff()
        if diff:
            click.echo(diff)
    say(report.summary())
    if exit_code and report.changed:
        sys.exit(EXIT_CHANGES)


def _import_bib(ctx: click.Context, file: str, *, dry_run: bool, prefer_bib: bool,
                add_new: bool, wait: float) -> bool:
    from lmsdb.diagnostics import Diagnostics

    diags = Diagnostics()
    database = open_database(ctx)
    with errors():
        try:
            report = database.merge_bib(file, prefer_bib=prefer_bib, add_new=add_new,
                                        dry_run=dry_run, diags=diags, wait=wait_for(wait))
        finally:
            print_diagnostics(diags)
    if dry_run and report.diff():
        click.echo(report.diff())
    say(report.summary())
    return report.changed


@click.group("export")
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
    from lmsdb.diagnostics import Diagnostics
    from lmsdb.exporters import bibtex

    span = years_option(years)
    keys = _cited_keys(aux) if aux else None
    database = open_database(ctx)
    engine = database.engine
    diags = Diagnostics()
    with errors():
        try:
            where = database.bib_filter(categories=categories, frameworks=frameworks,
                                        venues=venues, years=span, keys=keys,
                                        keys_source=aux or "", diags=diags)
        finally:
            print_diagnostics(diags)
        with engine.connect() as conn, output_stream(output, engine) as out, \
                progress_bar("export") as bar, paused_gc():
            n = bibtex.write(conn, out, unicode=unicode, where=where, progress=bar,
                             preprint_style=preprint_style, workers=2)
    say(f"wrote {n} BibTeX entries" + (f" to {output}" if output else ""))


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
    database = open_database(ctx)
    if check is not None:
        _check_md(database, check)
        return
    engine = database.engine
    with errors():
        database.check_readable()
        with engine.connect() as conn, output_stream(output, engine) as out, \
                progress_bar("export") as bar, paused_gc():
            n = markdown.write(conn, out, progress=bar)
    say(f"wrote {n} paper rows" + (f" to {output}" if output else ""))


def _check_md(database: Database, path: str) -> None:
    """`export md --check FILE`: exit 0 if FILE is what the export writes, else 1 + diff."""
    import difflib

    with errors(), paused_gc():
        want = database.export_md()
        with open(path, encoding="utf-8", newline="") as f:
            have = f.read()
    if have == want:
        say(f"{path} is up to date")
        return
    sys.stdout.writelines(difflib.unified_diff(
        have.splitlines(keepends=True), want.splitlines(keepends=True),
        fromfile=path, tofile=f"{path} (lmsdb export md)"))
    say(f"{path} differs from what `lmsdb export md` writes")
    sys.exit(1)
