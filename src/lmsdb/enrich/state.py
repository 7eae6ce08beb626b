"""What enrichment reads from the database, and the writes of one batch.

The papers to enrich are loaded once (one query per table); each batch's plan is written in
its own transaction, so an interrupted run keeps every batch finished before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, select, tuple_, update

from lmsdb.store.bulk import advance_sequences
from lmsdb.store.rows import set_authors, venue_id
from lmsdb.store.searchtext import refresh_papers
from lmsdb.store.state import load_alt_urls, load_authors, load_venues
from lmsdb.store.tables import lookups_t, pa_t, papers_t, prov_t, urls_t

#: Paper columns enrichment may fill (``authors`` is kept beside them).
COLUMNS = ("doi", "pages", "volume", "number", "publisher", "dblp_key", "s2_id")


@dataclass
class PaperState:
    """One paper as enrichment sees it."""

    id: int
    key: str
    title: str
    year: int | None  # None only for a lookup by identifier (lmsdb.enrich.lookup)
    venue: str | None
    url: str | None
    arxiv_id: str | None
    openreview_id: str | None
    values: dict[str, Any]  # COLUMNS
    authors: tuple[tuple[str, str | None, str | None], ...]  # family, given, orcid
    alt_urls: tuple[str, ...]
    provenance: dict[str, dict[str, Any]] = field(default_factory=dict)  # field -> row
    lookups: dict[str, dict[str, Any]] = field(default_factory=dict)  # source -> row

    def lacks(self) -> list[str]:
        """The fields enrichment could fill that are empty."""
        out = [c for c in COLUMNS if self.values.get(c) in (None, "")]
        if not self.authors:
            out.insert(0, "authors")
        return out


def load(conn: Connection, ids: set[int] | None) -> list[PaperState]:
    """The papers (all, or those in ``ids``) in id order, with authors, URLs and records."""
    venue_names = load_venues(conn)[1]
    people = load_authors(conn, "orcid")
    alt = load_alt_urls(conn)
    prov: dict[int, dict[str, dict[str, Any]]] = {}
    for r in conn.execute(select(prov_t)).mappings():
        prov.setdefault(r["paper_id"], {})[r["field"]] = dict(r)
    asked: dict[int, dict[str, dict[str, Any]]] = {}
    for r in conn.execute(select(lookups_t)).mappings():
        asked.setdefault(r["paper_id"], {})[r["source"]] = dict(r)
    out = []
    for r in conn.execute(select(papers_t).order_by(papers_t.c.id)).mappings():
        if ids is not None and r["id"] not in ids:
            continue
        out.append(PaperState(
            id=r["id"], key=r["citation_key"], title=r["title"], year=r["year"],
            venue=venue_names.get(r["venue_id"]) if r["venue_id"] else None, url=r["url"],
            arxiv_id=r["arxiv_id"], openreview_id=r["openreview_id"],
            values={c: r[c] for c in COLUMNS}, authors=tuple(people.get(r["id"], ())),
            alt_urls=tuple(alt.get(r["id"], ())), provenance=prov.get(r["id"], {}),
            lookups=asked.get(r["id"], {})))
    return out


@dataclass
class BatchWrites:
    """Everything one batch writes, applied in one transaction."""

    columns: dict[int, dict[str, Any]] = field(default_factory=dict)  # paper -> column values
    authors: dict[int, tuple[tuple[str, str | None, str | None], ...]] = field(
        default_factory=dict)  # paper -> the whole new author list
    orcids: dict[tuple[int, int], str] = field(default_factory=dict)  # (paper, position)
    venues: dict[int, tuple[str, str | None, str]] = field(default_factory=dict)  # paper ->
    # (venue name, full name, kind)
    alt_urls: list[tuple[int, str]] = field(default_factory=list)
    provenance: list[dict[str, Any]] = field(default_factory=list)
    lookups: list[dict[str, Any]] = field(default_factory=list)

    def apply(self, conn: Connection) -> None:
        for pid, venue in self.venues.items():
            self.columns.setdefault(pid, {})["venue_id"] = venue_id(conn, *venue)
        for pid, values in self.columns.items():
            conn.execute(update(papers_t).where(papers_t.c.id == pid).values(**values))
        for pid, people in self.authors.items():
            set_authors(conn, pid, people)
        refresh_papers(conn, self.authors)  # search by the new authors at once
        for (pid, pos), orcid in self.orcids.items():
            conn.execute(update(pa_t).where(and_(pa_t.c.paper_id == pid, pa_t.c.position == pos))
                         .values(orcid=orcid))
        if self.alt_urls:
            have = {tuple(r) for r in conn.execute(select(urls_t.c.paper_id, urls_t.c.url))}
            new = [{"paper_id": p, "url": u} for p, u in dict.fromkeys(self.alt_urls)
                   if (p, u) not in have]
            if new:
                conn.execute(insert(urls_t), new)
        _replace(conn, prov_t, ("paper_id", "field"), self.provenance)
        _replace(conn, lookups_t, ("paper_id", "source"), self.lookups)
        if conn.dialect.name == "postgresql":
            advance_sequences(conn)


def _replace(conn: Connection, table: Any, key: tuple[str, str], rows: list[dict[str, Any]]
             ) -> None:
    if not rows:
        return
    cols = [table.c[k] for k in key]
    keys = list(dict.fromkeys((r[key[0]], r[key[1]]) for r in rows))
    for i in range(0, len(keys), 400):
        conn.execute(delete(table).where(tuple_(*cols).in_(keys[i:i + 400])))
    last = {(r[key[0]], r[key[1]]): r for r in rows}  # the latest row per key wins
    conn.execute(insert(table), list(last.values()))

