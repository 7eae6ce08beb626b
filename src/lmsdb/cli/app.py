"""The ``lmsdb`` command: the click group, its global options, and the console entry point.

The commands live in modules by job (:mod:`lmsdb.cli.io`: import and export;
:mod:`lmsdb.cli.read`: sql, search, stats, show, schema; :mod:`lmsdb.cli.admin`: enrich,
rekey, migrate, serve; :mod:`lmsdb.cli.curate`: add, edit, rm, venue), each a thin layer
over :mod:`lmsdb.api`: parse the arguments, call one function, print.

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

import click

from lmsdb.cli import admin, curate, io, read
from lmsdb.cli.common import EXIT_CHANGES

__all__ = ["EXIT_CHANGES", "cli", "main"]

EPILOG_DB = (
    "The database is --db URL, else $LMSDB_DATABASE_URL, else sqlite:///lmsdb.sqlite "
    "in the working directory."
)


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


for command in (io.import_cmd, io.export_group, read.sql_cmd, read.search_cmd, read.stats_cmd,
                read.schema_cmd, read.show_cmd, admin.enrich_cmd, admin.rekey_cmd,
                admin.migrate_cmd, admin.serve_cmd, curate.add_cmd, curate.edit_cmd,
                curate.rm_cmd, curate.venue_group):
    cli.add_command(command)


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


if __name__ == "__main__":
    main()
