"""Import a list file or a .bib file: scan, validate, sync -- all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine

from lmsdb.diagnostics import Diagnostics, LmsdbError
from lmsdb.domain.records import from_markdown
from lmsdb.progress import NoProgress, Progress
from lmsdb.sources.markdown import parse_file
from lmsdb.store import migrate
from lmsdb.store.locks import Wait, writing
from lmsdb.sync.listsync import plan_and_apply
from lmsdb.sync.report import SyncReport

if TYPE_CHECKING:
    from lmsdb.sync.report import MergeReport

R = TypeVar("R")


def import_markdown(
    engine: Engine,
    path: str | Path,
    *,
    prune: bool = False,
    dry_run: bool = False,
    lenient: bool = False,
    diags: Diagnostics | None = None,
    progress: Progress | None = None,
    max_delete: int | None = None,
    wait: Wait | None = None,
    prefer_list: bool = False,
) -> SyncReport:
    """Import an awesome list into the database at ``engine``.

    Every row is validated before anything is written; the writes run in one transaction,
    so on any error the database is left exactly as it was. The transaction takes the
    writer lock before it reads (see :mod:`lmsdb.store.locks`; ``wait`` says how long to wait for
    another writer), so concurrent imports run one after the other.
    """
    return _import(engine, path, prune=prune, dry_run=dry_run, lenient=lenient,
                   diags=diags if diags is not None else Diagnostics(), progress=progress,
                   max_delete=max_delete, wait=wait, prefer_list=prefer_list)


def _import(engine: Engine, path: str | Path, *, prune: bool, dry_run: bool, lenient: bool,
            diags: Diagnostics, progress: Progress | None, wait: Wait | None,
            max_delete: int | None = None, prefer_list: bool = False) -> SyncReport:
    from lmsdb.sync import replay

    progress = NoProgress() if progress is None else progress
    # --prefer-list can bring back a paper removed in the database: never a replay.
    key = None if prefer_list else replay.digest(path, lenient)
    if key is not None:
        again = replay.try_replay(engine, key, str(path), prune=prune, dry_run=dry_run,
                                  diags=diags)
        if again is not None:
            return again
    start = len(diags.items)
    parsed = parse_file(path, diags, lenient=lenient)
    # Three passes over the rows: validation, planning, writing.
    progress.total = 3 * len(parsed.papers)
    records = from_markdown(parsed, diags, lenient=lenient, progress=progress)

    def plan(conn: Any) -> SyncReport:
        report = plan_and_apply(conn, records, prune=prune, dry_run=dry_run, progress=progress,
                                max_delete=max_delete, prefer_list=prefer_list)
        if conn is not None and not dry_run and key is not None:
            replay.store(conn, key, report, diags.items[start:])
        return report

    return _in_one_transaction(engine, dry_run, plan, wait)


def import_bibtex(
    engine: Engine,
    path: str | Path,
    *,
    prefer_bib: bool = False,
    add_new: bool = False,
    dry_run: bool = False,
    diags: Diagnostics | None = None,
    wait: Wait | None = None,
) -> MergeReport:
    """Merge a ``.bib`` file into the database: every entry is checked before any write,
    and the writes run in one transaction, under the writer lock."""
    from lmsdb.domain.bibrecords import from_bibtex
    from lmsdb.sources.bibtex import parse_file as parse_bib
    from lmsdb.sync import merge

    diags = diags if diags is not None else Diagnostics()
    parsed = parse_bib(path)
    records = from_bibtex(parsed, diags)
    kw = {"prefer_bib": prefer_bib, "add_new": add_new, "dry_run": dry_run, "diags": diags}
    return _in_one_transaction(engine, dry_run, lambda conn: merge.plan_and_apply(
        conn, parsed.file, records, **kw), wait)  # type: ignore[arg-type]


def _in_one_transaction(engine: Engine, dry_run: bool, plan: Callable[[Any], R],
                        wait: Wait | None = None) -> R:
    """Run ``plan(conn)`` in one transaction: committed, or (dry run, or any error) rolled
    back. A real run holds the writer lock from before ``plan`` reads anything until the
    commit. A dry run takes no lock and never creates or upgrades a database: with no
    schema yet, ``plan`` gets ``None`` and plans against an empty database. Another
    application's file, or a newer lmsdb's database, is refused either way."""
    if not dry_run:
        migrate.ensure_schema(engine, wait)
        with writing(engine, wait) as conn:
            return plan(conn)
    migrate.check_writable(engine)
    if not migrate.schema_exists(engine):
        return plan(None)
    if (rev := migrate.current_revision(engine)) != migrate.head_revision(engine):
        raise LmsdbError(f"the database is at revision {rev}, not the newest: "
                         "run `lmsdb migrate` before a dry run (a dry run writes nothing)")
    with engine.begin() as conn:
        report = plan(conn)
        conn.rollback()
    return report
