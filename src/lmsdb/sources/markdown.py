"""Read an awesome list (markdown tables) into raw rows, with the line each came from.

This is a line-oriented scanner, not a full markdown parser: the lists are tables of one row
per line, and scanning lines costs a small fraction of a CommonMark parse on a list of
100,000 papers. ``tests/test_markdown_differential.py`` checks it against markdown-it-py.
Validation of the cells' contents happens in :mod:`lmsdb.records`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lmsdb.diagnostics import Diagnostics, SourceError

_SEPARATOR_CELL = re.compile(r"^\s*:?-+:?\s*$")
_ANCHOR_LINK = re.compile(r"\]\(\s*#([^)\s]+)\s*\)")
_SPAN_ID = re.compile(
    r"""<(?:span|a)\s[^>]*\b(?:id|name)\s*=\s*["']([^"']+)["'][^>]*>(?:\s*</(?:span|a)>)?"""
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


def _heading_text(line: str) -> str:
    return line.lstrip("#").strip().rstrip("#").strip()


def parse_text(text: str, file: str, diags: Diagnostics | None = None) -> ParsedList:
    """Scan an awesome list's text. Raises :class:`SourceError` on a malformed table."""
    diags = diags if diags is not None else Diagnostics()
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.splitlines()
    out = ParsedList(file=file)
    section: str | None = None  # the current "## " heading, lower-cased
    category: str | None = None
    intro: list[str] = []
    in_intro = False
    i, n = 0, len(lines)
    while i < n:
        raw = lines[i]
        stripped = raw.strip()
        if stripped.startswith("#"):
            level = len(stripped) - len(stripped.lstrip("#"))
            heading = _heading_text(stripped)
            if level == 1 and out.title is None:
                out.title = heading
                in_intro = True
            elif level == 2:
                in_intro = False
                section = heading.lower()
                category = None
            elif level == 3 and section == "papers":
                category = heading
                if category not in out.category_lines:
                    out.categories.append(category)
                    out.category_lines[category] = i + 1
            i += 1
            continue
        if in_intro:
            if not _TOC_LINE.match(raw):
                intro.append(raw.rstrip())
            i += 1
            continue
        if "|" in stripped and i + 1 < n and is_separator(split_cells(lines[i + 1])):
            if section == "papers" and category is None:
                category = UNSECTIONED
                diags.warn(file, i + 1, f"paper table outside any ### section: its rows are "
                           f"filed under the category {UNSECTIONED!r}")
                if category not in out.category_lines:
                    out.categories.append(category)
                    out.category_lines[category] = i + 1
            i = _read_table(lines, i, out, section, category, diags)
            continue
        i += 1
    out.intro = "\n".join(intro).strip("\n")
    return out


def _read_table(
    lines: list[str],
    start: int,
    out: ParsedList,
    section: str | None,
    category: str | None,
    diags: Diagnostics,
) -> int:
    """Read the table whose header is at ``start``; returns the index after it."""
    header = [c.lower() for c in split_cells(lines[start])]
    n = len(lines)
    i = start + 2
    if section == "papers" and category is not None:
        kind, mapping = "papers", PAPER_COLUMNS
    elif section == "frameworks":
        kind, mapping = "frameworks", FRAMEWORK_COLUMNS
    else:
        # A table outside the Papers and Frameworks sections is not data.
        while i < n and "|" in lines[i]:
            i += 1
        return i
    index = {mapping[h]: k for k, h in enumerate(header) if h in mapping}
    needed = ("year", "title") if kind == "papers" else ("name",)
    missing = [c for c in needed if c not in index]
    if missing:
        raise SourceError(
            out.file,
            start + 1,
            f"table header has no {' or '.join(missing)} column: {lines[start].strip()}",
        )
    width = len(header)
    year_header = header[index["year"]] if "year" in index else None
    while i < n:
        text = lines[i]
        if "|" not in text or not text.strip():
            break
        cells = split_cells(text)
        lineno = i + 1
        i += 1
        if len(cells) > width:
            raise SourceError(
                out.file,
                lineno,
                f"table row has {len(cells)} cells, the header has {width}"
                " (an unescaped | in a cell? write it as \\|)",
                column_of(text, width),
            )
        if len(cells) < width:
            # As GitHub does: missing trailing cells are empty ("a | b |" without outer
            # pipes cannot end in an empty cell any other way).
            cells += [""] * (width - len(cells))

        def cell(name: str, cells: list[str] = cells) -> str:
            k = index.get(name)
            return cells[k] if k is not None else ""

        if year_header is not None and cell("year").lower() == year_header:
            diags.warn(out.file, lineno, "template row (repeats the header), not a paper: skipped")
            continue
        if kind == "papers":
            assert category is not None
            out.papers.append(
                PaperRow(lineno, category, cell("year"), cell("venue"), cell("title"),
                         cell("framework"), text, index)
            )
        else:
            out.frameworks.append(
                FrameworkRow(lineno, cell("year"), cell("name"), cell("training"),
                             cell("inference"), cell("serving"), cell("comments"), text, index)
            )
    return i


def parse_file(path: str | Path, diags: Diagnostics | None = None) -> ParsedList:
    """Read and scan a list file; a file that is not UTF-8 is a :class:`SourceError`."""
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise SourceError(str(path), None, "no such file") from None
    except UnicodeDecodeError as e:
        line = p.read_bytes()[: e.start].count(b"\n") + 1
        raise SourceError(str(path), line, f"not UTF-8 text ({e.reason})") from None
    return parse_text(text, str(path), diags)
