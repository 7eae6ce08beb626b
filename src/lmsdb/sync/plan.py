"""Plan a list's frameworks, sections and text, and each paper's links to them.

Each function compares what the list says with the loaded :class:`~lmsdb.store.state.ListState`,
queues the difference in :class:`~lmsdb.store.writes.Writes` and records it in the
:class:`~lmsdb.sync.report.SyncReport`.
"""

from __future__ import annotations

import json
import shlex
from typing import Any

from lmsdb.domain import venues
from lmsdb.domain.records import FrameworkRecord, ListRecords
from lmsdb.store.state import ListState, split_lines
from lmsdb.store.writes import Ids, Writes
from lmsdb.sync.identity import Group, cells_json
from lmsdb.sync.report import FieldChange, PaperDiff, SyncReport
from lmsdb.sync.threeway import SECTIONS

FRAMEWORK_FIELDS = ("name", "url", "year", "training", "inference", "serving", "comments")


def _framework_values(rec: FrameworkRecord) -> dict[str, Any]:
    return {f: getattr(rec, f) for f in FRAMEWORK_FIELDS}


def warn_unknown_venues(recs: ListRecords, book: venues.VenueBook) -> None:
    """Venues neither in the catalogue nor defined by the user are imported as written and
    reported once each."""
    seen: set[str] = set()
    for r in recs.papers:
        if r.venue:
            v = book.lookup(r.venue)
            if v is not None and not v.known and v.name not in seen:
                seen.add(v.name)
                recs.diagnostics.warn(recs.file, r.line, unknown_venue_message(v.name))


def unknown_venue_message(name: str) -> str:
    """The warning for a venue lmsdb does not know, naming the command that defines it."""
    return (f"unknown venue {name!r}: imported as written (`lmsdb venue add {shlex.quote(name)} "
            "--name FULL --kind conference` defines it)")


def plan_frameworks(recs: ListRecords, state: ListState, writes: Writes, report: SyncReport,
                    ids: Ids, prune: bool) -> dict[str, int]:
    """Frameworks in the list's order; those it no longer has are unlisted (kept for the
    papers that link them, never written by `export md`) or, with prune, deleted."""
    fw_ids: dict[str, int] = {}
    for pos, fr in enumerate(recs.frameworks):
        values = (_framework_values(fr) | {"position": pos, "listed": True,
                                           "cells": cells_json(fr.extra)})
        old = state.frameworks.get(fr.slug)
        if old is None:
            fw_ids[fr.slug] = fid = ids.take("frameworks")
            writes.fw_insert.append({"id": fid, "slug": fr.slug, **values})
            report.frameworks_added.append(fr.slug)
            continue
        fw_ids[fr.slug] = old["id"]
        changes = [FieldChange(f, old[f], values[f]) for f in (*FRAMEWORK_FIELDS, "cells")
                   if old[f] != values[f]]
        if not old["listed"]:
            changes.append(FieldChange("listed", False, True))
        if changes:
            report.frameworks_updated.append(PaperDiff(fr.slug, fr.name, fr.line, changes))
        if changes or old["position"] != pos:
            writes.fw_update.append({"_id": old["id"], **values})
    listed = {fr.slug for fr in recs.frameworks}
    extra = sorted((s for s in state.frameworks if s not in listed),
                   key=lambda s: state.frameworks[s]["position"])
    for k, slug in enumerate(extra):
        old = state.frameworks[slug]
        fw_ids[slug] = old["id"]
        if prune:
            writes.fw_delete.append(old["id"])
            report.frameworks_removed.append(slug)
        elif old["listed"] or old["position"] != len(recs.frameworks) + k:
            if old["listed"]:
                report.frameworks_removed.append(slug)
            kept = {f: old[f] for f in (*FRAMEWORK_FIELDS, "cells")}
            writes.fw_update.append({"_id": old["id"], **kept, "listed": False,
                                     "position": len(recs.frameworks) + k})
    return fw_ids


def plan_categories(recs: ListRecords, state: ListState, writes: Writes, report: SyncReport,
                    ids: Ids) -> dict[str, int]:
    """The list's sections in its order; a section the list drops is dropped."""
    cat_ids: dict[str, int] = {}
    listed = set(recs.categories)
    # A section with papers that no base names was made in the database (`lmsdb add
    # --category`): it stays, after the list's own; a section the list dropped is dropped.
    had = {c for b in state.base.values() for c in split_lines(b[SECTIONS])}
    used = {cid for links in state.pc.values() for cid in links}
    extra = sorted((c for c in state.categories if c not in listed),
                   key=lambda c: state.categories[c]["position"])
    mine = [c for c in extra if c not in had and state.categories[c]["id"] in used]
    report.categories_removed = [c for c in extra if c not in mine]
    writes.cat_delete = [state.categories[c]["id"] for c in report.categories_removed]
    for pos, name in enumerate([*recs.categories, *mine]):
        old = state.categories.get(name)
        if old is None:
            cat_ids[name] = cid = ids.take("categories")
            writes.cat_insert.append({"id": cid, "name": name, "position": pos})
            report.categories_added.append(name)
        else:
            cat_ids[name] = old["id"]
            if old["position"] != pos:
                writes.cat_update.append({"_id": old["id"], "position": pos})
    return cat_ids


