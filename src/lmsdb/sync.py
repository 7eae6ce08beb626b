"""Write a validated list into the database: deduplicate, diff, apply in one transaction.

The whole diff is computed in memory from one query per table, then written with bulk Core
statements (``executemany``) inside a single transaction: an import either commits completely
or leaves the database as it was. Running it twice on the same list changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, text, update

from lmsdb import identifiers, venues
from lmsdb.citekeys import KeyAllocator, base_key
from lmsdb.diagnostics import Diagnostics, LmsdbError
from lmsdb.latex import html_to_plain
from lmsdb.models import (
    Category,
    Framework,
    ListMeta,
    Paper,
    PaperAuthor,
    PaperCategory,
    PaperFramework,
    PaperUrl,
    Venue,
)
from lmsdb.progress import STEP, NoProgress, Progress
from lmsdb.records import FrameworkRecord, ListRecords, PaperRecord
from lmsdb.searchtext import search_columns, tsvector

papers_t = Paper.__table__
venues_t = Venue.__table__
frameworks_t = Framework.__table__
categories_t = Category.__table__
pc_t = PaperCategory.__table__
pf_t = PaperFramework.__table__
urls_t = PaperUrl.__table__
pa_t = PaperAuthor.__table__
meta_t = ListMeta.__table__

# New papers are queued as tuples in this column order (a dict per row costs 4x the memory).
PAPER_INSERT_COLS = ("id", "citation_key", "title", "url", "year", "venue_id", "arxiv_id", "doi",
                     "openreview_id", "search_title", "search_authors", "search_vector")
PAPER_UPDATE_COLS = ("title", "url", "year", "venue_id", "arxiv_id", "doi", "openreview_id",
                     "search_title", "search_authors", "search_vector")
PAPER_FIELDS = ("title", "url", "year", "venue", "arxiv_id", "doi", "openreview_id")
FRAMEWORK_FIELDS = ("name", "url", "year", "training", "inference", "serving", "comments")


def normalise_title(title: str) -> str:
    """The title as compared for duplicates: no HTML, case, spacing or trailing period.

    >>> normalise_title("ZeRO:  Memory <i>optimizations</i>.")
    'zero: memory optimizations'
    """
    return " ".join(html_to_plain(title).lower().split()).rstrip(". ")


def identity_keys(title: str, url: str | None) -> list[str]:
    """Keys under which two rows are the same paper, strongest first."""
    keys: list[str] = []
    if url:
        a = identifiers.arxiv_id(url)
        if a:
            keys.append("arxiv:" + a)
        else:
            d = identifiers.doi(url)
            if d:
                keys.append("doi:" + d.lower())
            else:
                # An arXiv or DOI link normalises to its identifier: no need for both keys.
                keys.append("url:" + identifiers.normalise_url(url))
    keys.append("title:" + normalise_title(title))
    return keys


# ----------------------------------------------------------------------------- report


@dataclass
class FieldChange:
    field: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.field}: {_show(self.old)} → {_show(self.new)}"


def _show(v: Any) -> str:
    if v is None or v == "" or v == ():
        return "∅"
    if isinstance(v, tuple | list):
        return ", ".join(map(str, v))
    return str(v)


@dataclass
class PaperDiff:
    key: str
    title: str
    line: int | None = None
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class SyncReport:
    """What an import did (or, with ``dry_run``, would do)."""

    file: str
    dry_run: bool = False
    prune: bool = False
    added: list[PaperDiff] = field(default_factory=list)
    updated: list[PaperDiff] = field(default_factory=list)
    unchanged: int = 0
    reordered: int = 0
    removed: list[PaperDiff] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    frameworks_added: list[str] = field(default_factory=list)
    frameworks_updated: list[PaperDiff] = field(default_factory=list)
    frameworks_removed: list[str] = field(default_factory=list)
    categories_added: list[str] = field(default_factory=list)
    categories_removed: list[str] = field(default_factory=list)
    venues_added: list[str] = field(default_factory=list)
    text_changed: list[str] = field(default_factory=list)  # of title, intro, extra
    skipped: int = 0  # rows of the list skipped with a warning (--lenient)

    @property
    def changed(self) -> bool:
        return bool(
            self.added or self.updated or self.reordered or (self.prune and self.removed)
            or self.frameworks_added or self.frameworks_updated
            or (self.prune and self.frameworks_removed) or self.categories_added
            or (self.prune and self.categories_removed) or self.text_changed
        )

    def summary(self) -> str:
        verb = "would add" if self.dry_run else "added"
        removed = len(self.removed)
        gone = ("would delete" if self.dry_run else "deleted") if self.prune else "not in the list"
        parts = [
            f"papers: {verb} {len(self.added)}, "
            f"{'would update' if self.dry_run else 'updated'} {len(self.updated)}, "
            f"unchanged {self.unchanged}, reordered {self.reordered}, {gone} {removed}",
            f"frameworks: {verb} {len(self.frameworks_added)}, "
            f"{'would update' if self.dry_run else 'updated'} {len(self.frameworks_updated)}"
            + (f", {gone} {len(self.frameworks_removed)}" if self.frameworks_removed else ""),
        ]
        if self.categories_added:
            parts.append(f"categories: {verb} {', '.join(self.categories_added)}")
        if self.categories_removed:
            parts.append(f"categories: {gone} {', '.join(self.categories_removed)}")
        if self.text_changed:
            what = {"title": "title", "intro": "introduction", "extra": "other sections"}
            parts.append(f"list text: {'would update' if self.dry_run else 'updated'} "
                         + ", ".join(what[k] for k in self.text_changed))
        if self.merged:
            parts.append(f"merged duplicates: {len(self.merged)}")
        if self.skipped:
            parts.append(f"rows skipped (--lenient): {self.skipped}")
        if not self.changed:
            parts.append("nothing to change" if self.dry_run else "nothing changed")
        return "\n".join(parts)

    def diff(self) -> str:
        """The full diff, one paper a line or a block (the ``--dry-run`` view)."""
        out: list[str] = []
        for p in self.added:
            out.append(f"+ {p.key}  {p.title}")
        for p in self.updated:
            out.append(f"~ {p.key}  {p.title}")
            out.extend(f"    {c}" for c in p.changes)
        for p in self.removed:
            mark = "-" if self.prune else "?"
            note = "" if self.prune else "  (not in the list; --prune deletes it)"
            out.append(f"{mark} {p.key}  {p.title}{note}")
        for m in self.merged:
            out.append(f"= {m}")
        for f in self.frameworks_added:
            out.append(f"+ framework #{f}")
        for p in self.frameworks_updated:
            out.append(f"~ framework #{p.key}")
            out.extend(f"    {c}" for c in p.changes)
        for f in self.frameworks_removed:
            out.append(f"{'-' if self.prune else '?'} framework #{f}")
        for c in self.categories_added:
            out.append(f"+ category {c}")
        for c in self.categories_removed:
            out.append(f"{'-' if self.prune else '?'} category {c}")
        return "\n".join(out)


# ----------------------------------------------------------------------------- grouping


@dataclass(slots=True)
class _Group:
    """The rows of the list that are one paper, and the paper they make."""

    records: list[PaperRecord]
    existing: list[int] = field(default_factory=list)
    title: str = ""
    url: str | None = None
    year: int = 0
    venue: venues.Venue | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    openreview_id: str | None = None
    alt_urls: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    categories: dict[str, int] = field(default_factory=dict)
    key: str = ""  # the citation key of a new paper


class _UnionFind:
    def __init__(self, n: int):
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


@dataclass
class _State:
    """The database as one query per table read it."""

    venues: dict[str, int]
    venue_names: dict[int, str]
    papers: dict[int, dict[str, Any]]
    alt_urls: dict[int, set[str]]
    frameworks: dict[str, dict[str, Any]]
    categories: dict[str, dict[str, Any]]
    pc: dict[int, dict[int, int]]  # paper id -> {category id: position}
    pf: dict[int, dict[int, int]]  # paper id -> {framework id: position}
    meta: dict[str, str]


def load_state(conn: Connection) -> _State:
    venue_rows = conn.execute(select(venues_t.c.id, venues_t.c.name)).all()
    papers = {r.id: r._asdict() for r in conn.execute(select(papers_t))}
    alt: dict[int, set[str]] = {}
    for pid, url in conn.execute(select(urls_t.c.paper_id, urls_t.c.url)):
        alt.setdefault(pid, set()).add(url)
    return _State(
        venues={name: vid for vid, name in venue_rows},
        venue_names={vid: name for vid, name in venue_rows},
        papers=papers,
        alt_urls=alt,
        frameworks={r.slug: r._asdict() for r in conn.execute(select(frameworks_t))},
        categories={r.name: r._asdict() for r in conn.execute(select(categories_t))},
        pc=_by_paper(conn.execute(select(pc_t.c.paper_id, pc_t.c.category_id, pc_t.c.position))),
        pf=_by_paper(conn.execute(select(pf_t.c.paper_id, pf_t.c.framework_id, pf_t.c.position))),
        meta={r[0]: r[1] for r in conn.execute(select(meta_t.c.key, meta_t.c.value))},
    )


def _by_paper(rows: Any) -> dict[int, dict[int, int]]:
    out: dict[int, dict[int, int]] = {}
    for pid, other, pos in rows:
        out.setdefault(pid, {})[other] = pos
    return out


def empty_state() -> _State:
    return _State({}, {}, {}, {}, {}, {}, {}, {}, {})


def _group_records(records: list[PaperRecord], state: _State) -> list[_Group]:
    """Union rows that share an identity key, and attach the existing paper they match."""
    n = len(records)
    existing_ids = list(state.papers)
    uf = _UnionFind(n + len(existing_ids))
    owner: dict[str, int] = {}
    for i, rec in enumerate(records):
        for k in identity_keys(rec.title, rec.url):
            j = owner.setdefault(k, i)
            if j != i:
                uf.union(j, i)
    for offset, pid in enumerate(existing_ids):
        row = state.papers[pid]
        keys = identity_keys(row["title"], row["url"])
        if row["arxiv_id"]:
            keys.append("arxiv:" + row["arxiv_id"])
        if row["doi"]:
            keys.append("doi:" + row["doi"].lower())
        keys += ["url:" + identifiers.normalise_url(u) for u in state.alt_urls.get(pid, ())]
        for k in keys:
            j = owner.get(k)
            if j is not None and j < n:
                uf.union(j, n + offset)
    groups: dict[int, _Group] = {}
    for i, rec in enumerate(records):
        root = uf.find(i)
        g = groups.get(root)
        if g is None:
            groups[root] = _Group([rec])
        else:
            g.records.append(rec)
    for offset, pid in enumerate(existing_ids):
        root = uf.find(n + offset)
        if root < n or root in groups:
            groups[root].existing.append(pid)
    return list(groups.values())


def _resolve(g: _Group, file: str, diags: Diagnostics, merged: list[str]) -> bool:
    """Pick the paper's fields from its rows: a peer-reviewed URL wins over a preprint.

    Returns True if a row was dropped as a repeat within one section (positions then have
    a gap to close)."""
    recs = g.records
    primary = recs[0]
    if len(recs) == 1:  # the common case, kept cheap for large lists
        g.title, g.url, g.year = primary.title, primary.url, primary.year
        g.venue = venues.lookup(primary.venue) if primary.venue else None
        g.frameworks = primary.frameworks
        g.categories[primary.category] = primary.position
        url = primary.url
        if url:
            g.arxiv_id = identifiers.arxiv_id(url)
            if g.arxiv_id is None:
                g.doi = identifiers.doi(url)
                g.openreview_id = identifiers.openreview_id(url)
        return False
    gap = False
    if len(recs) > 1:
        for r in recs:
            if r.url and not identifiers.is_preprint_url(r.url):
                primary = r
                break
    g.title, g.url, g.year = primary.title, primary.url, primary.year
    g.venue = venues.lookup(primary.venue) if primary.venue else None
    urls: list[str] = []
    fws: dict[str, None] = {}
    for r in recs:
        if g.venue is None and r.venue:
            g.venue = venues.lookup(r.venue)
        if r.url and r.url not in urls:
            urls.append(r.url)
        fws.update(dict.fromkeys(r.frameworks))
        if r.category in g.categories:
            gap = True
            diags.warn(file, r.line, f"the paper is listed twice in section {r.category!r}: "
                       "the first row's position is kept")
        else:
            g.categories[r.category] = r.position
    g.frameworks = tuple(fws)
    for u in urls:
        g.arxiv_id = g.arxiv_id or identifiers.arxiv_id(u)
        g.doi = g.doi or identifiers.doi(u)
        g.openreview_id = g.openreview_id or identifiers.openreview_id(u)
    if len(recs) > 1:
        g.alt_urls = tuple(u for u in urls if u != g.url)
        lines = ", ".join(str(r.line) for r in recs)
        if g.alt_urls or len({r.title for r in recs}) > 1:
            merged.append(
                f"lines {lines} are one paper ({g.title}); URL kept: {g.url}; "
                f"also kept as alternatives: {', '.join(g.alt_urls) or '∅'}"
            )
            primary_title = normalise_title(primary.title)
            for r in recs:
                if r is primary:
                    continue
                if normalise_title(r.title) == primary_title:
                    diags.note(file, r.line, f"same paper as line {primary.line}: merged into "
                               f"one (URL kept: {g.url})")
                else:
                    # Rows that share an arXiv id, DOI or URL are one paper, but a different
                    # title may mean two papers that share a homepage link: say so loudly.
                    diags.warn(file, r.line, f"same arXiv id, DOI or URL as line "
                               f"{primary.line} but another title: merged into one paper "
                               f"({primary.title!r} kept); if they are different papers, give "
                               "each its own link")
        for r in recs:
            if r.year != primary.year or (r.venue and primary.venue and
                                          venues.lookup(r.venue) != venues.lookup(primary.venue)):
                diags.warn(file, r.line, f"same paper as line {primary.line} but with year/venue "
                           f"{r.year}/{r.venue or '∅'}; line {primary.line}'s "
                           f"{primary.year}/{primary.venue or '∅'} is kept")
    return gap


def _renumber_positions(groups: list[_Group]) -> None:
    """Make positions dense within each section once duplicate rows are folded together,
    so that the regenerated list, imported again, gives the same positions."""
    by_cat: dict[str, list[tuple[int, _Group]]] = {}
    for g in groups:
        for cat, pos in g.categories.items():
            by_cat.setdefault(cat, []).append((pos, g))
    for cat, members in by_cat.items():
        members.sort(key=lambda m: m[0])
        for rank, (_, g) in enumerate(members):
            g.categories[cat] = rank


# ----------------------------------------------------------------------------- sync


def _framework_values(rec: FrameworkRecord) -> dict[str, Any]:
    return {f: getattr(rec, f) for f in FRAMEWORK_FIELDS}


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


def check_prune(report: SyncReport, state: _State, diags: Diagnostics,
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
) -> SyncReport:
    """Compute the diff between ``recs`` and the database, and (unless dry-run) apply it.

    ``conn`` must be inside a transaction; the caller commits. ``conn=None`` plans against an
    empty database (a dry run on a database that does not exist yet). A prune is checked by
    :func:`check_prune` first (a dry run only warns that it would be refused).
    """
    progress = NoProgress() if progress is None else progress
    state = load_state(conn) if conn is not None else empty_state()
    report = SyncReport(file=recs.file, dry_run=dry_run, prune=prune, skipped=recs.skipped)
    writes = _Writes()
    _warn_unknown_venues(recs)
    fw_ids = _plan_frameworks(recs, state, writes, report, prune)
    cat_ids = _plan_categories(recs, state, writes, report, prune)
    _plan_papers(recs, state, writes, report, fw_ids, cat_ids, prune, progress)
    _plan_text(recs, state, writes, report)
    if prune:
        try:
            check_prune(report, state, recs.diagnostics, max_delete)
        except PruneRefused as e:
            if not dry_run:
                raise
            recs.diagnostics.warn(recs.file, None, f"the import would be refused: {e}")
    if conn is not None and not dry_run:
        writes.apply(conn)
    progress.update(len(recs.papers))  # the writing pass
    return report


def _warn_unknown_venues(recs: ListRecords) -> None:
    """Venues outside the catalogue are imported as written and reported once each."""
    seen: set[str] = set()
    for r in recs.papers:
        if r.venue:
            v = venues.lookup(r.venue)
            if v is not None and not v.known and v.name not in seen:
                seen.add(v.name)
                recs.diagnostics.warn(recs.file, r.line, f"unknown venue {v.name!r}: imported "
                                      "as written (add it to the venue catalogue to "
                                      "canonicalise it)")


def _plan_frameworks(recs: ListRecords, state: _State, writes: _Writes, report: SyncReport,
                     prune: bool) -> dict[str, int]:
    """Frameworks in the list's order; those it no longer has follow (or go, with prune)."""
    next_fw = max((f["id"] for f in state.frameworks.values()), default=0) + 1
    fw_ids: dict[str, int] = {}
    for pos, fr in enumerate(recs.frameworks):
        values = _framework_values(fr) | {"position": pos}
        old = state.frameworks.get(fr.slug)
        if old is None:
            fw_ids[fr.slug] = next_fw
            writes.fw_insert.append({"id": next_fw, "slug": fr.slug, **values})
            report.frameworks_added.append(fr.slug)
            next_fw += 1
            continue
        fw_ids[fr.slug] = old["id"]
        changes = [FieldChange(f, old[f], values[f]) for f in FRAMEWORK_FIELDS
                   if old[f] != values[f]]
        if changes:
            report.frameworks_updated.append(PaperDiff(fr.slug, fr.name, fr.line, changes))
        if changes or old["position"] != pos:
            writes.fw_update.append({"_id": old["id"], **values})
    listed = {fr.slug for fr in recs.frameworks}
    extra = sorted((s for s in state.frameworks if s not in listed),
                   key=lambda s: state.frameworks[s]["position"])
    report.frameworks_removed = extra
    for k, slug in enumerate(extra):
        old = state.frameworks[slug]
        fw_ids[slug] = old["id"]
        if prune:
            writes.fw_delete.append(old["id"])
        elif old["position"] != len(recs.frameworks) + k:
            kept = {f: old[f] for f in FRAMEWORK_FIELDS}
            writes.fw_update.append({"_id": old["id"], **kept,
                                     "position": len(recs.frameworks) + k})
    return fw_ids


