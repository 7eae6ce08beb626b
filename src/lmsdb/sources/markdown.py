"""Read an awesome list (markdown tables) into rows of read cells, with the line each came from.

This is a line-oriented scanner, not a full markdown parser: the lists are tables of one row
per line, and scanning lines costs a small fraction of a CommonMark parse on a list of
100,000 papers. ``tests/test_markdown_differential.py`` checks it against markdown-it-py.
This module finds the sections and tables and keeps the document's layout; the cells of a
row are read by :mod:`lmsdb.sources.markdown_rows`. Validation of what the cells say happens
in :mod:`lmsdb.domain.records`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmsdb.diagnostics import Diagnostics, SourceError
from lmsdb.domain.width import display_width
from lmsdb.sources.markdown_rows import (
    FrameworkRow,
    PaperRow,
    column_of,
    ends_inside_link,
    framework_row,
    is_separator,
    paper_row,
    parse_link,  # noqa: F401  (sync.rewrites reads title cells with it)
    split_cells,
)

_TOC_LINE = re.compile(r"^\s*[-*+]\s+\[[^\]]*\]\(#[^)]*\)\s*$")

_FRAMEWORK_ROLES = ("year", "name", "training", "inference", "serving", "comments")

UNSECTIONED = "Papers"  # the category of a paper table that no ### heading introduces

# Header names (lower-cased) that identify each column, whatever order the table has.
PAPER_COLUMNS = {
    "year": "year",
    "publisher": "venue",
    "pub": "venue",
    "venue": "venue",
    "conference": "venue",
    "title": "title",
    "paper": "title",
    "framework": "framework",
    "frameworks": "framework",
    "code": "framework",
    "system": "framework",
    "systems": "framework",
}
FRAMEWORK_COLUMNS = {
    "year": "year",
    "name": "name",
    "framework": "name",
    "training": "training",
    "inference": "inference",
    "serving": "serving",
    "comments": "comments",
    "comment": "comments",
}


@dataclass
class ParsedList:
    """Everything the scanner found in one file."""

    file: str
    title: str | None = None
    intro: str = ""
    categories: list[str] = field(default_factory=list)
    papers: list[PaperRow] = field(default_factory=list)
    frameworks: list[FrameworkRow] = field(default_factory=list)
    category_lines: dict[str, int] = field(default_factory=dict)
    papers_line: int | None = None  # the "## Papers" heading's line
    extra: str = ""  # other "## " sections, as written
    # The document as written, for `export md`: text blocks ({"text": [lines]}) and, for
    # each table lmsdb reads, its header, alignment row, column roles and padding.
    layout: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0  # rows skipped with a warning (--lenient)


def split_lines(text: str) -> list[str]:
    r"""The lines of a markdown text: only ``\n``, ``\r\n`` and ``\r`` end one.

    ``str.splitlines`` also splits at U+2028, a form feed, U+0085 and other characters that
    markdown treats as text: a title holding one became two table rows.

    >>> split_lines("a\u2028b\r\nc\rd\x0ce\n")
    ['a\u2028b', 'c', 'd\x0ce']
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def _heading_text(line: str) -> str:
    return line.lstrip("#").strip().rstrip("#").strip()


@dataclass(slots=True)
class Table:
    """A table as written: header cells and (line, cells, text) rows, no meaning attached."""

    line: int  # 1-based line of the header row
    header: list[str]
    rows: list[tuple[int, list[str], str]]


def _starts_table(lines: list[str], i: int) -> bool:
    return "|" in lines[i] and i + 1 < len(lines) and is_separator(split_cells(lines[i + 1]))


def _table_at(lines: list[str], start: int) -> tuple[Table, int]:
    """The table whose header is at ``start``, and the index of the line after it."""
    rows: list[tuple[int, list[str], str]] = []
    i, n = start + 2, len(lines)
    while i < n:
        text = lines[i]
        if "|" not in text or not text.strip():
            break
        rows.append((i + 1, split_cells(text), text))
        i += 1
    return Table(start + 1, split_cells(lines[start]), rows), i


def _fence_step(stripped: str, fence: str | None) -> tuple[bool, str | None]:
    """Whether this line belongs to a fenced code block, and the fence open after it."""
    if fence is not None:
        return True, (None if stripped.startswith(fence) else fence)
    if stripped.startswith(("```", "~~~")):
        return True, stripped[:3]
    return False, None


