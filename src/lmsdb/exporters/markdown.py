"""Regenerate the awesome list (markdown) from the database.

When the database holds the layout of the list it was imported from (``list_meta.layout``),
the list is written in that layout: its text lines as written, each table with its own
header and alignment row, padded into aligned columns only if the source was, framework
links with the text the list gave them, and unknown columns' cells as written. Otherwise
(a database from before revision 0004) tables are written unpadded.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any, TextIO

from sqlalchemy import Connection, select

from lmsdb.domain.width import display_width
from lmsdb.exporters.cells import (
    escape,
    flag,
    framework_cell,
    framework_name_cell,
    squeeze,
)
from lmsdb.progress import STEP, NoProgress, Progress
from lmsdb.store.tables import categories_t, frameworks_t, meta_t, papers_t, pc_t, pf_t, venues_t

DEFAULT_TITLE = "Papers"
# No repeat may run past a character that starts another match ('[' or '('): a heading of
# a million '[' would otherwise take quadratic time.
_IMAGE_LINK = re.compile(r"\[!\[[^\[\]]*\]\([^()]*\)\]\([^()]*\)|!\[[^\[\]]*\]\([^()]*\)")
_LINK = re.compile(r"\[([^\[\]]*)\]\([^()]*\)")
_NOT_SLUG = re.compile(r"[^\w\- ]+")


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading.

    >>> github_anchor("Awesome Large Model (LM) System [![Awesome](b.svg)](https://a)")
    'awesome-large-model-lm-system-'
    """
    text = _LINK.sub(r"\1", _IMAGE_LINK.sub("", heading))
    return _NOT_SLUG.sub("", text.lower()).replace(" ", "-")


def _cell(text: str) -> str:
    """A value made safe for a table cell: one line, pipes escaped."""
    return escape(squeeze(text))


def write(conn: Connection, out: TextIO, progress: Progress | None = None) -> int:
    """Write the whole list; returns the number of paper rows written."""
    progress = NoProgress() if progress is None else progress
    meta = dict(conn.execute(select(meta_t.c.key, meta_t.c.value)).all())
    if meta.get("layout"):
        return _write_layout(conn, out, progress, json.loads(meta["layout"]))
    title = meta.get("title") or DEFAULT_TITLE
    categories = conn.execute(
        select(categories_t.c.id, categories_t.c.name).order_by(categories_t.c.position,
                                                                  categories_t.c.id)).all()
    fw_links: dict[int, list[tuple[str, str]]] = {}
    for pid, slug, name in conn.execute(
        select(pf_t.c.paper_id, frameworks_t.c.slug, frameworks_t.c.name)
        .join(frameworks_t, pf_t.c.framework_id == frameworks_t.c.id)
        .order_by(pf_t.c.paper_id, pf_t.c.position)
    ):
        fw_links.setdefault(pid, []).append((slug, name))

    w = out.write
    w(f"# {title}\n\n")
    if meta.get("intro"):
        w(meta["intro"].strip("\n") + "\n\n")
    toc_title = _LINK.sub(r"\1", _IMAGE_LINK.sub("", title)).strip()
    w(f"- [{toc_title}](#{github_anchor(title)})\n")
    w("  - [Papers](#papers)\n")
    for _, name in categories:
        w(f"    - [{name}](#{github_anchor(name)})\n")
    w("  - [Frameworks](#frameworks)\n")
    for line in (meta.get("extra") or "").splitlines():
        if line.startswith("## "):
            heading = line[3:].strip()
            w(f"  - [{heading}](#{github_anchor(heading)})\n")
    w("\n")
    w("## Papers\n")

    rows = conn.execute(
        select(pc_t.c.category_id, papers_t.c.id, papers_t.c.year, venues_t.c.name,
               papers_t.c.title, papers_t.c.url)
        .join(papers_t, pc_t.c.paper_id == papers_t.c.id)
        .outerjoin(venues_t, papers_t.c.venue_id == venues_t.c.id)
        .join(categories_t, pc_t.c.category_id == categories_t.c.id)
        .order_by(categories_t.c.position, categories_t.c.id, pc_t.c.position, papers_t.c.id)
    )
    by_category: dict[int, list[str]] = {}
    n = 0
    for cid, pid, year, venue, ptitle, url in rows:
        t = _cell(ptitle)
        linked = f"[{t}]({url})" if url else t
        fws = ", ".join(f"[{_cell(name)}](#{slug})" for slug, name in fw_links.get(pid, ()))
        by_category.setdefault(cid, []).append(
            f"| {year} | {_cell(venue or '')} | {linked} | {fws} |\n")
        n += 1
        if n % STEP == 0:
            progress.update(STEP)
    progress.update(n % STEP)
    for cid, name in categories:
        w(f"\n### {name}\n\n")
        w("| Year | Publisher | Title | Framework |\n")
        w("|:----:|:---------:|:------|:---------:|\n")
        out.writelines(by_category.get(cid, ()))

    w("\n## Frameworks\n\n")
    w("| Year | Name | Training | Inference | Serving | Comments |\n")
    w("|:----:|:----:|:---------|:---------:|:-------:|:---------|\n")
    for fw in conn.execute(select(frameworks_t).where(frameworks_t.c.listed)
                           .order_by(frameworks_t.c.position, frameworks_t.c.id)):
        name = _cell(fw.name)
        link = f"[{name}]({fw.url})" if fw.url else name
        w(f"| {fw.year or ''} | <span id=\"{fw.slug}\"></span>{link} | {flag(fw.training)} | "
          f"{flag(fw.inference)} | {flag(fw.serving)} | {_cell(fw.comments or '')} |\n")
    if meta.get("extra"):  # the list's other sections (Contributing, License, ...) as written
        w("\n" + meta["extra"].strip("\n") + "\n")
    return n


