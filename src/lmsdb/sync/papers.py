"""Plan the papers of a list import: fold rows into papers, match, merge, queue.

Duplicate rows are folded and matched to the database (:mod:`lmsdb.sync.identity`), each
matched paper is merged three ways with what the database changed since the last import
(:mod:`lmsdb.sync.threeway`), and the inserts, updates and base rows are queued in
:class:`~lmsdb.store.writes.Writes`; papers the list no longer has are unlisted or pruned.
"""

from __future__ import annotations

from typing import Any

from lmsdb.domain.citekeys import KeyAllocator, base_key
from lmsdb.domain.records import ListRecords
from lmsdb.progress import STEP, Progress
from lmsdb.store.searchtext import search_columns
from lmsdb.store.state import ListState
from lmsdb.store.writes import BASE_COLS, Ids, VenueIds, Writes
from lmsdb.sync.identity import (
    Group,
    claim,
    group_records,
    key_order,
    renumber_positions,
    resolve,
)
from lmsdb.sync.plan import queue_links
from lmsdb.sync.report import FieldChange, PaperDiff, SyncReport
from lmsdb.sync.threeway import (
    SECTIONS,
    Merger,
    group_keys,
    listed_values,
    place_sections,
    removed_index,
)


def plan_papers(recs: ListRecords, state: ListState, writes: Writes, report: SyncReport,
                ids: Ids, fw_ids: dict[str, int], cat_ids: dict[str, int], prune: bool,
                progress: Progress, merger: Merger) -> list[Group]:
    """Fold duplicate rows into papers, match them to the database, merge each with what
    the database changed since the last import, queue the changes."""
    groups = group_records(recs.papers)
    gaps = False
    for g in groups:
        gaps |= resolve(g, recs.file, recs.diagnostics, report.merged, state.book.lookup)
    if gaps:
        renumber_positions(groups)
    before = len(recs.diagnostics.items)
    claim(groups, state, recs.file, recs.diagnostics)
    for g in groups:
        g.keys = []  # needed only to match: free them before the writes are built
    groups = _skip_removed(groups, state, writes, recs, merger)
    listed: dict[int, tuple[Any, ...]] = {}
    for g in groups:
        if g.existing is not None:
            listed[g.existing] = listed_values(g)
            merger.merge(g)
    # Papers added in the database (never in the list) that are in a section stay listed.
    matched = {g.existing for g in groups}
    kept = {pid: state.pc[pid] for pid in state.papers
            if pid not in matched and pid not in state.base and state.pc.get(pid)}
    merger.outcome.kept_papers = [state.papers[pid]["citation_key"] for pid in kept]
    for (pid, cid), pos in place_sections(groups, kept, state, cat_ids,
                                            merger.touched).items():
        if state.pc[pid][cid][0] != pos:
            writes.pc_update.append({"_p": pid, "_c": cid, "position": pos,
                                     "extra": state.pc[pid][cid][1]})
    # These notes depend on the database, not only on the list: never replayed (a conflict
    # is reported once: the next import of the same list notes the database's value).
    report.match_notes = recs.diagnostics.items[before:]
    plan = PaperPlan(state, writes, report, ids, fw_ids, cat_ids)
    _allocate_keys(plan.keys, [g for g in groups if g.existing is None])
    done = 0
    for g in groups:
        done += len(g.records)
        if done >= STEP:
            progress.update(done)
            done = 0
        if g.existing is not None:
            plan.update(g)
            queue_base(writes, state, g.existing, listed[g.existing])
        else:
            queue_base(writes, state, plan.add(g), listed_values(g))
    progress.update(done)
    _plan_unlisted(state, writes, report, plan.matched | set(kept), prune)
    _report_moves(state, groups, cat_ids, report)
    return groups