def scan_tables(text: str) -> list[Table]:
    """Every table of a markdown text, found the way :func:`parse_text` finds them."""
    lines = split_lines(text.removeprefix("\ufeff"))
    tables: list[Table] = []
    i = 0
    fence: str | None = None
    while i < len(lines):
        in_code, fence = _fence_step(lines[i].strip(), fence)
        if in_code:
            i += 1
        elif _starts_table(lines, i):
            table, i = _table_at(lines, i)
            tables.append(table)
        else:
            i += 1
    return tables


def parse_text(text: str, file: str, diags: Diagnostics | None = None, *,
               lenient: bool = False) -> ParsedList:
    """Scan an awesome list's text. Raises :class:`SourceError` on a malformed table (with
    ``lenient``, a malformed row is a warning and is skipped)."""
    return _parse_lines(split_lines(text.removeprefix("\ufeff")), file, diags, lenient)


def _parse_lines(lines: list[str], file: str, diags: Diagnostics | None,
                 lenient: bool = False) -> ParsedList:
    diags = diags if diags is not None else Diagnostics()
    out = ParsedList(file=file)
    spans: list[tuple[int, int, dict[str, Any]]] = []  # (first, end) line index of each table
    section: str | None = None  # the current "## " heading, lower-cased
    category: str | None = None
    intro: list[str] = []
    extra: list[str] = []  # "## " sections lmsdb does not model, kept as written
    in_intro = True  # until the first "## " heading
    fence: str | None = None  # the fence of the code block we are in, if any
    warned: set[str | None] = set()
    i, n = 0, len(lines)
    while i < n:
        raw = lines[i]
        stripped = raw.strip()
        modelled = section in ("papers", "frameworks")
        in_code, fence = _fence_step(stripped, fence)
        if in_code:  # inside a fenced code block nothing is a heading or a table
            _keep(raw, in_intro, modelled, intro, extra, section, warned, diags, file, i)
            i += 1
            continue
        if stripped.startswith("#"):
            level = len(stripped) - len(stripped.lstrip("#"))
            heading = _heading_text(stripped)
            if level == 1 and out.title is None:
                out.title = heading
                i += 1
                continue
            if level == 2:
                in_intro = False
                section = heading.lower()
                category = None
                if section == "papers":
                    out.papers_line = i + 1
                elif section != "frameworks":
                    extra.append(raw.rstrip())
                i += 1
                continue
            if level == 3 and section == "papers":
                category = heading
                if category not in out.category_lines:
                    out.categories.append(category)
                    out.category_lines[category] = i + 1
                i += 1
                continue
        if not in_intro and modelled and _starts_table(lines, i):
            start = i
            table, i = _table_at(lines, i)
            if section == "papers":
                if category is None:
                    category = UNSECTIONED
                    diags.warn(file, table.line, "paper table outside any ### section: its "
                               f"rows are filed under the category {UNSECTIONED!r}")
                    if category not in out.category_lines:
                        out.categories.append(category)
                        out.category_lines[category] = table.line
                first_row = len(out.papers)
                roles = _read_papers(table, out, category, diags, lenient)
                _note_second_table(out, category, table.line, first_row, spans, diags)
            else:
                roles = _read_frameworks(table, out, diags, lenient)
            spans.append((start, i, _table_layout(lines, start, table, section, category,
                                                  roles)))
            continue
        if not (in_intro and _TOC_LINE.match(raw)):
            _keep(raw, in_intro, modelled, intro, extra, section, warned, diags, file, i)
        i += 1
    if out.papers_line is None:
        raise SourceError(file, None, "no '## Papers' section: lmsdb reads lists shaped like "
                          "the reference list (## Papers with ### sections of | Year | "
                          "Publisher | Title | Framework | tables, then ## Frameworks)")
    out.intro = "\n".join(intro).strip("\n")
    out.extra = "\n".join(extra).strip("\n")
    out.layout = _layout(lines, spans)
    return out


def _note_second_table(out: ParsedList, category: str, line: int, first_row: int,
                       spans: list[tuple[int, int, dict[str, Any]]], diags: Diagnostics) -> None:
    """A section's rows are one list: a second table of the same section is written into
    the first by `export md`; say so for each row it moves."""
    first = next((s for s in spans if s[2].get("category") == category), None)
    if first is None:
        return
    for row in out.papers[first_row:]:
        diags.note(out.file, row.line, f"section {category!r} already has a table at line "
                   f"{first[0] + 1}: the regenerated list writes this row there")