# ----------------------------------------------------------------------------- layout


# Where each column role's text is in a row tuple; the last item holds the unknown cells.
PAPER_ROLES = {"year": 0, "venue": 1, "title": 2, "framework": 3}
FRAMEWORK_ROLES = {"year": 0, "name": 1, "training": 2, "inference": 3, "serving": 4,
                   "comments": 5}
Row = tuple[Any, ...]


def _paper_rows(conn: Connection, progress: Progress) -> dict[str, list[Row]]:
    """Each section's papers in order, as (year, venue, title, framework, unknown cells)
    cell texts, escaped.

    Built a column at a time (``map`` and comprehensions over a batch of rows), not a row
    at a time through the cell functions of :mod:`.cells`: the same text, without a Python
    call per cell of a 100,000-row list."""
    fw_cell: dict[int, str] = {}
    link_text: dict[tuple[str, str], str] = {}  # each link's text, made once
    for pid, slug, name, label in conn.execute(
        select(pf_t.c.paper_id, frameworks_t.c.slug, frameworks_t.c.name, pf_t.c.label)
        .join(frameworks_t, pf_t.c.framework_id == frameworks_t.c.id)
        .order_by(pf_t.c.paper_id, pf_t.c.position)
    ).cursor.fetchall():
        link = (slug, label or name)
        if (text := link_text.get(link)) is None:
            text = link_text[link] = escape(framework_cell([link]))
        # Each link's pipes escaped, then joined: the same as escaping the joined cell.
        fw_cell[pid] = fw_cell[pid] + ", " + text if pid in fw_cell else text
    cursor = conn.execute(
        select(categories_t.c.name, papers_t.c.id, papers_t.c.year, venues_t.c.name,
               papers_t.c.title, papers_t.c.url, pc_t.c.cells)
        .select_from(pc_t)
        .join(papers_t, pc_t.c.paper_id == papers_t.c.id)
        .outerjoin(venues_t, papers_t.c.venue_id == venues_t.c.id)
        .join(categories_t, pc_t.c.category_id == categories_t.c.id)
        .order_by(categories_t.c.position, categories_t.c.id, pc_t.c.position, papers_t.c.id)
    ).cursor  # ints and strings on every backend: no row processing needed
    out: dict[str, list[Row]] = {}
    # A batch of rows at a time, so that the rows read are freed as they become cells.
    while rows := cursor.fetchmany(STEP):
        cats, pids, years, venues, titles, urls, cells = zip(*rows, strict=True)
        # title_cell() and escape() of .cells, by the column.
        titles = list(map(squeeze, titles))
        table = list(zip(
            map(str, years),
            [v.replace("|", "\\|") if v else "" for v in venues],
            [(f"[{t}]({u})" if u else t).replace("|", "\\|")
             for t, u in zip(titles, urls, strict=True)],
            [fw_cell.get(pid, "") for pid in pids],
            [[escape(c) for c in json.loads(more)] if more else () for more in cells],
            strict=True))
        start = 0
        for cat, same in groupby(cats):
            end = start + sum(1 for _ in same)
            out.setdefault(cat, []).extend(table[start:end])
            start = end
        progress.update(len(rows))
    return out


def _framework_rows(conn: Connection) -> list[Row]:
    """The frameworks the list has, in its order (see :data:`FRAMEWORK_ROLES`)."""
    return [(str(fw.year or ""), escape(framework_name_cell(fw.slug, fw.name, fw.url)),
             flag(fw.training), flag(fw.inference), flag(fw.serving),
             escape(squeeze(fw.comments or "")),
             [escape(c) for c in json.loads(fw.cells)] if fw.cells else ())
            for fw in conn.execute(select(frameworks_t).where(frameworks_t.c.listed)
                                   .order_by(frameworks_t.c.position, frameworks_t.c.id))]