def _plan_categories(recs: ListRecords, state: _State, writes: _Writes, report: SyncReport,
                     prune: bool) -> dict[str, int]:
    """The list's sections in its order, then (unless pruned) those it no longer has."""
    next_cat = max((c["id"] for c in state.categories.values()), default=0) + 1
    cat_ids: dict[str, int] = {}
    order = list(recs.categories)
    listed = set(order)
    extra = sorted((c for c in state.categories if c not in listed),
                   key=lambda c: state.categories[c]["position"])
    report.categories_removed = extra
    if prune:
        writes.cat_delete = [state.categories[c]["id"] for c in extra]
    else:
        order += extra
    for pos, name in enumerate(order):
        old = state.categories.get(name)
        if old is None:
            cat_ids[name] = next_cat
            writes.cat_insert.append({"id": next_cat, "name": name, "position": pos})
            report.categories_added.append(name)
            next_cat += 1
        else:
            cat_ids[name] = old["id"]
            if old["position"] != pos:
                writes.cat_update.append({"_id": old["id"], "position": pos})
    return cat_ids


def _plan_papers(recs: ListRecords, state: _State, writes: _Writes, report: SyncReport,
                 fw_ids: dict[str, int], cat_ids: dict[str, int], prune: bool,
                 progress: Progress) -> None:
    """Fold duplicate rows into papers, match them to the database, queue the changes."""
    groups = _group_records(recs.papers, state)
    gaps = False
    for g in groups:
        gaps |= _resolve(g, recs.file, recs.diagnostics, report.merged)
    if gaps:
        _renumber_positions(groups)
    plan = _PaperPlan(state, writes, report, fw_ids, cat_ids)
    _allocate_keys(plan.keys, [g for g in groups if not g.existing])
    done = 0
    for g in groups:
        done += len(g.records)
        if done >= STEP:
            progress.update(done)
            done = 0
        if g.existing:
            plan.update(g)
        else:
            plan.add(g)
    progress.update(done)
    for pid, row in state.papers.items():
        if pid not in plan.matched:
            report.removed.append(PaperDiff(row["citation_key"], row["title"]))
            if prune:
                writes.paper_delete.append(pid)