def _layout(lines: list[str], spans: list[tuple[int, int, dict[str, Any]]]
            ) -> list[dict[str, Any]]:
    """The document as text blocks (kept verbatim) around the tables lmsdb regenerates."""
    blocks: list[dict[str, Any]] = []
    prev = 0
    for start, end, table in spans:
        if start > prev:
            blocks.append({"text": [line.rstrip("\r") for line in lines[prev:start]]})
        blocks.append(table)
        prev = end
    if prev < len(lines):
        blocks.append({"text": [line.rstrip("\r") for line in lines[prev:]]})
    return blocks


def _table_layout(lines: list[str], start: int, table: Table, section: str | None,
                  category: str | None, roles: list[str | None]) -> dict[str, Any]:
    """How a table was written: header and alignment rows, column roles, padding."""
    header, align = lines[start].rstrip("\r"), lines[start + 1].rstrip("\r")
    padded = _is_padded(header, align, table)
    block: dict[str, Any] = {"table": section, "header": header, "align": align,
                             "roles": roles, "padded": padded}
    if padded:
        # The export pads these rows afresh: keep what it needs (cells, alignment, the
        # style of the alignment row), so that the regenerated list, imported, gives the
        # same layout.
        block["header"] = " | ".join(c.replace("|", "\\|") for c in split_cells(header))
        block["align"] = " | ".join(":" * c.startswith(":") + "-" + ":" * c.endswith(":")
                                    for c in split_cells(align))
        block["spaced"] = align.strip().lstrip("|").startswith(" ")
        block["outer"] = header.strip().startswith("|")
    if section == "papers":
        block["category"] = category
    return block


def _is_padded(header: str, align: str, table: Table) -> bool:
    """A table is padded into aligned columns when its header and alignment rows have the
    same display width and so do most of its rows (a row added later by hand, unpadded,
    does not make the table unpadded)."""
    width = display_width(header.strip())
    if display_width(align.strip()) != width:
        return False
    if not table.rows:
        return "  " in header.strip()
    same = sum(1 for _, _, text in table.rows if display_width(text.strip()) == width)
    return 2 * same > len(table.rows)


def _keep(raw: str, in_intro: bool, modelled: bool, intro: list[str], extra: list[str],
          section: str | None, warned: set[str | None], diags: Diagnostics, file: str,
          i: int) -> None:
    """File a line of prose: the introduction, or an unmodelled section. Text between the
    tables of Papers and Frameworks is kept only by the layout (``ParsedList.layout``): it
    is warned about once per section, since a table inside it (after a stray code fence,
    say) is not read, and ``--prune`` must not trust such a reading."""
    if in_intro:
        intro.append(raw.rstrip())
    elif not modelled:
        extra.append(raw.rstrip())
    elif raw.strip() and section not in warned:
        warned.add(section)
        name = (section or "").title()
        diags.warn_not_kept(file, i + 1, f"text outside the tables of '## {name}' is not kept "
                            "as data (the regenerated list keeps it as text; a table in it is "
                            "not read)")


def _columns(table: Table, file: str, mapping: dict[str, str], needed: tuple[str, ...],
             diags: Diagnostics) -> tuple[dict[str, int], list[str | None]]:
    """Which cell holds which field, and each column's role (None: a column lmsdb does not
    know, whose cells are kept as written)."""
    index: dict[str, int] = {}
    roles: list[str | None] = []
    unknown: list[str] = []
    for k, h in enumerate(table.header):
        role = mapping.get(h.lower())
        if role is None or role in index:
            roles.append(None)
            unknown.append(h)
        else:
            index[role] = k
            roles.append(role)
    missing = [c for c in needed if c not in index]
    if missing:
        raise SourceError(file, table.line, f"table header has no {' or '.join(missing)} "
                          f"column: | {' | '.join(table.header)} | (lmsdb knows "
                          f"{_known_names(mapping)})")
    if unknown:
        diags.warn(file, table.line, f"unknown column{'s' if len(unknown) > 1 else ''} "
                   f"{', '.join(repr(u) for u in unknown)} (lmsdb knows {_known_names(mapping)}): "
                   "its cells are not in the database but are kept as written in the "
                   "regenerated list")
    return index, roles


def _known_names(mapping: dict[str, str]) -> str:
    """The header names lmsdb reads, grouped by field: 'Year; Publisher/Pub/...'."""
    groups: dict[str, list[str]] = {}
    for name, role in mapping.items():
        groups.setdefault(role, []).append(name.title())
    return "; ".join("/".join(names) for names in groups.values())


def table_has_outer_pipes(table: Table) -> bool:
    """Whether the table's rows are written ``| a | b |`` (most are)."""
    return sum(1 for _, _, t in table.rows[:20] if t.strip().startswith("|")) * 2 > min(
        len(table.rows), 20)