def _skip_removed(groups: list[Group], state: ListState, writes: Writes, recs: ListRecords,
                  merger: Merger) -> list[Group]:
    """Leave out the list's rows for papers removed in the database (``lmsdb rm``), unless
    ``--prefer-list``; forget removals the list has caught up with."""
    if not state.removed:
        return groups
    index = removed_index(state)
    hit: set[int] = set()
    out = []
    for g in groups:
        rid = None if g.existing is not None else next(
            (index[k] for k in group_keys(g) if k in index), None)
        if rid is None:
            out.append(g)
            continue
        hit.add(rid)
        key = state.removed[rid][0]
        if merger.prefer_list:
            writes.removed_delete.append(rid)
            out.append(g)
            continue
        merger.outcome.not_readded.append(key)
        recs.diagnostics.note(recs.file, g.records[0].line, f"{key} was removed in the database "
                              "(lmsdb rm): not added again (--prefer-list adds it)")
    writes.removed_delete += [rid for rid in state.removed if rid not in hit]
    return out


def queue_base(writes: Writes, state: ListState, pid: int, values: tuple[Any, ...]) -> None:
    """The base becomes what the list just said (written only where it changed)."""
    old = state.base.get(pid)
    if old is not None and old == values:
        return
    # A tuple in BASE_COLS order: a first import queues one per paper (100,000 at scale).
    row = (pid, *values)
    if old is None:
        writes.base_insert.append(row)
    else:
        writes.base_update.append({"_p": pid, **dict(zip(BASE_COLS[1:], row[1:], strict=True))})


def _plan_unlisted(state: ListState, writes: Writes, report: SyncReport, matched: set[int],
                   prune: bool) -> None:
    """Papers the list does not have: deleted with prune; otherwise they leave their
    sections and stay in the database, unlisted (in .bib exports, sql, search)."""
    for pid, row in state.papers.items():
        if pid in matched:
            continue
        diff = PaperDiff(row["citation_key"], row["title"])
        report.removed.append(diff)
        if prune:
            writes.paper_delete.append(pid)
            continue
        if pid in state.pc:
            report.left.append(diff)
            writes.pc_clear.append(pid)
        base = state.base.get(pid)
        if base is not None and base[SECTIONS]:  # the list lists it nowhere: that is the base
            queue_base(writes, state, pid, (*base[:SECTIONS], ""))


def _report_moves(state: ListState, groups: list[Group], cat_ids: dict[str, int],
                  report: SyncReport) -> None:
    """Papers whose order relative to the papers that stayed in a section changed: per
    section, those outside a longest run kept in the old order. Rows inserted or removed
    around a paper do not move it."""
    by_cat: dict[int, list[tuple[int, int, int]]] = {}
    for g in groups:
        pid = g.existing
        old = state.pc.get(pid) if pid is not None else None
        if not old:
            continue
        for cat, pos in g.categories.items():
            was = old.get(cat_ids[cat])
            if was is not None:
                by_cat.setdefault(cat_ids[cat], []).append((pos, was[0], pid))
    moved: dict[int, list[str]] = {}
    names = {c["id"]: n for n, c in state.categories.items()}
    for cid, members in by_cat.items():
        members.sort()
        for pid in _out_of_order(members):
            moved.setdefault(pid, []).append(names[cid])
    for pid, where in moved.items():
        row = state.papers[pid]
        report.moved.append(PaperDiff(row["citation_key"], row["title"], None,
                                      [FieldChange("moved in", None, tuple(where))]))


def _out_of_order(members: list[tuple[int, int, int]]) -> list[int]:
    """Ids (third item) not in a longest increasing run of old positions (second item).

    >>> _out_of_order([(0, 1, 10), (1, 2, 11), (2, 3, 12), (3, 0, 13)])  # 13 moved up
    [13]
    >>> _out_of_order([(0, 1, 10), (1, 0, 11), (2, 2, 12)])  # a swap: one of the two moved
    [10]
    """
    tails: list[int] = []  # index into members of the smallest tail of each run length
    prev: list[int] = [-1] * len(members)
    for i, (_, old, _) in enumerate(members):
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if members[tails[mid]][1] < old:
                lo = mid + 1
            else:
                hi = mid
        prev[i] = tails[lo - 1] if lo else -1
        if lo == len(tails):
            tails.append(i)
        else:
            tails[lo] = i
    keep: set[int] = set()
    i = tails[-1] if tails else -1
    while i != -1:
        keep.add(i)
        i = prev[i]
    return [m[2] for k, m in enumerate(members) if k not in keep]