def key_order(title: str, url: str | None, year: int | None) -> tuple[str, str, str, int]:
    """The order in which papers that clash on a base key get their suffixes: by title
    (as compared for duplicates), then as written, URL and year; never the order of the
    rows, so that reordering a list cannot change a key."""
    return (normalise_title(title), title, url or "", year or 0)


def _allocate_keys(keys: KeyAllocator, new: list[_Group]) -> None:
    for g in sorted(new, key=lambda g: key_order(g.title, g.url, g.year)):
        g.key = keys.allocate(base_key(g.title, g.year))


class _PaperPlan:
    """Queues the writes for papers, one group (one paper) at a time."""

    def __init__(self, state: _State, writes: _Writes, report: SyncReport,
                 fw_ids: dict[str, int], cat_ids: dict[str, int]):
        self.state, self.writes, self.report = state, writes, report
        self.fw_ids, self.cat_ids = fw_ids, cat_ids
        self.keys = KeyAllocator(p["citation_key"] for p in state.papers.values())
        self.next_paper = max(state.papers, default=0) + 1
        self.next_venue = max(state.venue_names, default=0) + 1
        self.venue_ids = dict(state.venues)
        self.matched: set[int] = set()

    def venue_id(self, g: _Group) -> int | None:
        """The id of the group's venue, creating the venue on first use."""
        if g.venue is None:
            return None
        vid = self.venue_ids.get(g.venue.name)
        if vid is None:
            vid = self.venue_ids[g.venue.name] = self.next_venue
            self.writes.venue_insert.append({"id": vid, "name": g.venue.name,
                                             "full_name": g.venue.full_name,
                                             "kind": g.venue.kind, "known": g.venue.known})
            self.report.venues_added.append(g.venue.name)
            self.next_venue += 1
        return vid

    def add(self, g: _Group) -> None:
        pid = self.next_paper
        self.next_paper += 1
        key = g.key
        search = search_columns(g.title, None)  # a list gives no authors
        self.writes.paper_insert.append((pid, key, g.title, g.url, g.year, self.venue_id(g),
                                         g.arxiv_id, g.doi, g.openreview_id,
                                         *search.values()))
        self.writes.url_insert += [{"paper_id": pid, "url": u} for u in g.alt_urls]
        _links(self.writes, self.state, pid, g, self.fw_ids, self.cat_ids, None)
        self.report.added.append(PaperDiff(key, g.title, g.records[0].line))

    def update(self, g: _Group) -> None:
        state, writes = self.state, self.writes
        pid = min(g.existing)
        self.matched.update(g.existing)
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
        old_alt = state.alt_urls.get(pid, set())
        new_alt = (old_alt | set(g.alt_urls)) - {g.url}
        if old_alt != new_alt:
            diff.changes.append(FieldChange("alternative urls", tuple(sorted(old_alt)),
                                            tuple(sorted(new_alt))))
            writes.url_delete.append(pid)
            writes.url_insert += [{"paper_id": pid, "url": u} for u in sorted(new_alt)]
        repositioned = _links(writes, state, pid, g, self.fw_ids, self.cat_ids, diff)
        if diff.changes:
            self.report.updated.append(diff)
        else:
            self.report.unchanged += 1
            self.report.reordered += repositioned


