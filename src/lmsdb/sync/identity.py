"""Which rows of a list are one paper, and which paper of the database each one is.

A paper's identity keys (arXiv id, DOI, OpenReview id, normalised URL, normalised title,
strongest first) fold the list's rows into groups, one per paper (union-find); each group
claims at most one paper of the database, the one its strongest key matches; the group's
fields are resolved from its rows (a peer-reviewed link wins over a preprint).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lmsdb.diagnostics import Diagnostics
from lmsdb.domain import identifiers, venues
from lmsdb.domain.html import html_to_plain
from lmsdb.domain.records import PaperRecord

if TYPE_CHECKING:
    from lmsdb.store.state import ListState


def normalise_title(title: str) -> str:
    """The title as compared for duplicates: no HTML, case, spacing or trailing period.

    >>> normalise_title("ZeRO:  Memory <i>optimizations</i>.")
    'zero: memory optimizations'
    """
    return " ".join(html_to_plain(title).lower().split()).rstrip(". ")


# Identity keys, strongest first: a row claims the existing paper its strongest key matches.
KEY_KINDS = ("arxiv", "doi", "openreview", "url", "title")
_KEY_RANK = {k: r for r, k in enumerate(KEY_KINDS)}
_KEY_WORDS = {"arxiv": "arXiv id", "doi": "DOI", "openreview": "OpenReview id", "url": "URL",
              "title": "title"}


def url_key(url: str) -> str:
    """The identity key of a link: its arXiv id, DOI or OpenReview id, else the normalised URL.

    >>> url_key("https://arxiv.org/pdf/2001.00001v2"), url_key("https://www.x.org/beta/")
    ('arxiv:2001.00001', 'url:x.org/beta')
    """
    a = identifiers.arxiv_id(url)
    if a:
        return "arxiv:" + a
    d = identifiers.doi(url)
    if d:
        return "doi:" + d.lower()
    o = identifiers.openreview_id(url)
    if o:
        return "openreview:" + o
    # An identifier link normalises to its identifier: no need for a URL key as well.
    return "url:" + identifiers.normalise_url(url)


def identity_keys(title: str, url: str | None) -> list[str]:
    """Keys under which two rows are the same paper, strongest first."""
    if url:
        return [url_key(url), "title:" + normalise_title(title)]
    return ["title:" + normalise_title(title)]


def paper_keys(row: Mapping[str, Any], alt_urls: set[str] | tuple[str, ...] = ()) -> list[str]:
    """The identity keys of a paper in the database (identifiers from a merged .bib too)."""
    keys = identity_keys(row["title"], row["url"])
    if row["arxiv_id"]:
        keys.append("arxiv:" + row["arxiv_id"])
    if row["doi"]:
        keys.append("doi:" + row["doi"].lower())
    if row["openreview_id"]:
        keys.append("openreview:" + row["openreview_id"])
    keys += [url_key(u) for u in alt_urls]
    return keys


def _describe_key(key: str) -> str:
    kind, _, value = key.partition(":")
    return f"{_KEY_WORDS[kind]} {value}" if kind != "title" else "title"


@dataclass(slots=True)
class Group:
    """The rows of the list that are one paper, and the paper they make."""

    records: list[PaperRecord]
    keys: list[str] = field(default_factory=list)  # every row's identity keys
    existing: int | None = None  # the database paper the rows claim
    title: str = ""
    url: str | None = None
    year: int = 0
    venue: venues.Venue | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    openreview_id: str | None = None
    alt_urls: tuple[str, ...] = ()
    frameworks: tuple[str, ...] = ()
    labels: tuple[str | None, ...] = ()  # the link text of each framework, as written
    categories: dict[str, int] = field(default_factory=dict)
    key: str = ""  # the citation key of a new paper
    # Cells of unknown columns (JSON) by section; None for the usual table without any.
    cells: dict[str, str | None] | None = None


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


def stored_keys(state: ListState, pid: int) -> list[str]:
    """A stored paper's identity keys, and the list's title and link for it where the
    database has edited them (so that the list's row still finds its paper)."""
    row = state.papers[pid]
    keys = paper_keys(row, state.alt_urls.get(pid, ()))
    base = state.base.get(pid)
    if base is not None and (base[0] != row["title"] or base[1] != row["url"]):
        keys += identity_keys(base[0], base[1])
    return keys


def group_records(records: list[PaperRecord]) -> list[Group]:
    """Union the rows that share an identity key: each group is one paper of the list."""
    n = len(records)
    uf = _UnionFind(n)
    owner: dict[str, int] = {}
    row_keys: list[list[str]] = []
    for i, rec in enumerate(records):
        keys = identity_keys(rec.title, rec.url)
        row_keys.append(keys)
        for k in keys:
            j = owner.setdefault(k, i)
            if j != i:
                uf.union(j, i)
    groups: dict[int, Group] = {}
    for i, rec in enumerate(records):
        root = uf.find(i)
        g = groups.get(root)
        if g is None:
            groups[root] = Group([rec], row_keys[i])
        else:
            g.records.append(rec)
            g.keys += row_keys[i]
    return list(groups.values())


def claim(groups: list[Group], state: ListState, file: str, diags: Diagnostics) -> None:
    """Give each group at most one existing paper: the one its strongest key matches.

    Keys rank arXiv id, DOI, OpenReview id, URL, title. Groups are served strongest match
    first, so a row that shares a title with one paper and an arXiv id with another is the
    second; the first is then "not in the list" like any paper that left it, and a note
    names the row and both papers."""
    if not state.papers:
        return
    # Index the rows' keys (unique to one group) and look each paper's keys up in it: the
    # papers' keys are never all held at once (a 100,000-paper list has 300,000 of them).
    owner: dict[str, int] = {}
    for gi, g in enumerate(groups):
        for k in g.keys:
            owner[k] = gi
    # A match is one int, rank << 40 | paper id: sortable, and a fifth of a tuple's memory.
    matches: dict[int, list[int]] = {}
    for pid in state.papers:
        for k in stored_keys(state, pid):
            gi = owner.get(k)
            if gi is not None:
                matches.setdefault(gi, []).append(_KEY_RANK[k.partition(":")[0]] << 40 | pid)
    del owner
    pending: list[tuple[int, int, list[int]]] = []
    for gi, codes in matches.items():
        codes.sort()
        pending.append((codes[0] >> 40, gi, codes))
    del matches
    pending.sort(key=lambda p: (p[0], p[1]))
    claimed: dict[int, int] = {}  # paper id -> the rank of the key it was claimed by
    for _, gi, codes in pending:
        for code in codes:
            pid = code & _PID_MASK
            if pid not in claimed:
                groups[gi].existing, claimed[pid] = pid, code >> 40
                break
    for _, gi, codes in pending:
        if any(code & _PID_MASK not in claimed for code in codes):
            _note_unclaimed(groups[gi], codes, claimed, state, file, diags)


_PID_MASK = (1 << 40) - 1


def _note_unclaimed(g: Group, codes: list[int], claimed: dict[int, int], state: ListState,
                    file: str, diags: Diagnostics) -> None:
    """A paper a row matched by a weaker key, claimed by nobody, leaves the list: say so."""
    told: set[int] = set()
    mine = state.papers[g.existing]["citation_key"] if g.existing is not None else None
    for code in codes:
        pid = code & _PID_MASK
        if pid == g.existing or pid in claimed or pid in told:
            continue
        told.add(pid)
        other = state.papers[pid]["citation_key"]
        mine_key = _matched_key(g, g.existing, claimed[g.existing], state)
        diags.note(file, g.records[0].line,
                   f"this row is {mine} (same {_describe_key(mine_key)}) and also matches "
                   f"{other} (same {_describe_key(_matched_key(g, pid, code >> 40, state))}): "
                   "a row is one paper, matched by its strongest key (arXiv id, DOI, "
                   f"OpenReview id, URL, title), so {other} is not in the list")


def _matched_key(g: Group, pid: int | None, rank: int, state: ListState) -> str:
    """The key of rank ``rank`` that paper ``pid`` shares with the group's rows."""
    assert pid is not None
    row_keys = set(g.keys)
    return next(k for k in stored_keys(state, pid)
                if k in row_keys and _KEY_RANK[k.partition(":")[0]] == rank)


def resolve(g: Group, file: str, diags: Diagnostics, merged: list[str],
             lookup: Callable[[str], venues.Venue | None] = venues.lookup) -> bool:
    """Pick the paper's fields from its rows: a peer-reviewed URL wins over a preprint.

    Returns True if a row was dropped as a repeat within one section (positions then have
    a gap to close)."""
    recs = g.records
    primary = recs[0]
    if len(recs) == 1:  # the common case, kept cheap for large lists
        g.title, g.url, g.year = primary.title, primary.url, primary.year
        g.venue = lookup(primary.venue) if primary.venue else None
        g.frameworks, g.labels = primary.frameworks, _labels(primary)
        g.categories[primary.category] = primary.position
        if primary.extra:
            g.cells = {primary.category: cells_json(primary.extra)}
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
    g.venue = lookup(primary.venue) if primary.venue else None
    urls: list[str] = []
    fws: dict[str, str | None] = {}
    for r in recs:
        if g.venue is None and r.venue:
            g.venue = lookup(r.venue)
        if r.url and r.url not in urls:
            urls.append(r.url)
        for slug, label in zip(r.frameworks, _labels(r), strict=True):
            fws.setdefault(slug, label)
        if r.category in g.categories:
            gap = True
            diags.warn(file, r.line, f"the paper is listed twice in section {r.category!r}: "
                       "the first row's position is kept")
        else:
            g.categories[r.category] = r.position
            if r.extra:
                g.cells = g.cells or {}
                g.cells[r.category] = cells_json(r.extra)
    g.frameworks, g.labels = tuple(fws), tuple(fws.values())
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
                                          lookup(r.venue) != lookup(primary.venue)):
                diags.warn(file, r.line, f"same paper as line {primary.line} but with year/venue "
                           f"{r.year}/{r.venue or '∅'}; line {primary.line}'s "
                           f"{primary.year}/{primary.venue or '∅'} is kept")
    return gap