def _allocate_keys(keys: KeyAllocator, new: list[Group]) -> None:
    for g in sorted(new, key=lambda g: key_order(g.title, g.url, g.year)):
        g.key = keys.allocate(base_key(g.title, g.year))


class PaperPlan:
    """Queues the writes for papers, one group (one paper) at a time."""

    def __init__(self, state: ListState, writes: Writes, report: SyncReport, ids: Ids,
                 fw_ids: dict[str, int], cat_ids: dict[str, int]):
        self.state, self.writes, self.report, self.ids = state, writes, report, ids
        self.fw_ids, self.cat_ids = fw_ids, cat_ids
        self.keys = KeyAllocator([*(p["citation_key"] for p in state.papers.values()),
                                  *state.aliases])
        self.venues = VenueIds(state.venues, state.venue_names, ids, writes)
        report.venues_added = self.venues.added
        self.matched: set[int] = set()

    def venue_id(self, g: Group) -> int | None:
        """The id of the group's venue, creating the venue on first use."""
        return None if g.venue is None else self.venues.get(g.venue)

    def add(self, g: Group) -> int:
        pid = self.ids.take("papers")
        key = g.key
        search = search_columns(g.title, None)  # a list gives no authors
        self.writes.paper_insert.append((pid, key, g.title, g.url, g.year, self.venue_id(g),
                                         g.arxiv_id, g.doi, g.openreview_id,
                                         *search.values()))
        self.writes.url_insert += [{"paper_id": pid, "url": u} for u in g.alt_urls]
        queue_links(self.writes, self.state, pid, g, self.fw_ids, self.cat_ids, None)
        self.report.added.append(PaperDiff(key, g.title, g.records[0].line))
        return pid

    def update(self, g: Group) -> None:
        state, writes = self.state, self.writes
        pid = g.existing
        assert pid is not None
        self.matched.add(pid)
        old = state.papers[pid]
        venue_id = self.venue_id(g)
        values = {"title": g.title, "url": g.url, "year": g.year, "venue_id": venue_id,
                  # Identifiers from elsewhere (a merged .bib) are kept when the list has none.
                  "arxiv_id": g.arxiv_id or old["arxiv_id"], "doi": g.doi or old["doi"],
                  "openreview_id": g.openreview_id or old["openreview_id"]}
        diff = PaperDiff(old["citation_key"], g.title, g.records[0].line)
        for f in ("title", "url", "year", "arxiv_id", "doi", "openreview_id"):
            if old[f] != values[f]:
                diff.changes.append(FieldChange(f, old[f], values[f]))
        if old["venue_id"] != venue_id:
            diff.changes.append(FieldChange("venue", state.venue_names.get(old["venue_id"]),
                                            g.venue.name if g.venue else None))
        if diff.changes:
            # The search text follows the title; the authors (from a .bib) stay.
            search = search_columns(g.title, old["search_authors"])
            writes.paper_update.append({"_id": pid, **values, **search})
        # Alternative links accumulate: the list shows one link per paper, so a link
        # learned from an earlier version (or a merged duplicate row) is kept, not lost.
        had = state.alt_urls.get(pid)
        if had or g.alt_urls:  # most papers have none
            old_alt = set(had or ())
            new_alt = (old_alt | set(g.alt_urls)) - {g.url}
            if old_alt != new_alt:
                diff.changes.append(FieldChange("alternative urls", tuple(sorted(old_alt)),
                                                tuple(sorted(new_alt))))
                writes.url_delete.append(pid)
                writes.url_insert += [{"paper_id": pid, "url": u} for u in sorted(new_alt)]
        queue_links(writes, state, pid, g, self.fw_ids, self.cat_ids, diff)
        if diff.changes:
            self.report.updated.append(diff)
        else:
            self.report.unchanged += 1
