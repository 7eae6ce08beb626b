"""Regenerate the awesome list (markdown) from the database.

Tables are written unpadded (``| a | b |``) rather than column-aligned: adding one long title
to an aligned table rewrites every row of it, which buries the real change in a README diff.
"""

from __future__ import annotations

import re
from typing import TextIO

from sqlalchemy import Connection, select

from lmsdb.exporters import tables
from lmsdb.gcpause import paused_gc
from lmsdb.progress import STEP, NoProgress, Progress

papers_t = tables.papers
venues_t = tables.venues
frameworks_t = tables.frameworks
categories_t = tables.categories
pc_t = tables.paper_categories
pf_t = tables.paper_frameworks
meta_t = tables.list_meta

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


# Layout whitespace: ASCII, and the line breaks a markdown reader would not see as text.
_ASCII_SPACE = re.compile("[ \t\n\r\f\v\x85\u2028\u2029]+")


def _cell(text: str) -> str:
    """A value made safe for a table cell: no newlines, pipes escaped. Only ASCII whitespace
    is layout; a non-breaking space in a title is kept (``str.split`` would take it)."""
    return _ASCII_SPACE.sub(" ", text).strip(" ").replace("|", "\\|")


def _flag(v: bool) -> str:
    return "✔" if v else "✗"


def write(conn: Connection, out: TextIO, progress: Progress | None = None) -> int:
    """Write the whole list; returns the number of paper rows written."""
    with paused_gc():
        return _write(conn, out, NoProgress() if progress is None else progress)


def _write(conn: Connection, out: TextIO, progress: Progress) -> int:
    meta = dict(conn.execute(select(meta_t.c.key, meta_t.c.value)).all())
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
        title_cell = f"[{t}]({url})" if url else t
        fws = ", ".join(f"[{_cell(name)}](#{slug})" for slug, name in fw_links.get(pid, ()))
        by_category.setdefault(cid, []).append(
            f"| {year} | {_cell(venue or '')} | {title_cell} | {fws} |\n")
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
    for fw in conn.execute(select(frameworks_t).order_by(frameworks_t.c.position,
                                                         frameworks_t.c.id)):
        name = _cell(fw.name)
        link = f"[{name}]({fw.url})" if fw.url else name
        w(f"| {fw.year or ''} | <span id=\"{fw.slug}\"></span>{link} | {_flag(fw.training)} | "
          f"{_flag(fw.inference)} | {_flag(fw.serving)} | {_cell(fw.comments or '')} |\n")
    if meta.get("extra"):  # the list's other sections (Contributing, License, ...) as written
        w("\n" + meta["extra"].strip("\n") + "\n")
    return n