def _write_layout(conn: Connection, out: TextIO, progress: Progress,
                  layout: list[dict[str, Any]]) -> int:
    by_category = _paper_rows(conn, progress)
    n = 0
    written: set[str] = set()
    tables = [b for b in layout if b.get("table") == "papers"]
    in_layout = {b["category"] for b in tables}
    for block in layout:
        if "text" in block:
            out.writelines(line + "\n" for line in block["text"])
            continue
        if block["table"] == "papers":
            cat = block["category"]
            rows = by_category.get(cat, []) if cat not in written else []
            written.add(cat)
            n += len(rows)
            write_table(out, block, rows, PAPER_ROLES)
            if block is tables[-1]:
                # Sections made in the database (`lmsdb add --category`), which the source
                # list never had: after its last section, in the same table layout.
                for name, more in by_category.items():
                    if name not in in_layout:
                        out.write(f"\n### {name}\n\n")
                        write_table(out, block, more, PAPER_ROLES)
                        n += len(more)
        else:
            write_table(out, block, _framework_rows(conn), FRAMEWORK_ROLES)
    return n


def _cells(picks: list[int | None], row: Row) -> list[str]:
    """A row's cells in the table's column order; unknown columns from the row's own cells."""
    extra = iter(row[-1])
    return [row[k] if k is not None else next(extra, "") for k in picks]


def write_table(out: TextIO, block: dict[str, Any], rows: list[Row],
                roles: dict[str, int]) -> None:
    """One table, written in the layout its source had (see :func:`_padded_table`)."""
    from lmsdb.sources.markdown_rows import split_cells

    picks = [roles[r] if r is not None else None for r in block["roles"]]
    if not block["padded"]:
        outer = block["header"].strip().startswith("|")
        out.write(block["header"] + "\n" + block["align"] + "\n")
        if outer and picks == [0, 1, 2, 3]:  # the usual paper table: one f-string a row
            out.writelines(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} |\n" for r in rows)
        else:
            out.writelines(_join(_cells(picks, r), outer) + "\n" for r in rows)
        return
    if None in picks:
        body: list[Sequence[str]] = [_cells(picks, r) for r in rows]
    else:  # every column a known one: the cells are items of the row, picked in C
        pick = itemgetter(*picks)
        body = list(map(pick, rows)) if len(picks) > 1 else [(pick(r),) for r in rows]
    header = [c.replace("|", "\\|") for c in split_cells(block["header"])]
    aligns = split_cells(block["align"])
    out.write("\n".join(_padded_table(header, aligns, body, block["outer"], block["spaced"]))
              + "\n")


def _join(cells: Sequence[str], outer: bool) -> str:
    return "| " + " | ".join(cells) + " |" if outer else " | ".join(cells)


def _padded_table(header: list[str], aligns: list[str], body: Sequence[Sequence[str]],
                  outer: bool, spaced: bool) -> list[str]:
    """Header, alignment row and body padded to each column's widest cell (display width).

    >>> for line in _padded_table(["Year", "Title"], [":-:", ":--"], [["2023", "模型"]],
    ...                           True, False):
    ...     print(line)
    | Year | Title |
    |:----:|:------|
    | 2023 | 模型  |
    """
    kinds = [(a.startswith(":"), a.endswith(":")) for a in aligns]
    kinds += [(False, False)] * (len(header) - len(kinds))
    widths = [display_width(h) for h in header]
    ascii_rows = True  # every cell ASCII: its display width is its length
    for k, column in enumerate(zip(*body, strict=True)):
        if "".join(column).isascii():
            w = max(map(len, column))
        else:
            ascii_rows = False
            w = max(len(c) if c.isascii() else display_width(c) for c in column)
        if w > widths[k]:
            widths[k] = w
    for k, (left, right) in enumerate(kinds):
        least = 3 + left + right  # an alignment cell has at least three dashes
        widths[k] = max(widths[k], least - (0 if spaced else 2))
    columns = list(zip(widths, kinds, strict=True))

    def pad(cells: Sequence[str]) -> str:
        return _join([_align(c, w, kind) for c, (w, kind) in zip(cells, columns, strict=True)],
                     outer)

    rule = []
    for w, (left, right) in columns:
        size = w if spaced else w + 2
        rule.append((":" if left else "") + "-" * (size - left - right) + (":" if right else ""))
    rule_line = _join(rule, outer) if spaced else (
        "|" + "|".join(rule) + "|" if outer else "|".join(rule))
    if not body or len(body[0]) != len(columns):
        return [pad(header), rule_line, *(pad(cells) for cells in body)]
    # A row of ASCII cells is one str.format of a template that pads as _align does (its
    # centring, too, puts the odd space on the right); a row with wider characters is
    # padded by display width, cell by cell.
    template = _join([f"{{:{_FORMAT_ALIGN.get(kind, '<')}{w}}}" for w, kind in columns], outer)
    fill = template.format
    if ascii_rows:
        lines = [fill(*cells) for cells in body]
    else:
        lines = [fill(*cells) if "".join(cells).isascii() else pad(cells) for cells in body]
    return [pad(header), rule_line, *lines]


_FORMAT_ALIGN = {(True, True): "^", (False, True): ">"}  # and "<" for the others


def _align(cell: str, width: int, kind: tuple[bool, bool]) -> str:
    gap = width - (len(cell) if cell.isascii() else display_width(cell))
    if kind == (True, True):
        return " " * (gap // 2) + cell + " " * (gap - gap // 2)
    if kind == (False, True):
        return " " * gap + cell
    return cell + " " * gap
