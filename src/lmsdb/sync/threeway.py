"""The three-way merge of a list import: the list, the database, and what the list last said.

The database keeps, per paper, the list's values at the last import (``paper_base``). On
the next import each field (title, url, year, venue, frameworks) and each section
membership is decided by comparing the new list (L) and the database (D) with that base (B):

- L changed it, D did not: the list's value is taken (the normal sync);
- D changed it (``lmsdb edit``, ``add``, ...), L did not: the database's value is kept, with
  a note;
- both changed it, differently: a conflict, warned with all three values; the database's
  value is kept unless ``--prefer-list``.

A paper the database has and the base has not was added in the database: when it is in a
section, it stays listed. The base becomes the list just imported, so a conflict is
reported once. A listed paper removed with ``lmsdb rm`` (``removed_papers``) is not brought
back by the list that still has it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lmsdb.diagnostics import Diagnostics
from lmsdb.domain import identifiers, venues
from lmsdb.sync.identity import identity_keys

if TYPE_CHECKING:
    from lmsdb.store.state import ListState
    from lmsdb.sync.identity import Group

#: The list-owned fields merged one by one (section memberships are merged beside them).
#: A paper's values are a tuple in this order plus its sections; frameworks and sections are
#: newline-joined text, as ``paper_base`` stores them (cheap to load and compare at scale).
FIELDS = ("title", "url", "year", "venue", "frameworks")
SECTIONS = len(FIELDS)  # the index of the sections in a values tuple
Values = tuple[Any, ...]
_NO_BASE = object()  # a paper the list never had: every difference is a change on both sides


def _show(v: Any) -> str:
    if v is None or v == () or v is _NO_BASE:
        return "∅"
    if isinstance(v, tuple):
        return ", ".join(v)
    return repr(v) if isinstance(v, str) else str(v)


@dataclass
class Conflict:
    key: str
    title: str
    field: str
    db: Any
    listed: Any
    base: Any
    took_list: bool

    def __str__(self) -> str:
        was = "" if self.base is _NO_BASE else f" (was {_show(self.base)})"
        kept = "the list's value is taken" if self.took_list else (
            "the database's value is kept (--prefer-list takes the list's)")
        return (f"conflict on {self.key}: {self.field} is {_show(self.db)} in the database, "
                f"{_show(self.listed)} in the list{was}: {kept}")


@dataclass
class MergeOutcome:
    """What the merge decided over the whole import (part of the sync report)."""

    conflicts: list[Conflict] = field(default_factory=list)
    kept_fields: int = 0  # fields and memberships kept from the database
    kept_papers: list[str] = field(default_factory=list)  # added in the database, still listed
    not_readded: list[str] = field(default_factory=list)  # removed in the database


def listed_values(g: Group) -> Values:
    """What the list says about a group's paper, in the base's terms."""
    return (g.title, g.url, g.year, g.venue.name if g.venue else None,
            "\n".join(g.frameworks), "\n".join(g.categories))


def stored_values(state: ListState, pid: int, fw_slug: dict[int, str],
                  cat_name: dict[int, str]) -> Values:
    """What the database says about a paper, in the base's terms."""
    row = state.papers[pid]
    pf = state.pf.get(pid, {})
    pc = state.pc.get(pid, {})
    return (row["title"], row["url"], row["year"], state.venue_names.get(row["venue_id"]),
            "\n".join([fw_slug[f] for f in sorted(pf, key=lambda f: pf[f][0])]),
            "\n".join([cat_name[c] for c in pc]))


def _lines(text: str) -> tuple[str, ...]:
    return tuple(text.split("\n")) if text else ()


def _shown(name: str, value: Any) -> Any:
    """A value as the messages show it (frameworks as a list)."""
    return _lines(value) if name == "frameworks" and isinstance(value, str) else value