def _labels(rec: PaperRecord) -> tuple[str | None, ...]:
    """The link text of each of a row's frameworks; None where a record carries none."""
    if len(rec.labels) == len(rec.frameworks):
        return rec.labels
    return (None,) * len(rec.frameworks)


def cells_json(extra: tuple[str, ...]) -> str | None:
    """Cells of unknown columns as stored (a JSON list), None when the table has none."""
    return json.dumps(list(extra), ensure_ascii=False) if extra else None


def renumber_positions(groups: list[Group]) -> None:
    """Make positions dense within each section once duplicate rows are folded together,
    so that the regenerated list, imported again, gives the same positions."""
    by_cat: dict[str, list[tuple[int, Group]]] = {}
    for g in groups:
        for cat, pos in g.categories.items():
            by_cat.setdefault(cat, []).append((pos, g))
    for cat, members in by_cat.items():
        members.sort(key=lambda m: m[0])
        for rank, (_, g) in enumerate(members):
            g.categories[cat] = rank


def key_order(title: str, url: str | None, year: int | None) -> tuple[str, str, str, int]:
    """The order in which papers that clash on a base key get their suffixes: by title
    (as compared for duplicates), then as written, URL and year; never the order of the
    rows, so that reordering a list cannot change a key."""
    return (normalise_title(title), title, url or "", year or 0)