def _plan_text(recs: ListRecords, state: _State, writes: _Writes, report: SyncReport) -> None:
    """The list's own text around the tables; an absent intro or extra text is ""."""
    for k, v in (("title", recs.title), ("intro", recs.intro), ("extra", recs.extra)):
        if v is not None and (state.meta.get(k) or "") != v:
            writes.meta_upsert.append({"key": k, "value": v})
            if state.meta:  # a change to text the database had, not a first import
                report.text_changed.append(k)


def _links(writes: _Writes, state: _State, pid: int, g: _Group, fw_ids: dict[str, int],
           cat_ids: dict[str, int], diff: PaperDiff | None) -> int:
    """Queue link-table changes for one paper; returns 1 if only positions moved."""
    if diff is None:  # a new paper: every link is an insert
        writes.pf_insert += [(pid, fw_ids[s], k) for k, s in enumerate(g.frameworks)]
        writes.pc_insert += [(pid, cat_ids[c], p) for c, p in g.categories.items()]
        return 0
    moved = 0
    want_pf = {(pid, fw_ids[s]): k for k, s in enumerate(g.frameworks)}
    want_pc = {(pid, cat_ids[c]): p for c, p in g.categories.items()}
    old_pf = {(pid, o): v for o, v in state.pf.get(pid, {}).items()}
    old_pc = {(pid, o): v for o, v in state.pc.get(pid, {}).items()}
    if set(old_pf) != set(want_pf) or sorted(old_pf, key=old_pf.get) != sorted(
            want_pf, key=want_pf.get):
        diff.changes.append(FieldChange(
            "frameworks", _names(old_pf, state, "fw"), tuple(g.frameworks)))
    if set(old_pc) != set(want_pc):
        diff.changes.append(FieldChange(
            "categories", _names(old_pc, state, "cat"), tuple(g.categories)))
    elif old_pc != want_pc:
        moved = 1
    for k in old_pf.keys() - want_pf.keys():
        writes.pf_delete.append({"_p": k[0], "_f": k[1]})
    for k in old_pc.keys() - want_pc.keys():
        writes.pc_delete.append({"_p": k[0], "_c": k[1]})
    for k, v in want_pf.items():
        if k not in old_pf:
            writes.pf_insert.append((k[0], k[1], v))
        elif old_pf[k] != v:
            writes.pf_update.append({"_p": k[0], "_f": k[1], "position": v})
    for k, v in want_pc.items():
        if k not in old_pc:
            writes.pc_insert.append((k[0], k[1], v))
        elif old_pc[k] != v:
            writes.pc_update.append({"_p": k[0], "_c": k[1], "position": v})
    return moved


