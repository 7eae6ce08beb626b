"""Name every row the regenerated list (``export md``) will write differently from the source.

A maintainer commits the regenerated list; a diff they did not ask for is a diff they cannot
review. So the import compares each row as written with the row ``export md`` will write
(cell by cell, padding ignored) and says where and why they differ in a note: a venue
written as the catalogue spells it, a repaired URL, the URL kept for a paper listed twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lmsdb.exporters.cells import flag, framework_cell, framework_name_cell, title_cell
from lmsdb.sources.markdown_rows import parse_link

if TYPE_CHECKING:
    from lmsdb.domain.records import FrameworkRecord, ListRecords, PaperRecord
    from lmsdb.sources.markdown_rows import FrameworkRow, PaperRow
    from lmsdb.sync.identity import Group


def note_rewrites(recs: ListRecords, groups: list[Group]) -> None:
    """A note for every row whose cells ``export md`` will write differently."""
    names = {f.slug: f.name for f in recs.frameworks}
    rows = recs.rows
    for g in groups:
        # Compare whole cells first (cheap), and work out what differs only for a row
        # that does.
        title = title_cell(g.title, g.url)
        fw = framework_cell(_links(g, names)) if g.frameworks else ""
        venue = g.venue.name if g.venue else ""
        year = str(g.year)
        for rec in g.records:
            row = rows.get(rec.line)
            if row is None:
                continue
            if not (row.title_cell == title and row.venue == venue and row.year == year
                    and row.framework_cell == fw):
                _note_paper_row(recs, row, {"year": year, "venue": venue, "title": title,
                                            "framework": fw})
            if rec.labels:
                _note_link_texts(recs, rec, names)
    for fr in recs.frameworks:
        frow = recs.framework_rows.get(fr.line)
        if frow is not None:
            _note_framework_row(recs, frow, fr)


def _links(g: Group, names: dict[str, str]) -> list[tuple[str, str]]:
    """(slug, text) of the group's framework links as the export writes them."""
    labels = _padded(g.labels, len(g.frameworks))
    return [(slug, label or names.get(slug, slug))
            for slug, label in zip(g.frameworks, labels, strict=True)]


def _padded(labels: tuple[str | None, ...], n: int) -> tuple[str | None, ...]:
    return labels if len(labels) == n else (None,) * n


def _note_paper_row(recs: ListRecords, row: PaperRow, want: dict[str, str]) -> None:
    have = {"year": row.year, "venue": row.venue, "title": row.title_cell,
            "framework": row.framework_cell}
    said: list[str] = []
    for role in ("year", "venue", "title", "framework"):
        if role not in row.cells_index or have[role] == want[role]:
            continue
        if role == "title":
            said += _title_changes(have[role], want[role])
        elif role == "venue" and not want[role]:
            said.append(f"the Publisher cell {have[role]!r} empty (a preprint has no venue)")
        else:
            said.append(f"the {_COLUMN[role]} cell {have[role]!r} as {want[role]!r}")
    if said:
        recs.diagnostics.note(recs.file, row.line, "the regenerated list (export md) writes "
                              + "; ".join(said))


_COLUMN = {"year": "Year", "venue": "Publisher", "title": "Title", "framework": "Framework"}


def _title_changes(have: str, want: str) -> list[str]:
    old_title, old_url = parse_link(have)
    new_title, new_url = parse_link(want)
    said: list[str] = []
    if old_title != new_title:
        said.append(f"the title {old_title!r} as {new_title!r}")
    if old_url != new_url:
        said.append(f"the URL {old_url or '∅'} as {new_url or '∅'}")
    return said or [f"the Title cell {have!r} as {want!r}"]


def _note_link_texts(recs: ListRecords, rec: PaperRecord, names: dict[str, str]) -> None:
    """A framework link whose text is not the framework's name: kept, but worth a look."""
    for slug, label in zip(rec.frameworks, _padded(rec.labels, len(rec.frameworks)),
                           strict=True):
        name = names.get(slug)
        if label and name and label != name:
            recs.diagnostics.note(recs.file, rec.line, f"framework link [{label}](#{slug}): "
                                  f"the framework's name is {name!r}; the link text is kept "
                                  "as written")


def _note_framework_row(recs: ListRecords, row: FrameworkRow, fr: FrameworkRecord) -> None:
    want = {"year": str(fr.year) if fr.year else "",
            "name": framework_name_cell(fr.slug, fr.name, fr.url),
            "training": flag(fr.training), "inference": flag(fr.inference),
            "serving": flag(fr.serving), "comments": fr.comments or ""}
    have = {"year": row.year, "name": row.name_cell, "training": row.training,
            "inference": row.inference, "serving": row.serving, "comments": row.comments}
    said = [f"the {role.title()} cell {have[role]!r} as {want[role]!r}"
            for role in want if role in row.cells_index and have[role] != want[role]]
    if said:
        recs.diagnostics.note(recs.file, row.line, "the regenerated list (export md) writes "
                              + "; ".join(said))