def _row_error(file: str, diags: Diagnostics, lenient: bool, out: ParsedList,
               err: SourceError) -> None:
    """Raise a row's error, or (--lenient) warn naming its line and skip the row."""
    if not lenient:
        raise err
    d = err.diagnostic
    diags.warn_not_kept(file, d.line, f"{d.message}: row skipped (--lenient)", d.column)
    out.skipped += 1


def _body(table: Table, file: str, index: dict[str, int], diags: Diagnostics,
          out: ParsedList, lenient: bool) -> Iterator[tuple[int, list[str], str]]:
    """The data rows: padded to the header's width; template rows skipped with a warning;
    a malformed row is an error (with ``lenient``, a warning, and the row is skipped)."""
    width = len(table.header)
    year_k = index.get("year")
    year_header = table.header[year_k].lower() if year_k is not None else None
    rows = table.rows
    # A row broken over two lines is told apart from a title with a stray '[' by its ends:
    # in a table with outer pipes, it does not end with one, nor does its next line start so.
    outer = bool(rows) and table_has_outer_pipes(table)
    k = 0
    while k < len(rows):
        lineno, cells, text = rows[k]
        k += 1
        if (outer and k < len(rows) and not text.rstrip().endswith("|")
                and not rows[k][2].lstrip().startswith("|") and ends_inside_link(text)):
            # A row broken over two lines: name the cause, not the symptom on the next line.
            _row_error(file, diags, lenient, out, SourceError(
                file, lineno, f"the row ends inside a link; it continues on line {lineno + 1} "
                "(a table row must be one line)"))
            diags.note(file, lineno + 1, f"the rest of the row of line {lineno}: skipped "
                       "with it")
            k += 1  # the continuation is not a row of its own
            continue
        if len(cells) != width:
            if len(cells) > width:
                _row_error(file, diags, lenient, out, SourceError(
                    file, lineno,
                    f"table row has {len(cells)} cells, the header has {width}"
                    " (an unescaped | in a cell? write it as \\|)",
                    column_of(text, width),
                ))
                continue
            # As GitHub does: missing trailing cells are empty ("a | b |" without outer
            # pipes cannot end in an empty cell any other way).
            cells = cells + [""] * (width - len(cells))
        if year_k is not None and cells[year_k].lower() == year_header:
            diags.warn(file, lineno, "template row (repeats the header), not a paper: skipped")
            continue
        yield lineno, cells, text


def _read_papers(table: Table, out: ParsedList, category: str, diags: Diagnostics,
                 lenient: bool = False) -> list[str | None]:
    index, roles = _columns(table, out.file, PAPER_COLUMNS, ("year", "title"), diags)
    k_year, k_title = index["year"], index["title"]
    k_venue, k_fw = index.get("venue"), index.get("framework")
    unknown = [k for k, r in enumerate(roles) if r is None]
    append = out.papers.append
    for lineno, c, text in _body(table, out.file, index, diags, out, lenient):
        append(paper_row(lineno, category, c[k_year], c[k_venue] if k_venue is not None else "",
                         c[k_title], c[k_fw] if k_fw is not None else "", text, index,
                         tuple(c[k] for k in unknown) if unknown else ()))
    return roles


def _read_frameworks(table: Table, out: ParsedList, diags: Diagnostics,
                     lenient: bool = False) -> list[str | None]:
    index, roles = _columns(table, out.file, FRAMEWORK_COLUMNS, ("name",), diags)
    unknown = [k for k, r in enumerate(roles) if r is None]

    def get(c: list[str], name: str) -> str:
        k = index.get(name)
        return c[k] if k is not None else ""

    for lineno, c, text in _body(table, out.file, index, diags, out, lenient):
        out.frameworks.append(framework_row(
            lineno, [get(c, role) for role in _FRAMEWORK_ROLES], text, index,
            tuple(c[k] for k in unknown)))
    return roles


def parse_file(path: str | Path, diags: Diagnostics | None = None, *,
               lenient: bool = False) -> ParsedList:
    """Read and scan a list file; a file that is not UTF-8 is a :class:`SourceError`."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise SourceError(str(path), None, "no such file") from None
    except IsADirectoryError:
        raise SourceError(str(path), None, "is a directory, not a list file") from None
    try:
        # Only the lines are kept: a large list is not held three times while it is read.
        lines = split_lines(data.decode("utf-8").removeprefix("\ufeff"))
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise SourceError(str(path), line, f"not UTF-8 text ({e.reason})") from None
    del data
    return _parse_lines(lines, str(path), diags, lenient)
