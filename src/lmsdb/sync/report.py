"""What an import or a .bib merge did (or, dry run, would do), and how it is shown.

:class:`SyncReport` is a list import's, :class:`MergeReport` a ``.bib`` merge's; each gives
the short summary that ends the command and the full diff that ``--dry-run`` prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from lmsdb.diagnostics import Diagnostic
from lmsdb.domain.bibrecords import BibRecord, Person
from lmsdb.sync.threeway import MergeOutcome


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
    # Papers whose order relative to the papers that stayed in a section changed.
    moved: list[PaperDiff] = field(default_factory=list)
    # Papers in the database that the list does not have (deleted with prune; else unlisted).
    removed: list[PaperDiff] = field(default_factory=list)
    left: list[PaperDiff] = field(default_factory=list)  # of removed: in the list until now
    merged: list[str] = field(default_factory=list)
    frameworks_added: list[str] = field(default_factory=list)
    frameworks_updated: list[PaperDiff] = field(default_factory=list)
    frameworks_removed: list[str] = field(default_factory=list)
    categories_added: list[str] = field(default_factory=list)
    categories_removed: list[str] = field(default_factory=list)
    venues_added: list[str] = field(default_factory=list)
    text_changed: list[str] = field(default_factory=list)  # of title, intro, extra, layout
    skipped: int = 0  # rows skipped with a warning (--lenient)
    writes: bool = False  # whether the database changes (or, dry run, would change)
    match_notes: list[Diagnostic] = field(default_factory=list)  # rows vs existing papers
    replayed: bool = False  # the import was recognised as a repeat and replayed
    merge: MergeOutcome = field(default_factory=MergeOutcome)  # the three-way decisions

    @property
    def reordered(self) -> int:
        return len(self.moved)

    @property
    def changed(self) -> bool:
        return self.writes

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
            dropped = "would delete" if self.dry_run else "deleted"
            parts.append(f"categories: {dropped} {', '.join(self.categories_removed)}")
        if self.text_changed:
            what = {"title": "title", "intro": "introduction", "extra": "other sections",
                    "layout": "layout"}
            parts.append(f"list text: {'would update' if self.dry_run else 'updated'} "
                         + ", ".join(what[k] for k in self.text_changed))
        if self.merged:
            parts.append(f"merged duplicates: {len(self.merged)}")
        if self.skipped:
            parts.append(f"rows skipped (--lenient): {self.skipped}")
        m = self.merge
        if m.conflicts or m.kept_fields or m.kept_papers or m.not_readded:
            parts.append(f"kept from the database: {m.kept_fields} field(s), "
                         f"{len(m.kept_papers)} added paper(s), {len(m.not_readded)} removed "
                         f"paper(s); conflicts {len(m.conflicts)}")
        if not self.changed:
            parts.append(_unchanged(self.dry_run))
        return "\n".join(parts)

    def diff(self) -> str:
        """The full diff, one paper a line or a block (the ``--dry-run`` view)."""
        out: list[str] = []
        for p in self.added:
            _entry(out, f"+ {p.key}  {p.title}")
        for p in self.updated:
            _entry(out, f"~ {p.key}  {p.title}", p.changes)
        for p in self.moved:
            _entry(out, f"↕ {p.key}  {p.title}", (f"moved in {_show(c.new)}" for c in p.changes))
        for p in (self.removed if self.prune else self.left):
            mark = "-" if self.prune else "?"
            note = "" if self.prune else "  (not in the list; --prune deletes it)"
            out.append(f"{mark} {p.key}  {p.title}{note}")
        for m in self.merged:
            out.append(f"= {m}")
        for f in self.frameworks_added:
            out.append(f"+ framework #{f}")
        for p in self.frameworks_updated:
            _entry(out, f"~ framework #{p.key}", p.changes)
        for f in self.frameworks_removed:
            out.append(f"{'-' if self.prune else '?'} framework #{f}")
        for c in self.categories_added:
            out.append(f"+ category {c}")
        for c in self.categories_removed:
            out.append(f"- category {c}")
        for conflict in self.merge.conflicts:
            out.append(f"! {conflict}")
        return "\n".join(out)


def _unchanged(dry_run: bool) -> str:
    return "nothing to change" if dry_run else "nothing changed"


def _entry(out: list[str], head: str, details: Iterable[Any] = ()) -> None:
    """One entry of a diff: its line, then its details indented under it."""
    out.append(head)
    out.extend(f"    {d}" for d in details)


def show_authors(people: tuple[Person, ...]) -> str:
    """People as a report shows them: ``Family, Given and Family``."""
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
            lines.append(_unchanged(self.dry_run))
        return "\n".join(lines)

    def diff(self) -> str:
        out: list[str] = []
        for m in self.added:
            _entry(out, f"+ {m.citation_key}  {m.title}", m.filled)
        for m in self.merged:
            if m.filled or m.overwritten:
                _entry(out, f"~ {m.citation_key}  {m.title}  (matched by {m.how})",
                       [*m.filled, *(f"{c}  (--prefer-bib)" for c in m.overwritten)])
        return "\n".join(out)