def plan_text(recs: ListRecords, state: ListState, writes: Writes, report: SyncReport) -> None:
    """The list's own text around the tables, and its layout; an absent intro or extra text
    is ""."""
    layout = json.dumps(recs.layout, ensure_ascii=False, separators=(",", ":"))
    for k, v in (("title", recs.title), ("intro", recs.intro), ("extra", recs.extra),
                 ("layout", layout if recs.layout else None)):
        if v is not None and (state.meta.get(k) or "") != v:
            writes.meta_upsert.append({"key": k, "value": v})
            if state.meta:  # a change to text the database had, not a first import
                report.text_changed.append(k)


def queue_links(writes: Writes, state: ListState, pid: int, g: Group, fw_ids: dict[str, int],
           cat_ids: dict[str, int], diff: PaperDiff | None) -> None:
    """Queue the link-table changes (frameworks, sections) for one paper."""
    labels = g.labels if len(g.labels) == len(g.frameworks) else (None,) * len(g.frameworks)
    if diff is None:  # a new paper: every link is an insert
        writes.pf_insert += [(pid, fw_ids[s], k, labels[k]) for k, s in enumerate(g.frameworks)]
        cells = g.cells or {}
        writes.pc_insert += [(pid, cat_ids[c], p, cells.get(c)) for c, p in g.categories.items()]
        return
    want_pf = {fw_ids[s]: (k, labels[k]) for k, s in enumerate(g.frameworks)}
    cells = g.cells or {}
    want_pc = {cat_ids[c]: (p, cells.get(c)) for c, p in g.categories.items()}
    old_pf = state.pf.get(pid, {})
    old_pc = state.pc.get(pid, {})
    if old_pf != want_pf:
        _framework_changes(state, g, old_pf, want_pf, diff)
        _queue_changes(writes.pf_delete, writes.pf_insert, writes.pf_update, "_f", pid, old_pf,
                     want_pf)
    if old_pc != want_pc:
        if set(old_pc) != set(want_pc):
            diff.changes.append(FieldChange(
                "categories", _names(old_pc, state, "cat"), tuple(g.categories)))
        elif any(old_pc[c][1] != want_pc[c][1] for c in want_pc):
            diff.changes.append(FieldChange("other cells", tuple(old_pc[c][1] or "" for c in
                                                                 want_pc),
                                            tuple(want_pc[c][1] or "" for c in want_pc)))
        _queue_changes(writes.pc_delete, writes.pc_insert, writes.pc_update, "_c", pid, old_pc,
                     want_pc)


def _framework_changes(state: ListState, g: Group, old: dict[int, tuple[int, str | None]],
                       want: dict[int, tuple[int, str | None]], diff: PaperDiff) -> None:
    """Report a change of a paper's framework links (which, their order, their texts)."""
    if sorted(old, key=lambda f: old[f][0]) != sorted(want, key=lambda f: want[f][0]):
        diff.changes.append(FieldChange("frameworks", _names(old, state, "fw"),
                                        tuple(g.frameworks)))
    elif any(old[f][1] != want[f][1] for f in want):
        diff.changes.append(FieldChange(
            "framework link texts", tuple(old[f][1] or "" for f in sorted(old,
                                                                          key=lambda f: old[f][0])),
            tuple(want[f][1] or "" for f in sorted(want, key=lambda f: want[f][0]))))


def _queue_changes(deletes: list[dict[str, Any]], inserts: list[tuple[Any, ...]],
                 updates: list[dict[str, Any]], other: str, pid: int,
                 old: dict[int, tuple[int, str | None]],
                 want: dict[int, tuple[int, str | None]]) -> None:
    """Queue the rows of one link table that differ between ``old`` and ``want``."""
    for o in old.keys() - want.keys():
        deletes.append({"_p": pid, other: o})
    for o, (pos, extra) in want.items():
        if o not in old:
            inserts.append((pid, o, pos, extra))
        elif old[o] != (pos, extra):
            updates.append({"_p": pid, other: o, "position": pos, "extra": extra})


def _names(links: dict[int, tuple[int, str | None]], state: ListState,
           kind: str) -> tuple[str, ...]:
    ordered = sorted(links, key=lambda o: links[o][0])
    if kind == "fw":
        by_id = {f["id"]: s for s, f in state.frameworks.items()}
    else:
        by_id = {c["id"]: n for n, c in state.categories.items()}
    return tuple(by_id.get(o, "?") for o in ordered)
