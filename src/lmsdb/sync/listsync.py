"""Write a validated list into the database: deduplicate, diff, apply in one transaction.

The whole diff is computed in memory from one query per table (:mod:`lmsdb.store.state`),
planned by :mod:`lmsdb.sync.plan` and :mod:`lmsdb.sync.papers`, then written with bulk Core
statements (:mod:`lmsdb.store.writes`) inside a single transaction: an import either commits
completely or leaves the database as it was. Running it twice on the same list changes
nothing. ``--prune`` is checked here before anything is written.
"""

from __future__ import annotations

from sqlalchemy import Connection

from lmsdb.diagnostics import Diagnostics, LmsdbError
from lmsdb.domain.records import ListRecords
from lmsdb.progress import NoProgress, Progress
from lmsdb.store import pgload
from lmsdb.store.state import ListState, load_state
from lmsdb.store.tables import base_t, papers_t, pc_t, pf_t, urls_t
from lmsdb.store.writes import Ids, Writes
from lmsdb.sync import rewrites
from lmsdb.sync.papers import plan_papers
from lmsdb.sync.plan import plan_categories, plan_frameworks, plan_text, warn_unknown_venues
from lmsdb.sync.report import SyncReport
from lmsdb.sync.threeway import Merger

# `import --prune` deletes at most this share of the papers (or of the frameworks) of the
# database, or this many of them, whichever is larger, and never all of them; beyond that a
# stray line in the list is likelier than a real clear-out, and --max-delete must say so.
PRUNE_SAFE_SHARE = 0.10
PRUNE_SAFE_COUNT = 20


class PruneRefused(LmsdbError):
    """``--prune`` would delete more than it can trust the list to mean (exit code 1)."""


def prune_limit(total: int) -> int:
    """How many of ``total`` papers (or frameworks) a prune may delete without --max-delete.

    >>> prune_limit(25), prune_limit(1000), prune_limit(10)
    (20, 100, 9)
    """
    return min(max(PRUNE_SAFE_COUNT, int(total * PRUNE_SAFE_SHARE)), max(total - 1, 0))


def check_prune(report: SyncReport, state: ListState, diags: Diagnostics,
                max_delete: int | None) -> None:
    """Refuse a prune that trusts a list the importer could not fully read, or that deletes
    more than a safe share of the database, unless ``max_delete`` allows that many."""
    papers, fws = len(report.removed), len(report.frameworks_removed)
    what = f"{papers} of {len(state.papers)} papers and {fws} of {len(state.frameworks)} frameworks"
    if max_delete is not None:
        if max(papers, fws) > max_delete:
            raise PruneRefused(f"--prune would delete {what}, more than --max-delete "
                               f"{max_delete}: nothing changed")
        return
    if not (papers or fws):
        return
    hint = (f"; check the list, or pass --max-delete {max(papers, fws)} to allow it: "
            "nothing changed")
    if diags.not_kept:
        first = diags.not_kept[0]
        raise PruneRefused(f"--prune would delete {what}, but the import could not read all of "
                           f"the list ({first.file}:{first.line}: {first.message})" + hint)
    if papers > prune_limit(len(state.papers)) or fws > prune_limit(len(state.frameworks)):
        raise PruneRefused(f"--prune would delete {what}, more than the safe share (the "
                           f"larger of {PRUNE_SAFE_COUNT} and {PRUNE_SAFE_SHARE:.0%}, and never "
                           "all)" + hint)


def plan_and_apply(
    conn: Connection | None,
    recs: ListRecords,
    *,
    prune: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    max_delete: int | None = None,
    prefer_list: bool = False,
) -> SyncReport:
    """Compute the diff between ``recs`` and the database, and (unless dry-run) apply it.

    ``conn`` must be inside a transaction; the caller commits. ``conn=None`` plans against an
    empty database (a dry run on a database that does not exist yet). A prune is checked by
    :func:`check_prune` first (a dry run only warns that it would be refused). Fields the
    database changed since the last import are merged three ways (see
    :mod:`lmsdb.sync.threeway`); ``prefer_list`` settles conflicts for the list.
    """
    progress = NoProgress() if progress is None else progress
    state = load_state(conn)
    report = SyncReport(file=recs.file, dry_run=dry_run, prune=prune, skipped=recs.skipped)
    writes = Writes()
    ids = Ids(papers=state.papers, venues=state.venue_names,
              frameworks=(f["id"] for f in state.frameworks.values()),
              categories=(c["id"] for c in state.categories.values()))
    warn_unknown_venues(recs, state.book)
    fw_ids = plan_frameworks(recs, state, writes, report, ids, prune)
    cat_ids = plan_categories(recs, state, writes, report, ids)
    merger = Merger(state, recs.file, recs.diagnostics, prefer_list)
    report.merge = merger.outcome
    groups = plan_papers(recs, state, writes, report, ids, fw_ids, cat_ids, prune, progress,
                         merger)
    plan_text(recs, state, writes, report)
    if prune:
        try:
            check_prune(report, state, recs.diagnostics, max_delete)
        except PruneRefused as e:
            if not dry_run:
                raise
            recs.diagnostics.warn(recs.file, None, f"the import would be refused: {e}")
    rewrites.note_rewrites(recs, groups)
    report.writes = writes.any()
    if conn is not None and not dry_run:
        with pgload.keys_checked_after(conn, (papers_t, pf_t, pc_t, urls_t, base_t),
                                       len(writes.paper_insert)):
            writes.apply(conn)
    progress.update(len(recs.papers))  # the writing pass
    return report
