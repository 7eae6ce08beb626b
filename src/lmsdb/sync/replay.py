"""Re-importing an unchanged list, the maintainer's most common command, without redoing it.

After a list import the database keeps, in ``list_sync``, a digest of what was imported
(the file's bytes, ``--lenient``, the lmsdb version) and what the import said that depends
on the list alone: the number of papers, merged duplicates, skipped rows, and its notes and
warnings. Triggers (revision 0004) empty ``list_sync`` whenever any table the sync reads
changes, by lmsdb or by anyone else. So when the digest is still there and matches, the
database is exactly as that import left it, and importing the same bytes again would change
nothing: the import replays the report instead of scanning, validating and comparing
100,000 rows. A database with unlisted papers (or, with ``--prune``, unlisted frameworks)
takes the full path, since the sync would have something to say or do about them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, text

from lmsdb import __version__
from lmsdb.diagnostics import Diagnostic, Diagnostics
from lmsdb.store import migrate
from lmsdb.store.tables import syncs_t as sync_t
from lmsdb.sync.report import SyncReport

FORMAT = "1"  # bump when what is replayed, or how the sync reads a list, changes


def digest(path: str | Path, lenient: bool) -> str | None:
    """What identifies an import: the file's bytes, the options, the code; None if the
    file cannot be read (the normal path then reports why)."""
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    h = hashlib.sha256(f"{FORMAT}\0{__version__}\0{int(lenient)}\0".encode())
    h.update(data)
    return h.hexdigest()


def store(conn: Connection, key: str, report: SyncReport, diags: list[Diagnostic]) -> None:
    """Remember an import that was just applied (call after its writes, which empty the
    table through the triggers)."""
    skip = {id(d) for d in report.match_notes}
    said = [[d.line, d.level, d.message, d.column] for d in diags if id(d) not in skip]
    value = {"papers": report.unchanged + len(report.updated) + len(report.added),
             "merged": report.merged, "skipped": report.skipped, "diagnostics": said}
    conn.execute(delete(sync_t))
    conn.execute(insert(sync_t), [{"key": "digest", "value": key},
                                  {"key": "report", "value": json.dumps(value)}])


def try_replay(engine: Engine, key: str, file: str, *, prune: bool, dry_run: bool,
               diags: Diagnostics) -> SyncReport | None:
    """The report of re-importing the list that ``key`` identifies, if nothing has changed
    since it was imported; else None (and the import runs in full)."""
    if not migrate.schema_exists(engine) or migrate.stored_revision(engine) != migrate.SCHEMA_HEAD:
        return None
    with engine.connect() as conn:
        stored = dict(conn.execute(select(sync_t.c.key, sync_t.c.value)).all())
        if stored.get("digest") != key or _has_unlisted(conn, prune):
            return None
    value: dict[str, Any] = json.loads(stored["report"])
    for line, level, message, column in value["diagnostics"]:
        diags.items.append(Diagnostic(file, line, level, message, column))
    return SyncReport(file=file, dry_run=dry_run, prune=prune, unchanged=value["papers"],
                      merged=value["merged"], skipped=value["skipped"], replayed=True)


def _has_unlisted(conn: Connection, prune: bool) -> bool:
    """Papers in no section (the sync reports them, and --prune deletes them); with prune,
    frameworks the list no longer has (it deletes them)."""
    if conn.execute(text("SELECT EXISTS (SELECT 1 FROM papers p WHERE NOT EXISTS "
                         "(SELECT 1 FROM paper_categories pc WHERE pc.paper_id = p.id))")
                    ).scalar():
        return True
    return prune and bool(conn.execute(text(
        "SELECT EXISTS (SELECT 1 FROM frameworks WHERE NOT listed)")).scalar())
