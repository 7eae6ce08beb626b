"""Read an awesome list (markdown tables) into raw rows, with the line each came from.

This is a line-oriented scanner, not a full markdown parser: the lists are tables of one row
per line, and scanning lines costs a small fraction of a CommonMark parse on a list of
100,000 papers. ``tests/test_markdown_differential.py`` checks it against markdown-it-py.
Validation of the cells' contents happens in :mod:`lmsdb.records`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lmsdb.diagnostics import Diagnostics, SourceError

_SEPARATOR_CELL = re.compile(r"^\s*:?-+:?\s*$")
# Every repeat below stops at a character that can start the next match (']' or '<'), so
# that a search is linear in the cell's length: with [^>]* a 120 KB cell of "<span " took
# 25 s (each start rescanned the rest of the cell).
_ANCHOR_LINK = re.compile(r"\]\(\s*#([^)\]\s]+)\s*\)")
_SPAN_ID = re.compile(
    r"""<(?:span|a)\s[^<>]*\b(?:id|name)\s*=\s*["']([^"'<>]+)["'][^<>]*>(?:\s*</(?:span|a)>)?"""
)
_LINK = re.compile(r"^\[(?P<text>.*)\]\((?P<url>[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)\s*\)$", re.S)
_TOC_LINE = re.compile(r"^\s*[-*+]\s+\[[^\]]*\]\(#[^)]*\)\s*$")

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


@dataclass(slots=True)
class PaperRow:
    """One row of a paper table, cells as written (stripped)."""

    line: int
    category: str
    year: str
    venue: str
    title_cell: str
    framework_cell: str
    text: str  # the whole line, to locate columns in error messages
    cells_index: dict[str, int]


@dataclass(slots=True)
class FrameworkRow:
    line: int
    year: str
    name_cell: str
    training: str
    inference: str
    serving: str
    comments: str
    text: str
    cells_index: dict[str, int]


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


def split_cells(line: str) -> list[str]:
    """Split a table row into stripped cells the way GitHub does.

    Only ``\\|`` escapes a pipe (it becomes ``|`` in the cell); as in the GFM spec, a pipe
    inside a code span still separates cells unless it is escaped.

    >>> split_cells("| 2023 | ICLR | a \\\\| b |")
    ['2023', 'ICLR', 'a | b']
    >>> split_cells("x | `a\\\\|b` | y")
    ['x', '`a|b`', 'y']
    """
    s = line.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    if "\\|" not in s:
        return [c.strip() for c in s.split("|")]
    # A pipe right after a backslash is part of the cell (markdown-it's escapedSplit rule).
    cells: list[str] = []
    current: list[str] = []
    start = 0
    pos = s.find("|")
    while pos != -1:
        if pos > 0 and s[pos - 1] == "\\":
            current.append(s[start : pos - 1])
        else:
            current.append(s[start:pos])
            cells.append("".join(current))
            current = []
        start = pos if current else pos + 1
        pos = s.find("|", pos + 1)
    current.append(s[start:])
    cells.append("".join(current))
    return [c.strip() for c in cells]


def is_separator(cells: list[str]) -> bool:
    return bool(cells) and all(_SEPARATOR_CELL.match(c) for c in cells)


def column_of(text: str, cell_index: int) -> int:
    """1-based column where cell ``cell_index`` (0-based) of a row starts, for messages."""
    s = text.rstrip("\r\n")
    lead = len(s) - len(s.lstrip())
    pos = lead + (1 if s[lead : lead + 1] == "|" else 0)
    for _ in range(cell_index):
        nxt = s.find("|", pos)
        while nxt > 0 and s[nxt - 1] == "\\":
            nxt = s.find("|", nxt + 1)
        if nxt == -1:
            return pos + 1
        pos = nxt + 1
    while pos < len(s) and s[pos] in " \t":
        pos += 1
    return pos + 1


def parse_link(cell: str) -> tuple[str, str | None]:
    """``[text](url)`` gives (text, url); anything else gives (cell, None)."""
    if cell.startswith("[") and cell.endswith(")"):
        m = _LINK.match(cell)
        if m:
            return m.group("text").strip(), m.group("url").strip()
    return cell, None


def framework_anchors(cell: str) -> list[str]:
    """The ``#anchor`` targets of the links in a Framework cell, in order."""
    return _ANCHOR_LINK.findall(cell)


def span_anchor(cell: str) -> tuple[str | None, str]:
    """The ``<span id="...">`` anchor of a Name cell and the cell without it."""
    m = _SPAN_ID.search(cell)
    if not m:
        return None, cell
    return m.group(1), (cell[: m.start()] + cell[m.end() :]).strip()


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


