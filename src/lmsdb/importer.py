"""Import a list file or a .bib file: scan, validate, sync -- all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from lmsdb import db
from lmsdb.diagnostics import Diagnostics, LmsdbError
from lmsdb.gcpause import paused_gc
from lmsdb.progress import NoProgress, Progress
from lmsdb.records import from_markdown
from lmsdb.sources.markdown import parse_file
from lmsdb.sync import SyncReport, plan_and_apply

if TYPE_CHECKING:
    from lmsdb.merge import MergeReport


def import_markdown(
    engine: Engine,
    path: str | Path,
    *,
    prune: bool = False,
    dry_run: bool = False,
    lenient: bool = False,
    diags: Diagnostics | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Import an awesome list into the database at ``engine``.

    Every row is validated before anything is written; the writes run in one transaction,
    so on any error the database is left exactly as it was.
    """
    with paused_gc():
        return _import(engine, path, prune=prune, dry_run=dry_run, lenient=lenient,
                       diags=diags if diags is not None else Diagnostics(), progress=progress)


def _import(engine: Engine, path: str | Path, *, prune: bool, dry_run: bool, lenient: bool,
            diags: Diagnostics, progress: Progress | None) -> SyncReport:
    progress = NoProgress() if progress is None else progress
    parsed = parse_file(path, diags)
    # Three passes over the rows: validation, planning, writing.
    progress.total = 3 * len(parsed.papers)
    records = from_markdown(parsed, diags, lenient=lenient, progress=progress)
    if dry_run and not db.schema_exists(engine):
        # Nothing to compare with; do not create a database just to say what would change.
        return plan_and_apply(None, records, prune=prune, dry_run=True, progress=progress)
    if not dry_run:
        db.ensure_schema(engine)
    elif (rev := db.current_revision(engine)) != db.head_revision(engine):
        raise LmsdbError(f"the database is at revision {rev}, not the newest: "
                         "run `lmsdb migrate` before a dry run (a dry run writes nothing)")
    with engine.begin() as conn:
        report = plan_and_apply(conn, records, prune=prune, dry_run=dry_run, progress=progress)
        if dry_run:
            conn.rollback()
    return report


def import_bibtex(
    engine: Engine,
    path: str | Path,
    *,
    prefer_bib: bool = False,
    add_new: bool = False,
    dry_run: bool = False,
    diags: Diagnostics | None = None,
) -> MergeReport:
    """Merge a ``.bib`` file into the database: every entry is checked before any write,
    and the writes run in one transaction."""
    from lmsdb import merge
    from lmsdb.records import from_bibtex
    from lmsdb.sources.bibtex import parse_file as parse_bib

    diags = diags if diags is not None else Diagnostics()
    parsed = parse_bib(path)
    records = from_bibtex(parsed, diags)
    kw = {"prefer_bib": prefer_bib, "add_new": add_new, "dry_run": dry_run, "diags": diags}
    if dry_run and not db.schema_exists(engine):
        return merge.plan_and_apply(None, parsed.file, records, **kw)  # type: ignore[arg-type]
    if not dry_run:
        db.ensure_schema(engine)
    elif (rev := db.current_revision(engine)) != db.head_revision(engine):
        raise LmsdbError(f"the database is at revision {rev}, not the newest: "
                         "run `lmsdb migrate` before a dry run (a dry run writes nothing)")
    with engine.begin() as conn:
        report = merge.plan_and_apply(conn, parsed.file, records, **kw)  # type: ignore[arg-type]
        if dry_run:
            conn.rollback()
    return report