def _names(links: dict[tuple[int, int], int], state: _State, kind: str) -> tuple[str, ...]:
    ordered = sorted(links, key=links.get)
    if kind == "fw":
        by_id = {f["id"]: s for s, f in state.frameworks.items()}
    else:
        by_id = {c["id"]: n for n, c in state.categories.items()}
    return tuple(by_id.get(o, "?") for _, o in ordered)


@dataclass
class _Writes:
    """Every write of one sync, applied as bulk statements in dependency order."""

    venue_insert: list[dict[str, Any]] = field(default_factory=list)
    fw_insert: list[dict[str, Any]] = field(default_factory=list)
    fw_update: list[dict[str, Any]] = field(default_factory=list)
    fw_delete: list[int] = field(default_factory=list)
    cat_insert: list[dict[str, Any]] = field(default_factory=list)
    cat_update: list[dict[str, Any]] = field(default_factory=list)
    cat_delete: list[int] = field(default_factory=list)
    paper_insert: list[tuple[Any, ...]] = field(default_factory=list)  # PAPER_INSERT_COLS
    paper_update: list[dict[str, Any]] = field(default_factory=list)
    paper_delete: list[int] = field(default_factory=list)
    url_delete: list[int] = field(default_factory=list)
    url_insert: list[dict[str, Any]] = field(default_factory=list)
    pf_insert: list[tuple[int, int, int]] = field(default_factory=list)
    pf_update: list[dict[str, Any]] = field(default_factory=list)
    pf_delete: list[dict[str, Any]] = field(default_factory=list)
    pc_insert: list[tuple[int, int, int]] = field(default_factory=list)
    pc_update: list[dict[str, Any]] = field(default_factory=list)
    pc_delete: list[dict[str, Any]] = field(default_factory=list)
    meta_upsert: list[dict[str, Any]] = field(default_factory=list)

    def _add_vectors(self) -> None:
        """PostgreSQL's index reads the stems (search_vector), which SQLite does without.
        New papers get theirs as they are copied (``bulk_insert``'s ``row_map``), so that
        lmsdb computes them while the server stores the rows before them."""
        for d in self.paper_update:
            d["search_vector"] = tsvector(d["search_title"], d["search_authors"])

    def apply(self, conn: Connection) -> None:
        ex = conn.execute
        if self.venue_insert:
            bulk_insert(conn, venues_t, self.venue_insert)
        if self.fw_insert:
            bulk_insert(conn, frameworks_t, self.fw_insert)
        if self.fw_update:
            cols = {f: bindparam(f) for f in (*FRAMEWORK_FIELDS, "position")}
            ex(update(frameworks_t).where(frameworks_t.c.id == bindparam("_id")).values(cols),
               self.fw_update)
        if self.cat_insert:
            bulk_insert(conn, categories_t, self.cat_insert)
        if self.cat_update:
            # Positions are not unique, so updating them in any order is safe.
            ex(update(categories_t).where(categories_t.c.id == bindparam("_id"))
               .values(position=bindparam("position")), self.cat_update)
        if self.paper_delete:
            for chunk in chunks(self.paper_delete):
                ex(delete(pf_t).where(pf_t.c.paper_id.in_(chunk)))
                ex(delete(pc_t).where(pc_t.c.paper_id.in_(chunk)))
                ex(delete(urls_t).where(urls_t.c.paper_id.in_(chunk)))
                ex(delete(pa_t).where(pa_t.c.paper_id.in_(chunk)))
                ex(delete(papers_t).where(papers_t.c.id.in_(chunk)))
        if conn.dialect.name == "postgresql":
            self._add_vectors()
        if self.paper_insert:
            bulk_insert(conn, papers_t, self.paper_insert, PAPER_INSERT_COLS,
                        row_map=_vector_of if conn.dialect.name == "postgresql" else None)
        if self.paper_update:
            cols = {f: bindparam(f) for f in PAPER_UPDATE_COLS}
            ex(update(papers_t).where(papers_t.c.id == bindparam("_id")).values(cols),
               self.paper_update)
        for chunk in chunks(self.url_delete):
            ex(delete(urls_t).where(urls_t.c.paper_id.in_(chunk)))
        if self.url_insert:
            bulk_insert(conn, urls_t, self.url_insert)
        if self.pf_delete:
            ex(delete(pf_t).where(pf_t.c.paper_id == bindparam("_p"),
                                  pf_t.c.framework_id == bindparam("_f")), self.pf_delete)
        if self.pc_delete:
            ex(delete(pc_t).where(pc_t.c.paper_id == bindparam("_p"),
                                  pc_t.c.category_id == bindparam("_c")), self.pc_delete)
        if self.pf_insert:
            bulk_insert(conn, pf_t, self.pf_insert, ("paper_id", "framework_id", "position"))
        if self.pc_insert:
            bulk_insert(conn, pc_t, self.pc_insert, ("paper_id", "category_id", "position"))
        if self.pf_update:
            ex(update(pf_t).where(pf_t.c.paper_id == bindparam("_p"),
                                  pf_t.c.framework_id == bindparam("_f"))
               .values(position=bindparam("position")), self.pf_update)
        if self.pc_update:
            ex(update(pc_t).where(pc_t.c.paper_id == bindparam("_p"),
                                  pc_t.c.category_id == bindparam("_c"))
               .values(position=bindparam("position")), self.pc_update)
        if self.fw_delete:
            ex(delete(frameworks_t).where(frameworks_t.c.id.in_(self.fw_delete)))
        if self.cat_delete:
            ex(delete(categories_t).where(categories_t.c.id.in_(self.cat_delete)))
        for row in self.meta_upsert:
            if ex(update(meta_t).where(meta_t.c.key == row["key"]).values(value=row["value"])
                  ).rowcount == 0:
                ex(insert(meta_t), [row])
        if conn.dialect.name == "postgresql":
            advance_sequences(conn)