def parse_text(text: str, file: str, diags: Diagnostics | None = None) -> ParsedList:
    """Scan an awesome list's text. Raises :class:`SourceError` on a malformed table."""
    return _parse_lines(split_lines(text.removeprefix("\ufeff")), file, diags)


def _parse_lines(lines: list[str], file: str, diags: Diagnostics | None) -> ParsedList:
    diags = diags if diags is not None else Diagnostics()
    out = ParsedList(file=file)
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
            table, i = _table_at(lines, i)
            if section == "papers":
                if category is None:
                    category = UNSECTIONED
                    diags.warn(file, table.line, "paper table outside any ### section: its "
                               f"rows are filed under the category {UNSECTIONED!r}")
                    if category not in out.category_lines:
                        out.categories.append(category)
                        out.category_lines[category] = table.line
                _read_papers(table, out, category, diags)
            else:
                _read_frameworks(table, out, diags)
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
    return out


def _keep(raw: str, in_intro: bool, modelled: bool, intro: list[str], extra: list[str],
          section: str | None, warned: set[str | None], diags: Diagnostics, file: str,
          i: int) -> None:
    """File a line of prose: the introduction, an unmodelled section, or (with a warning,
    once per section) nowhere, because lmsdb regenerates Papers and Frameworks itself."""
    if in_intro:
        intro.append(raw.rstrip())
    elif not modelled:
        extra.append(raw.rstrip())
    elif raw.strip() and section not in warned:
        warned.add(section)
        name = (section or "").title()
        diags.warn_not_kept(file, i + 1, f"text outside the tables of '## {name}' is not "
                            "kept: `lmsdb export md` regenerates that section from the database")


def _columns(table: Table, file: str, mapping: dict[str, str],
             needed: tuple[str, ...]) -> dict[str, int]:
    header = [h.lower() for h in table.header]
    index = {mapping[h]: k for k, h in enumerate(header) if h in mapping}
    missing = [c for c in needed if c not in index]
    if missing:
        raise SourceError(file, table.line, f"table header has no {' or '.join(missing)} "
                          f"column: | {' | '.join(table.header)} |")
    return index


def _body(table: Table, file: str, index: dict[str, int],
          diags: Diagnostics) -> Iterator[tuple[int, list[str], str]]:
    """The data rows: padded to the header's width; template rows skipped with a warning."""
    width = len(table.header)
    year_k = index.get("year")
    year_header = table.header[year_k].lower() if year_k is not None else None
    for lineno, cells, text in table.rows:
        if len(cells) != width:
            if len(cells) > width:
                raise SourceError(
                    file, lineno,
                    f"table row has {len(cells)} cells, the header has {width}"
                    " (an unescaped | in a cell? write it as \\|)",
                    column_of(text, width),
                )
            # As GitHub does: missing trailing cells are empty ("a | b |" without outer
            # pipes cannot end in an empty cell any other way).
            cells = cells + [""] * (width - len(cells))
        if year_k is not None and cells[year_k].lower() == year_header:
            diags.warn(file, lineno, "template row (repeats the header), not a paper: skipped")
            continue
        yield lineno, cells, text


def _read_papers(table: Table, out: ParsedList, category: str, diags: Diagnostics) -> None:
    index = _columns(table, out.file, PAPER_COLUMNS, ("year", "title"))
    k_year, k_title = index["year"], index["title"]
    k_venue, k_fw = index.get("venue"), index.get("framework")
    append = out.papers.append
    for lineno, c, text in _body(table, out.file, index, diags):
        append(PaperRow(lineno, category, c[k_year], c[k_venue] if k_venue is not None else "",
                        c[k_title], c[k_fw] if k_fw is not None else "", text, index))


def _read_frameworks(table: Table, out: ParsedList, diags: Diagnostics) -> None:
    index = _columns(table, out.file, FRAMEWORK_COLUMNS, ("name",))

    def get(c: list[str], name: str) -> str:
        k = index.get(name)
        return c[k] if k is not None else ""

    for lineno, c, text in _body(table, out.file, index, diags):
        out.frameworks.append(
            FrameworkRow(lineno, get(c, "year"), get(c, "name"), get(c, "training"),
                         get(c, "inference"), get(c, "serving"), get(c, "comments"), text,
                         index)
        )


def parse_file(path: str | Path, diags: Diagnostics | None = None) -> ParsedList:
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
    return _parse_lines(lines, str(path), diags)