class Merger:
    """Merges each matched group with the database, in place, before the sync diffs it."""

    def __init__(self, state: ListState, file: str, diags: Diagnostics, prefer_list: bool):
        self.state, self.file, self.diags = state, file, diags
        self.prefer_list = prefer_list
        self.outcome = MergeOutcome()
        self.touched: set[str] = set()  # sections whose rows the merge changed
        self.fw_slug = {f["id"]: s for s, f in state.frameworks.items()}
        self.cat_name = {c["id"]: n for n, c in state.categories.items()}

    def merge(self, g: Group) -> None:
        """Decide every field of ``g`` (a group matched to a stored paper)."""
        pid = g.existing
        assert pid is not None
        d = stored_values(self.state, pid, self.fw_slug, self.cat_name)
        base = self.state.base.get(pid)
        if base is None and not d[SECTIONS]:
            return  # a paper from a .bib the list now lists: the list's values, as before
        key, line = self.state.papers[pid]["citation_key"], g.records[0].line
        listed = listed_values(g)
        for i, name in enumerate(FIELDS):
            ls, db = listed[i], d[i]
            if base is None:
                if db is None or db == "":
                    continue  # added on both sides: the list fills what the database lacks
                b: Any = _NO_BASE
            else:
                b = base[i]
                if ls == b == db:
                    continue
            value = self._decide(key, g.title, line, name, ls, b, db)
            if value is not ls:
                _set(g, name, value)
        b_sections = "" if base is None else base[SECTIONS]
        if not listed[SECTIONS] == b_sections == d[SECTIONS]:
            self._memberships(g, key, line, _lines(listed[SECTIONS]), _lines(b_sections),
                              _lines(d[SECTIONS]))

    def _decide(self, key: str, title: str, line: int, name: str, ls: Any, b: Any,
                db: Any) -> Any:
        if ls == b:
            if db != b:
                self.outcome.kept_fields += 1
                self.diags.note(self.file, line, f"{key}: the database's {name} is kept "
                                f"({_show(_shown(name, db))}; the list still says "
                                f"{_show(_shown(name, ls))})")
                return db
            return ls
        if db == b or db == ls:
            return ls
        c = Conflict(key, title, name, _shown(name, db), _shown(name, ls), _shown(name, b),
                     self.prefer_list)
        self.outcome.conflicts.append(c)
        self.diags.warn(self.file, line, str(c))
        return ls if self.prefer_list else db

    def _memberships(self, g: Group, key: str, line: int, ls: tuple[str, ...],
                     b: tuple[str, ...], db: tuple[str, ...]) -> None:
        """Per section: a membership only the database changed is kept (booleans cannot
        conflict: if both sides changed one, they agree)."""
        for name in dict.fromkeys((*ls, *b, *db)):
            in_l, in_b, in_d = name in ls, name in b, name in db
            if in_l != in_b or in_d == in_b:
                continue
            self.outcome.kept_fields += 1
            self.touched.add(name)
            if in_d:
                g.categories[name] = None  # type: ignore[assignment]  # placed later
                cid = self.state.categories[name]["id"]
                g.cells = g.cells or {}
                g.cells[name] = self.state.pc[g.existing][cid][1]  # the row's other cells
                what = f"stays in section {name!r} (added in the database)"
            else:
                del g.categories[name]
                what = f"stays out of section {name!r} (removed in the database)"
            self.diags.note(self.file, line, f"{key} {what}; the list did not change it")


def _set(g: Group, name: str, value: Any) -> None:
    if name == "venue":
        g.venue = venues.Venue(value, value, "unknown") if value else None
    elif name == "frameworks":
        g.frameworks = _lines(value)
    elif name == "url":
        g.url = value
        # The identifiers came from the list's link: the stored ones stay with the stored link.
        g.arxiv_id = g.doi = g.openreview_id = None
    else:
        setattr(g, name, value)


# ----------------------------------------------------------------------------- removed papers


def removed_index(state: ListState) -> dict[str, int]:
    """Identity key -> id of the removed_papers row it belongs to."""
    return {k: rid for rid, (_, _, keys) in state.removed.items() for k in keys}


def group_keys(g: Group) -> Iterable[str]:
    for r in g.records:
        yield from identity_keys(r.title, r.url)
        if r.url:
            a = identifiers.arxiv_id(r.url)
            if a:
                yield "arxiv:" + a


# ----------------------------------------------------------------------------- positions


def place_index(years: list[int], old_pos: int, year: int) -> int:
    """Where a paper kept from the database goes among a section's rows (their years, in
    order): after the rows of its year or later in a section kept newest first, else at
    its old position (or the end).

    >>> place_index([2023, 2022, 2020], 5, 2022), place_index([2020, 2023], 0, 2021)
    (2, 0)
    """
    if all(a >= b for a, b in zip(years, years[1:], strict=False)):
        return sum(1 for y in years if y >= year)
    return min(old_pos, len(years))


def place_sections(groups: list[Group], kept: dict[int, dict[int, tuple[int, Any]]],
                   state: ListState,
                   cat_ids: dict[str, int], touched: set[str]) -> dict[tuple[int, int], int]:
    """Give positions to memberships kept from the database (``None`` in a group's
    ``categories``; every membership of a paper in ``kept``, pid -> {category id: old
    position}), fitting them among the list's rows, and close the gaps the merge left in
    the ``touched`` sections. Returns the new positions of the ``kept`` papers'
    memberships, ``(paper id, category id) -> position``.
    """
    name_of = {cid: n for n, cid in cat_ids.items()}
    extras: dict[str, list[tuple[int, int, Any]]] = {}
    for g in groups:
        for name, pos in list(g.categories.items()):
            if pos is None:
                if name not in cat_ids:  # the section is being pruned
                    del g.categories[name]
                    continue
                pid = g.existing
                old = state.pc.get(pid, {}).get(cat_ids[name], (0, None))[0]
                extras.setdefault(name, []).append((old, g.year, g))
    for pid, links in kept.items():
        for cid, (old, _) in links.items():
            if cid in name_of:
                extras.setdefault(name_of[cid], []).append((old, state.papers[pid]["year"], pid))
    moved: dict[tuple[int, int], int] = {}
    for name in touched:
        if name in cat_ids:
            extras.setdefault(name, [])
    if not extras:
        return moved
    listed: dict[str, list[tuple[int, Group]]] = {}
    for g in groups:
        for name, pos in g.categories.items():
            if pos is not None and name in extras:
                listed.setdefault(name, []).append((pos, g))
    for name, more in extras.items():
        order: list[tuple[int, Any]] = [(g.year, g) for _, g in sorted(
            listed.get(name, []), key=lambda m: m[0])]
        for old, year, item in sorted(more, key=lambda m: m[0]):
            order.insert(place_index([y for y, _ in order], old, year), (year, item))
        for k, (_, item) in enumerate(order):
            if isinstance(item, int):
                moved[(item, cat_ids[name])] = k
            else:
                item.categories[name] = k
    return moved
