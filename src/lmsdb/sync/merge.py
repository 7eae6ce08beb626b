"""Merge validated ``.bib`` records into the database: match, fill, report conflicts.

Each record is matched to a known paper by DOI, then arXiv id, then normalised title. The
merge fills what the paper lacks (authors and the bibliographic columns); a value that
differs from the stored one is a *conflict*, reported and kept unless ``prefer_bib``. Title,
year and venue belong to the markdown list (its next import would undo a change), so a
difference there is only reported. Like :mod:`lmsdb.sync.listsync`, the whole plan is computed from
one query per table and written with bulk Core statements in the caller's transaction.
Citation keys of existing papers never change; papers added with ``add_new`` get a key from
:mod:`lmsdb.domain.citekeys` (author form when the entry has authors).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from lmsdb.diagnostics import Diagnostics
from lmsdb.domain import identifiers, venues
from lmsdb.domain.bibrecords import BibRecord, Person
from lmsdb.domain.citekeys import KeyAllocator, base_key, fold
from lmsdb.store.schema import Author, Paper, PaperAlias, PaperAuthor, PaperUrl, Venue
from lmsdb.store.searchtext import SEARCH_COLUMNS, authors_text, search_columns, tsvector
from lmsdb.store.user_venues import load_book
from lmsdb.sync.listsync import FieldChange, advance_sequences, chunks, normalise_title

papers_t = Paper.__table__
venues_t = Venue.__table__
authors_t = Author.__table__
pa_t = PaperAuthor.__table__
urls_t = PaperUrl.__table__

#: Columns a .bib fills; ``authors`` is handled beside them.
BIB_FIELDS = ("doi", "arxiv_id", "pages", "publisher", "volume", "number", "primary_class")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def title_key(title: str) -> str:
    """:func:`lmsdb.sync.listsync.normalise_title`, ASCII-folded and without punctuation.

    BibTeX sources and the list punctuate the same title differently ("Multi-Billion" vs
    "Multi Billion", a trailing period), so only letters and digits are compared.

    >>> title_key("ZeRO: memory optimizations.") == title_key("ZeRO - Memory Optimizations")
    True
    """
    return _NON_ALNUM.sub("", fold(normalise_title(title)))


def author_key(p: Person) -> str:
    """The identity of a person in the ``authors`` table: folded ``family|given``."""
    return f"{' '.join(fold(p.family).split())}|{' '.join(fold(p.given or '').split())}"


def show_authors(people: tuple[Person, ...]) -> str:
    return " and ".join(f"{p.family}, {p.given}" if p.given else p.family for p in people)


@dataclass
class PaperMerge:
    """What one entry does to one paper."""

    citation_key: str
    title: str
    line: int
    how: str  # "doi", "arxiv", "title", or "new"
    filled: list[FieldChange] = field(default_factory=list)
    overwritten: list[FieldChange] = field(default_factory=list)


@dataclass
class MergeReport:
    file: str
    dry_run: bool = False
    entries: int = 0
    merged: list[PaperMerge] = field(default_factory=list)
    conflicts: int = 0
    unmatched: list[BibRecord] = field(default_factory=list)
    added: list[PaperMerge] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or any(m.filled or m.overwritten for m in self.merged))

    def summary(self) -> str:
        would = "would " if self.dry_run else ""
        hows = {h: sum(m.how == h for m in self.merged) for h in ("doi", "arxiv", "title")}
        changed = sum(bool(m.filled or m.overwritten) for m in self.merged)
        lines = [
            f"bib entries: {self.entries}; matched {len(self.merged)} "
            f"(by doi {hows['doi']}, arxiv {hows['arxiv']}, title {hows['title']}), "
            f"unmatched {len(self.unmatched)}",
            f"papers: {would}update {changed}, {would}add {len(self.added)}, "
            f"conflicts {self.conflicts}",
        ]
        if not self.changed:
            lines.append("nothing to change" if self.dry_run else "nothing changed")
        return "\n".join(lines)

    def diff(self) -> str:
        out: list[str] = []
        for m in self.added:
            out.append(f"+ {m.citation_key}  {m.title}")
            out.extend(f"    {c}" for c in m.filled)
        for m in self.merged:
            if m.filled or m.overwritten:
                out.append(f"~ {m.citation_key}  {m.title}  (matched by {m.how})")
                out.extend(f"    {c}" for c in m.filled)
                out.extend(f"    {c}  (--prefer-bib)" for c in m.overwritten)
        return "\n".join(out)


@dataclass
class _State:
    papers: dict[int, dict[str, Any]]
    venue_names: dict[int, str]
    venue_ids: dict[str, int]
    authors: dict[str, int]  # author key -> id
    paper_authors: dict[int, tuple[Person, ...]]
    alt_urls: dict[int, list[str]]


def _load(conn: Connection | None) -> _State:
    if conn is None:
        return _State({}, {}, {}, {}, {}, {})
    vrows = conn.execute(select(venues_t.c.id, venues_t.c.name)).all()
    pa: dict[int, list[Person]] = {}
    q = (select(pa_t.c.paper_id, authors_t.c.family, authors_t.c.given)
         .join(authors_t, authors_t.c.id == pa_t.c.author_id)
         .order_by(pa_t.c.paper_id, pa_t.c.position))
    for pid, family, given in conn.execute(q):
        pa.setdefault(pid, []).append(Person(family=family, given=given))
    alt: dict[int, list[str]] = {}
    for pid, url in conn.execute(select(urls_t.c.paper_id, urls_t.c.url)):
        alt.setdefault(pid, []).append(url)
    return _State(
        papers={r.id: r._asdict() for r in conn.execute(select(papers_t))},
        venue_names={i: n for i, n in vrows},
        venue_ids={n: i for i, n in vrows},
        authors={k: i for i, k in conn.execute(select(authors_t.c.id, authors_t.c.key))},
        paper_authors={p: tuple(v) for p, v in pa.items()},
        alt_urls=alt,
    )


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


@dataclass
class _Writes:
    venue_insert: list[dict[str, Any]] = field(default_factory=list)
    paper_insert: list[dict[str, Any]] = field(default_factory=list)
    paper_update: list[dict[str, Any]] = field(default_factory=list)
    author_insert: list[dict[str, Any]] = field(default_factory=list)
    pa_replace: list[int] = field(default_factory=list)
    pa_insert: list[dict[str, Any]] = field(default_factory=list)
    # Papers whose authors changed: their search columns, recomputed (paper id -> values).
    search_update: dict[int, dict[str, Any]] = field(default_factory=dict)

    def apply(self, conn: Connection) -> None:
        ex = conn.execute
        if self.venue_insert:
            ex(insert(venues_t), self.venue_insert)
        if self.paper_insert:
            ex(insert(papers_t), self.paper_insert)
        if self.paper_update:
            ex(update(papers_t).where(papers_t.c.id == bindparam("_id"))
               .values({f: bindparam(f) for f in BIB_FIELDS}), self.paper_update)
        if self.author_insert:
            ex(insert(authors_t), self.author_insert)
        for chunk in chunks(self.pa_replace):
            ex(delete(pa_t).where(pa_t.c.paper_id.in_(chunk)))
        if self.pa_insert:
            ex(insert(pa_t), self.pa_insert)
        if self.search_update:
            if conn.dialect.name == "postgresql":  # its index reads the stems
                for v in self.search_update.values():
                    v["search_vector"] = tsvector(v["search_title"], v["search_authors"])
            ex(update(papers_t).where(papers_t.c.id == bindparam("_id"))
               .values({f: bindparam(f) for f in SEARCH_COLUMNS}),
               [{"_id": pid, **v} for pid, v in self.search_update.items()])
        if conn.dialect.name == "postgresql":
            advance_sequences(conn)


class _Planner:
    def __init__(self, state: _State, file: str, diags: Diagnostics, prefer_bib: bool):
        self.state, self.file, self.diags, self.prefer_bib = state, file, diags, prefer_bib
        self.writes = _Writes()
        self.next_author = max(state.authors.values(), default=0) + 1
        self.next_paper = max(state.papers, default=0) + 1
        self.next_venue = max(state.venue_names, default=0) + 1
        self.conflicts = 0
        self.book = venues.CATALOGUE_BOOK

    def set_authors(self, pid: int, people: tuple[Person, ...], replace: bool) -> None:
        if replace:
            self.writes.pa_replace.append(pid)
        for pos, p in enumerate(people):
            k = author_key(p)
            aid = self.state.authors.get(k)
            if aid is None:
                aid = self.state.authors[k] = self.next_author
                self.next_author += 1
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
        pid = self.next_paper
        self.next_paper += 1
        family = rec.authors[0].family if rec.authors else None
        key = keys.allocate(base_key(rec.title, rec.year, family))
        venue_id = None
        v = self.book.lookup_bib(rec.venue) if rec.venue else None
        if v is not None:
            venue_id = self.state.venue_ids.get(v.name)
            if venue_id is None:
                venue_id = self.state.venue_ids[v.name] = self.next_venue
                self.state.venue_names[venue_id] = v.name
                self.next_venue += 1
                self.writes.venue_insert.append({"id": venue_id, "name": v.name,
                                                 "full_name": v.full_name, "kind": v.kind,
                                                 "known": v.known})
        url = rec.url or (f"https://doi.org/{rec.doi}" if rec.doi else None) or (
            f"https://arxiv.org/abs/{rec.arxiv_id}" if rec.arxiv_id else None)
        row = {"id": pid, "citation_key": key, "title": rec.title, "url": url,
               "year": rec.year, "venue_id": venue_id, "openreview_id": None,
               **{f: getattr(rec, f) for f in BIB_FIELDS}}
        self.writes.paper_insert.append(row)
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
    state = _load(conn)
    report = MergeReport(file, dry_run=dry_run, entries=len(records))
    index = _Index()
    for pid, p in state.papers.items():
        index.add(pid, p["doi"], p["arxiv_id"], p["title"], state.alt_urls.get(pid, []))
    planner = _Planner(state, file, diags, prefer_bib)
    if conn is not None:  # venues defined with `lmsdb venue add` are known to a merge too
        planner.book = load_book(conn)
        # An old citation key (an alias from `lmsdb rekey`) is never handed out again.
        taken = conn.execute(select(PaperAlias.__table__.c.alias)).scalars().all()
    else:
        taken = []
    keys = KeyAllocator([*(p["citation_key"] for p in state.papers.values()), *taken])
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
