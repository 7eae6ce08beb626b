"""The writes of one sync or merge, queued while planning and applied in one flush.

A planner queues rows (:class:`Writes`), takes ids from :class:`Ids` (lmsdb assigns ids
itself: bulk inserts and the rows that link to a new paper need them before anything is
written) and venues from :class:`VenueIds` (created on first use). :meth:`Writes.apply`
then writes everything with bulk Core statements, in dependency order, inside the
caller's transaction. The list sync and the ``.bib`` merge both write through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, update

from lmsdb.domain import venues
from lmsdb.store import tables as t
from lmsdb.store.bulk import advance_sequences, bulk_insert, chunks
from lmsdb.store.searchtext import tsvector

# New papers from a list are queued as tuples in this column order (a dict per row costs
# 4x the memory).
PAPER_INSERT_COLS = ("id", "citation_key", "title", "url", "year", "venue_id", "arxiv_id", "doi",
                     "openreview_id", "search_title", "search_authors", "search_vector")
BASE_COLS = ("paper_id", "title", "url", "year", "venue", "frameworks", "categories")
PF_COLS = ("paper_id", "framework_id", "position", "label")
PC_COLS = ("paper_id", "category_id", "position", "cells")


class Ids:
    """The next free id of each table, counting on from the largest one loaded."""

    def __init__(self, **loaded: Iterable[int]):
        self._next = {table: max(ids, default=0) + 1 for table, ids in loaded.items()}

    def take(self, table: str) -> int:
        i = self._next[table]
        self._next[table] = i + 1
        return i


class VenueIds:
    """Venue ids by name (the dicts a state loaded, kept up to date), creating a venue in
    ``writes`` on first use; ``added`` names the venues created."""

    def __init__(self, by_name: dict[str, int], names: dict[int, str], ids: Ids,
                 writes: Writes):
        self.by_name, self.names, self.ids, self.writes = by_name, names, ids, writes
        self.added: list[str] = []

    def get(self, v: venues.Venue) -> int:
        vid = self.by_name.get(v.name)
        if vid is None:
            vid = self.by_name[v.name] = self.ids.take("venues")
            self.names[vid] = v.name
            self.writes.venue_insert.append({"id": vid, "name": v.name, "full_name": v.full_name,
                                             "kind": v.kind, "known": v.known})
            self.added.append(v.name)
        return vid


@dataclass
class Writes:
    """Every write of one sync or merge, applied as bulk statements in dependency order.

    Updates are dicts keyed by column name (plus ``_id``, ``_p``...: the row they update);
    the columns an update sets are its rows' keys."""

    venue_insert: list[dict[str, Any]] = field(default_factory=list)
    fw_insert: list[dict[str, Any]] = field(default_factory=list)
    fw_update: list[dict[str, Any]] = field(default_factory=list)
    fw_delete: list[int] = field(default_factory=list)
    cat_insert: list[dict[str, Any]] = field(default_factory=list)
    cat_update: list[dict[str, Any]] = field(default_factory=list)
    cat_delete: list[int] = field(default_factory=list)
    paper_insert: list[tuple[Any, ...]] = field(default_factory=list)  # in paper_cols order
    paper_update: list[dict[str, Any]] = field(default_factory=list)
    paper_delete: list[int] = field(default_factory=list)
    pc_clear: list[int] = field(default_factory=list)  # papers that left every section
    url_delete: list[int] = field(default_factory=list)
    url_insert: list[dict[str, Any]] = field(default_factory=list)
    pf_insert: list[tuple[Any, ...]] = field(default_factory=list)  # (paper, fw, pos, label)
    pf_update: list[dict[str, Any]] = field(default_factory=list)
    pf_delete: list[dict[str, Any]] = field(default_factory=list)
    pc_insert: list[tuple[Any, ...]] = field(default_factory=list)  # (paper, cat, pos, cells)
    pc_update: list[dict[str, Any]] = field(default_factory=list)
    pc_delete: list[dict[str, Any]] = field(default_factory=list)
    meta_upsert: list[dict[str, Any]] = field(default_factory=list)
    base_insert: list[tuple[Any, ...]] = field(default_factory=list)  # BASE_COLS
    base_update: list[dict[str, Any]] = field(default_factory=list)
    removed_delete: list[int] = field(default_factory=list)
    author_insert: list[dict[str, Any]] = field(default_factory=list)
    pa_replace: list[int] = field(default_factory=list)  # papers whose authors are replaced
    pa_insert: list[dict[str, Any]] = field(default_factory=list)
    # Papers whose authors changed: their search columns, recomputed (paper id -> values).
    search_update: dict[int, dict[str, Any]] = field(default_factory=dict)
    # The columns of the tuples in paper_insert.
    paper_cols: tuple[str, ...] = PAPER_INSERT_COLS

    def _add_vectors(self) -> None:
        """PostgreSQL's index reads the stems (search_vector), which SQLite does without.
        New papers get theirs as they are copied (``bulk_insert``'s ``row_map``), so that
        lmsdb computes them while the server stores the rows before them."""
        for d in (*self.paper_update, *self.search_update.values()):
            if "search_title" in d:
                d["search_vector"] = tsvector(d["search_title"], d["search_authors"])

    def any(self) -> bool:
        """Whether there is anything to write."""
        return any(getattr(self, f.name) for f in fields(self) if f.name != "paper_cols")

    def apply(self, conn: Connection) -> None:
        ex = conn.execute
        if self.venue_insert:
            bulk_insert(conn, t.venues_t, self.venue_insert)
        if self.fw_insert:
            bulk_insert(conn, t.frameworks_t, self.fw_insert)
        _update_by_id(conn, t.frameworks_t, self.fw_update)
        if self.cat_insert:
            bulk_insert(conn, t.categories_t, self.cat_insert)
        if self.cat_update:
            # Positions are not unique, so updating them in any order is safe.
            ex(update(t.categories_t).where(t.categories_t.c.id == bindparam("_id"))
               .values(position=bindparam("position")), self.cat_update)
        if self.paper_delete:
            for chunk in chunks(self.paper_delete):
                ex(delete(t.pf_t).where(t.pf_t.c.paper_id.in_(chunk)))
                ex(delete(t.pc_t).where(t.pc_t.c.paper_id.in_(chunk)))
                ex(delete(t.urls_t).where(t.urls_t.c.paper_id.in_(chunk)))
                ex(delete(t.pa_t).where(t.pa_t.c.paper_id.in_(chunk)))
                ex(delete(t.base_t).where(t.base_t.c.paper_id.in_(chunk)))
                ex(delete(t.aliases_t).where(t.aliases_t.c.paper_id.in_(chunk)))
                ex(delete(t.papers_t).where(t.papers_t.c.id.in_(chunk)))
        if conn.dialect.name == "postgresql":
            self._add_vectors()
        for chunk in chunks(self.pc_clear):
            ex(delete(t.pc_t).where(t.pc_t.c.paper_id.in_(chunk)))
        if self.paper_insert:
            pg = conn.dialect.name == "postgresql" and "search_vector" in self.paper_cols
            bulk_insert(conn, t.papers_t, self.paper_insert, self.paper_cols,
                        row_map=_vector_of(self.paper_cols) if pg else None)
        _update_by_id(conn, t.papers_t, self.paper_update)
        for chunk in chunks(self.url_delete):
            ex(delete(t.urls_t).where(t.urls_t.c.paper_id.in_(chunk)))
        if self.url_insert:
            bulk_insert(conn, t.urls_t, self.url_insert)
        self._apply_links(conn)
        self._apply_base(conn)
        if self.fw_delete:
            ex(delete(t.frameworks_t).where(t.frameworks_t.c.id.in_(self.fw_delete)))
        if self.cat_delete:
            ex(delete(t.pc_t).where(t.pc_t.c.category_id.in_(self.cat_delete)))
            ex(delete(t.categories_t).where(t.categories_t.c.id.in_(self.cat_delete)))
        for row in self.meta_upsert:
            if ex(update(t.meta_t).where(t.meta_t.c.key == row["key"]).values(value=row["value"])
                  ).rowcount == 0:
                ex(insert(t.meta_t), [row])
        self._apply_authors(conn)
        if conn.dialect.name == "postgresql":
            advance_sequences(conn)

    def _apply_links(self, conn: Connection) -> None:
        """Framework links and section placements: deletes, inserts, then updates."""
        ex = conn.execute
        if self.pf_delete:
            ex(delete(t.pf_t).where(t.pf_t.c.paper_id == bindparam("_p"),
                                  t.pf_t.c.framework_id == bindparam("_f")), self.pf_delete)
        if self.pc_delete:
            ex(delete(t.pc_t).where(t.pc_t.c.paper_id == bindparam("_p"),
                                  t.pc_t.c.category_id == bindparam("_c")), self.pc_delete)
        if self.pf_insert:
            bulk_insert(conn, t.pf_t, self.pf_insert, PF_COLS)
        if self.pc_insert:
            bulk_insert(conn, t.pc_t, self.pc_insert, PC_COLS)
        if self.pf_update:
            ex(update(t.pf_t).where(t.pf_t.c.paper_id == bindparam("_p"),
                                  t.pf_t.c.framework_id == bindparam("_f"))
               .values(position=bindparam("position"), label=bindparam("extra")),
               self.pf_update)
        if self.pc_update:
            ex(update(t.pc_t).where(t.pc_t.c.paper_id == bindparam("_p"),
                                  t.pc_t.c.category_id == bindparam("_c"))
               .values(position=bindparam("position"), cells=bindparam("extra")),
               self.pc_update)

    def _apply_base(self, conn: Connection) -> None:
        """The three-way sync's own tables: the base, and removals the list caught up with."""
        if self.base_insert:
            bulk_insert(conn, t.base_t, self.base_insert, BASE_COLS)
        if self.base_update:
            cols = {f: bindparam(f) for f in BASE_COLS[1:]}
            conn.execute(update(t.base_t).where(t.base_t.c.paper_id == bindparam("_p"))
                         .values(cols), self.base_update)
        for chunk in chunks(self.removed_delete):
            conn.execute(delete(t.removed_t).where(t.removed_t.c.id.in_(chunk)))

    def _apply_authors(self, conn: Connection) -> None:
        """Authors (a .bib merge): new people, each paper's list, and its search text."""
        if self.author_insert:
            bulk_insert(conn, t.authors_t, self.author_insert)
        for chunk in chunks(self.pa_replace):
            conn.execute(delete(t.pa_t).where(t.pa_t.c.paper_id.in_(chunk)))
        if self.pa_insert:
            bulk_insert(conn, t.pa_t, self.pa_insert)
        _update_by_id(conn, t.papers_t,
                      [{"_id": pid, **v} for pid, v in self.search_update.items()])


def _vector_of(cols: tuple[str, ...]) -> Any:
    """Maps a queued paper (a tuple in ``cols`` order) to one with its search_vector."""
    title, authors, vector = (cols.index(c) for c in
                              ("search_title", "search_authors", "search_vector"))

    def row_map(row: tuple[Any, ...]) -> tuple[Any, ...]:
        out = list(row)
        out[vector] = tsvector(row[title], row[authors])
        return tuple(out)

    return row_map


def _update_by_id(conn: Connection, table: Any, rows: list[dict[str, Any]]) -> None:
    """Update rows by id (``_id``); the columns set are the rows' other keys, by name."""
    if rows:
        cols = {c: bindparam(c) for c in rows[0] if c != "_id"}
        conn.execute(update(table).where(table.c.id == bindparam("_id")).values(cols), rows)
