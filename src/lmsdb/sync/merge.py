"""Merge validated ``.bib`` records into the database: match, fill, report conflicts.

Each record is matched to a known paper by DOI, then arXiv id, then normalised title. The
merge fills what the paper lacks (authors and the bibliographic columns); a value that
differs from the stored one is a *conflict*, reported and kept unless ``prefer_bib``. Title,
year and venue belong to the markdown list (its next import would undo a change), so a
difference there is only reported. Like the list sync, the plan is computed from the state
:mod:`lmsdb.store.state` loads (one query per table) and written by the same flush
(:class:`lmsdb.store.writes.Writes`), in the caller's transaction.
Citation keys of existing papers never change; papers added with ``add_new`` get a key from
:mod:`lmsdb.domain.citekeys` (author form when the entry has authors).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from lmsdb.diagnostics import Diagnostics
from lmsdb.domain import identifiers
from lmsdb.domain.bibrecords import BibRecord, Person
from lmsdb.domain.citekeys import KeyAllocator, base_key, fold
from lmsdb.store.rows import author_key
from lmsdb.store.searchtext import authors_text, search_columns
from lmsdb.store.state import MergeState, load_merge_state
from lmsdb.store.writes import Ids, VenueIds, Writes
from lmsdb.sync.identity import normalise_title
from lmsdb.sync.report import FieldChange, MergeReport, PaperMerge, show_authors

#: Columns a .bib fills; ``authors`` is handled beside them.
BIB_FIELDS = ("doi", "arxiv_id", "pages", "publisher", "volume", "number", "primary_class")
#: A new paper from a .bib is queued as a tuple in this column order.
NEW_PAPER_COLS = ("id", "citation_key", "title", "url", "year", "venue_id", "openreview_id",
                  *BIB_FIELDS)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def title_key(title: str) -> str:
    """:func:`lmsdb.sync.identity.normalise_title`, ASCII-folded and without punctuation.

    BibTeX sources and the list punctuate the same title differently ("Multi-Billion" vs
    "Multi Billion", a trailing period), so only letters and digits are compared.

    >>> title_key("ZeRO: memory optimizations.") == title_key("ZeRO - Memory Optimizations")
    True
    """
    return _NON_ALNUM.sub("", fold(normalise_title(title)))


class _Index:
    """Papers by DOI, arXiv id and title key; a title shared by two papers matches neither."""

    def __init__(self) -> None:
        self.by: dict[str, dict[str, int]] = {"doi": {}, "arxiv": {}, "title": {}}
        self.ambiguous: set[str] = set()

    def add(self, pid: int, doi: str | None, arxiv: str | None, title: str,
            extra_urls: Iterable[str] = ()) -> None:
        if doi:
            self.by["doi"].setdefault(doi.lower(), pid)
        if arxiv:
            self.by["arxiv"].setdefault(arxiv, pid)
        for u in extra_urls:
            d, a = identifiers.doi(u), identifiers.arxiv_id(u)
            if d:
                self.by["doi"].setdefault(d.lower(), pid)
            if a:
                self.by["arxiv"].setdefault(a, pid)
        t = title_key(title)
        if t in self.by["title"] and self.by["title"][t] != pid:
            self.ambiguous.add(t)
        self.by["title"].setdefault(t, pid)

    def match(self, rec: BibRecord) -> tuple[int, str] | None:
        if rec.doi and rec.doi.lower() in self.by["doi"]:
            return self.by["doi"][rec.doi.lower()], "doi"
        if rec.arxiv_id and rec.arxiv_id in self.by["arxiv"]:
            return self.by["arxiv"][rec.arxiv_id], "arxiv"
        t = title_key(rec.title)
        if t in self.by["title"] and t not in self.ambiguous:
            return self.by["title"][t], "title"
        return None


def _same(name: str, a: Any, b: Any) -> bool:
    if name == "doi":
        return str(a).lower() == str(b).lower()
    return a == b


class _Planner:
    def __init__(self, state: MergeState, file: str, diags: Diagnostics, prefer_bib: bool):
        self.state, self.file, self.diags, self.prefer_bib = state, file, diags, prefer_bib
        self.writes = Writes(paper_cols=NEW_PAPER_COLS)
        self.ids = Ids(authors=state.authors.values(), papers=state.papers,
                       venues=state.venue_names)
        self.venues = VenueIds(state.venues, state.venue_names, self.ids, self.writes)
        self.conflicts = 0
        self.book = state.book

    def set_authors(self, pid: int, people: tuple[Person, ...], replace: bool) -> None:
        if replace:
            self.writes.pa_replace.append(pid)
        for pos, p in enumerate(people):
            k = author_key(p)
            aid = self.state.authors.get(k)
            if aid is None:
                aid = self.state.authors[k] = self.ids.take("authors")
                self.writes.author_insert.append(
                    {"id": aid, "family": p.family, "given": p.given, "key": k})
            self.writes.pa_insert.append({"paper_id": pid, "position": pos, "author_id": aid})
        self.writes.search_update[pid] = search_columns(
            self.state.papers[pid]["title"], authors_text((p.given, p.family) for p in people))

    def merge(self, pid: int, rec: BibRecord, how: str) -> PaperMerge:
        old = self.state.papers[pid]
        m = PaperMerge(old["citation_key"], old["title"], rec.line, how)
        values = {f: old[f] for f in BIB_FIELDS}
        for f in BIB_FIELDS:
            new = getattr(rec, f)
            if new is None or (old[f] is not None and _same(f, old[f], new)):
                continue
            if old[f] is None:
                values[f] = new
                m.filled.append(FieldChange(f, None, new))
            else:
                self._conflict(rec, m, f, old[f], new)
                if self.prefer_bib:
                    values[f] = new
        if values != {f: old[f] for f in BIB_FIELDS}:
            self.writes.paper_update.append({"_id": pid, **values})
        old_people = self.state.paper_authors.get(pid, ())
        if rec.authors:
            same = [author_key(p) for p in old_people] == [author_key(p) for p in rec.authors]
            if not old_people:
                m.filled.append(FieldChange("authors", None, show_authors(rec.authors)))
                self.set_authors(pid, rec.authors, replace=False)
            elif not same:
                self._conflict(rec, m, "authors", show_authors(old_people),
                               show_authors(rec.authors))
                if self.prefer_bib:
                    self.set_authors(pid, rec.authors, replace=True)
        self._list_fields(rec, old, m)
        return m

    def _conflict(self, rec: BibRecord, m: PaperMerge, name: str, old: Any, new: Any) -> None:
        change = FieldChange(name, old, new)
        self.conflicts += 1
        if self.prefer_bib:
            m.overwritten.append(change)
            what = "replaced by the .bib's (--prefer-bib)"
        else:
            what = "kept (--prefer-bib takes the .bib's)"
        self.diags.warn(self.file, rec.line, f"conflict on {m.citation_key}: {name} is "
                        f"{old!r} in the database, {new!r} in {rec.key}: {what}")

    def _list_fields(self, rec: BibRecord, old: dict[str, Any], m: PaperMerge) -> None:
        """Title, year and venue belong to the list: differences are reported, never applied."""
        notes = []
        if rec.year != old["year"]:
            notes.append(f"year {rec.year} (the list says {old['year']})")
        if title_key(rec.title) != title_key(old["title"]):
            notes.append(f"title {rec.title!r}")
        v = self.book.lookup_bib(rec.venue) if rec.venue else None
        have = self.state.venue_names.get(old["venue_id"]) if old["venue_id"] else None
        if v is not None and v.known and have is not None and v.name != have:
            notes.append(f"venue {v.name} (the list says {have})")
        if notes:
            self.diags.note(self.file, rec.line, f"{rec.key} matches {m.citation_key} by "
                            f"{m.how} but gives {'; '.join(notes)}: the list's value is kept")

    def add(self, rec: BibRecord, keys: KeyAllocator) -> tuple[int, PaperMerge]:
        pid = self.ids.take("papers")
        family = rec.authors[0].family if rec.authors else None
        key = keys.allocate(base_key(rec.title, rec.year, family))
        v = self.book.lookup_bib(rec.venue) if rec.venue else None
        venue_id = None if v is None else self.venues.get(v)
        url = rec.url or (f"https://doi.org/{rec.doi}" if rec.doi else None) or (
            f"https://arxiv.org/abs/{rec.arxiv_id}" if rec.arxiv_id else None)
        row = {"id": pid, "citation_key": key, "title": rec.title, "url": url,
               "year": rec.year, "venue_id": venue_id, "openreview_id": None,
               **{f: getattr(rec, f) for f in BIB_FIELDS}}
        self.writes.paper_insert.append(tuple(row[c] for c in NEW_PAPER_COLS))
        self.state.papers[pid] = row
        self.set_authors(pid, rec.authors, replace=False)
        self.state.paper_authors[pid] = rec.authors
        m = PaperMerge(key, rec.title, rec.line, "new",
                       [FieldChange("venue", None, v.name if v else None)] if v else [])
        if rec.authors:
            m.filled.append(FieldChange("authors", None, show_authors(rec.authors)))
        return pid, m


def plan_and_apply(conn: Connection | None, file: str, records: list[BibRecord], *,
                   prefer_bib: bool = False, add_new: bool = False, dry_run: bool = False,
                   diags: Diagnostics | None = None) -> MergeReport:
    """Merge ``records`` into the database on ``conn`` (inside the caller's transaction)."""
    diags = diags if diags is not None else Diagnostics()
    state = load_merge_state(conn)
    report = MergeReport(file, dry_run=dry_run, entries=len(records))
    index = _Index()
    for pid, p in state.papers.items():
        index.add(pid, p["doi"], p["arxiv_id"], p["title"], state.alt_urls.get(pid, []))
    planner = _Planner(state, file, diags, prefer_bib)
    keys = KeyAllocator([*(p["citation_key"] for p in state.papers.values()), *state.aliases])
    first_entry: dict[int, BibRecord] = {}
    for rec in records:
        hit = index.match(rec)
        if hit is not None:
            pid, how = hit
            if pid in first_entry:
                diags.warn(file, rec.line, f"{rec.key} is the same paper as "
                           f"{first_entry[pid].key} (line {first_entry[pid].line}), matched by "
                           f"{how}: skipped")
                continue
            first_entry[pid] = rec
            report.merged.append(planner.merge(pid, rec, how))
            continue
        if not add_new:
            report.unmatched.append(rec)
            diags.warn(file, rec.line, f"{rec.key} matches no paper ({rec.title}): not added "
                       "(--add-new adds it)")
            continue
        pid, m = planner.add(rec, keys)
        first_entry[pid] = rec
        index.add(pid, rec.doi, rec.arxiv_id, rec.title)
        report.added.append(m)
    report.conflicts = planner.conflicts
    if conn is not None and not dry_run:
        planner.writes.apply(conn)
    return report
