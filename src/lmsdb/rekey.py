"""Regenerate every citation key with the current scheme, on request only.

Keys are stable by design (nothing else recomputes them), so a paper that gained authors
from a ``.bib`` keeps ``zero2020`` until the user runs ``lmsdb rekey``. Papers that clash on
a key get their suffixes in title order (:func:`lmsdb.sync.key_order`, as the importer
gives them), never in the order they arrived, so the same papers always get the same keys.
The renames are applied in two bulk statements inside the caller's transaction: first to
temporary keys, then to the final ones, so that swapping two keys cannot trip the UNIQUE
constraint half-way.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, bindparam, select, update

from lmsdb.citekeys import KeyAllocator, base_key
from lmsdb.models import Author, Paper, PaperAuthor
from lmsdb.sync import key_order

papers_t = Paper.__table__
authors_t = Author.__table__
pa_t = PaperAuthor.__table__


def plan(conn: Connection) -> list[tuple[int, str, str]]:
    """``(paper id, old key, new key)`` for every paper whose key would change."""
    first = pa_t.join(authors_t, and_(authors_t.c.id == pa_t.c.author_id, pa_t.c.position == 0))
    q = (select(papers_t.c.id, papers_t.c.citation_key, papers_t.c.title, papers_t.c.year,
                authors_t.c.family, papers_t.c.url)
         .select_from(papers_t.outerjoin(first, pa_t.c.paper_id == papers_t.c.id))
         .order_by(papers_t.c.id))
    rows = conn.execute(q).all()
    keys = KeyAllocator()
    new = {r.id: keys.allocate(base_key(r.title, r.year, r.family))
           for r in sorted(rows, key=lambda r: key_order(r.title, r.url, r.year))}
    return [(r.id, r.citation_key, new[r.id]) for r in rows if new[r.id] != r.citation_key]


def rekey(conn: Connection, *, dry_run: bool = False) -> list[tuple[int, str, str]]:
    """Recompute every key; returns the changes (applied unless ``dry_run``)."""
    changes = plan(conn)
    if changes and not dry_run:
        stmt = (update(papers_t).where(papers_t.c.id == bindparam("_id"))
                .values(citation_key=bindparam("key")))
        # Generated keys are [a-z0-9] only, so the temporary keys clash with none of them.
        conn.execute(stmt, [{"_id": pid, "key": f"~rekey~{pid}"} for pid, _, _ in changes])
        conn.execute(stmt, [{"_id": pid, "key": new} for pid, _, new in changes])
    return changes