def _vector_of(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A queued paper (PAPER_INSERT_COLS order) with its search_vector computed."""
    return (*row[:-1], tsvector(row[-3], row[-2]))


def bulk_insert(conn: Connection, table: Any, rows: list[Any],
                cols: Sequence[str] | None = None, chunk: int = 500,
                row_map: Callable[[Any], Any] | None = None) -> None:
    """Insert many rows with few statements; rows are dicts, or tuples in ``cols`` order,
    each passed through ``row_map`` (if given) on its way.

    On SQLite the rows go as multi-row ``INSERT ... VALUES (...), (...)`` statements of
    ``chunk`` rows, built once from the table's Core definition, with plain tuples as
    parameters. That skips SQLAlchemy's per-row parameter processing, and, because SQLite
    flushes the full-text index's pending terms once per statement (the index is kept by
    a trigger on papers), it makes a 100,000-paper insert about six times faster than an
    ``executemany`` of single-row statements. On PostgreSQL (psycopg 3) the rows go through
    one ``COPY ... FROM STDIN`` per table, the server's bulk path (foreign keys are still
    checked row by row). Other backends get Core's executemany.
    """
    if not rows:
        return
    if cols is None:
        cols = list(rows[0])
        rows = [tuple(r[c] for c in cols) for r in rows]
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        _copy_rows(conn, table, cols, map(row_map, rows) if row_map else rows)
        return
    if row_map:
        rows = [row_map(r) for r in rows]
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), [dict(zip(cols, r, strict=True)) for r in rows])
        return
    names = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in cols)
    one = "(" + ", ".join("?" * len(cols)) + ")"
    head = f"INSERT INTO {conn.dialect.identifier_preparer.format_table(table)} ({names}) VALUES "
    full_sql = head + ", ".join([one] * chunk)
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        params = tuple(v for r in part for v in r)
        sql = full_sql if len(part) == chunk else head + ", ".join([one] * len(part))
        conn.exec_driver_sql(sql, params)


def _copy_rows(conn: Connection, table: Any, cols: Sequence[str], rows: Iterable[Any]) -> None:
    """PostgreSQL: ``COPY table (cols) FROM STDIN`` on the connection's own psycopg
    connection, inside the caller's transaction. The rows stream: psycopg sends each
    buffer as it fills, and the server stores it while the next rows are made."""
    prep = conn.dialect.identifier_preparer
    names = ", ".join(prep.quote(c) for c in cols)
    sql = f"COPY {prep.format_table(table)} ({names}) FROM STDIN"
    with conn.connection.driver_connection.cursor() as cur, cur.copy(sql) as copy:
        for r in rows:
            copy.write_row(r)


def chunks(ids: list[int], size: int = 500) -> list[list[int]]:
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def advance_sequences(conn: Connection) -> None:
    """Ids are assigned here, not by the server: move PostgreSQL's sequences past them."""
    for table in ("papers", "venues", "frameworks", "categories", "authors"):
        conn.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"))
