"""Regenerate every citation key with the current scheme, on request only.

Keys are stable by design (nothing else recomputes them), so a paper that gained authors
from a ``.bib`` keeps ``zero2020`` until the user runs ``lmsdb rekey``. Papers that clash on
a key get their suffixes in title order (:func:`lmsdb.sync.identity.key_order`, as the importer
gives them), never in the order they arrived, so the same papers always get the same keys.
The renames are applied in two bulk statements inside the caller's transaction: first to
temporary keys, then to the final ones, so that swapping two keys cannot trip the UNIQUE
constraint half-way. The old keys
are kept as aliases (``paper_aliases``): ``export bib`` writes them as biblatex ``ids`` and
resolves them in a ``.aux`` file, so a document that cites an old key still finds its paper.
"""

from __future__ import annotations

from sqlalchemy import Connection, and_, bindparam, delete, insert, select, update

from lmsdb.domain.citekeys import KeyAllocator, base_key
from lmsdb.store.tables import aliases_t, authors_t, pa_t, papers_t
from lmsdb.sync.identity import key_order


def plan(conn: Connection) -> list[tuple[int, str, str]]:
    """``(paper id, old key, new key)`` for every paper whose key would change."""
    first = pa_t.join(authors_t, and_(authors_t.c.id == pa_t.c.author_id, pa_t.c.position == 0))
    q = (select(papers_t.c.id, papers_t.c.citation_key, papers_t.c.title, papers_t.c.year,
                authors_t.c.family, papers_t.c.url)
         .select_from(papers_t.outerjoin(first, pa_t.c.paper_id == papers_t.c.id))
         .order_by(papers_t.c.id))
    rows = conn.execute(q).all()
    # A key once given stays with its paper: its current key and its old keys (aliases)
    # are never handed to another paper, so a document citing any of them still finds it.
    keys = KeyAllocator([*conn.execute(select(aliases_t.c.alias)).scalars(),
                         *(r.citation_key for r in rows)])
    new = {}
    for r in sorted(rows, key=lambda r: key_order(r.title, r.url, r.year)):
        keys.taken.discard(r.citation_key)  # the paper may keep its own key
        new[r.id] = keys.allocate(base_key(r.title, r.year, r.family))
        keys.taken.add(r.citation_key)
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
        keep_aliases(conn, changes)
    return changes


def keep_aliases(conn: Connection, changes: list[tuple[int, str, str]]) -> None:
    """Store each old key as an alias of its paper; an alias that is a key again goes."""
    keys = set(conn.execute(select(papers_t.c.citation_key)).scalars())
    conn.execute(delete(aliases_t).where(aliases_t.c.alias.in_(sorted(keys))))
    have = set(conn.execute(select(aliases_t.c.alias)).scalars())
    new = [{"alias": old, "paper_id": pid} for pid, old, _ in changes
           if old not in keys and old not in have]
    if new:
        conn.execute(insert(aliases_t), new)
