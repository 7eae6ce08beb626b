"""The cells of one markdown table row: splitting a line into cells, and reading the link
syntax of the cells lmsdb models (``[title](URL)``, ``[name](#anchor)``, ``<span id=...>``).

The scanner (:mod:`lmsdb.sources.markdown`) makes each row of a paper or framework table a
:class:`PaperRow` or :class:`FrameworkRow` with :func:`paper_row` / :func:`framework_row`:
the cells as written (to rewrite them), and what they say (title, URL, links, anchor), so
that :mod:`lmsdb.domain.records` only validates.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from lmsdb.domain.checks import CONTROL, shorten

_SEPARATOR_CELL = re.compile(r"^\s*:?-+:?\s*$")
# Every repeat below stops at a character that can start the next match (']' or '<'), so
# that a search is linear in the cell's length: with [^>]* a 120 KB cell of "<span " took
# 25 s (each start rescanned the rest of the cell).
_ANCHOR_LINK = re.compile(r"\]\(\s*#([^)\]\s]+)\s*\)")
_ANCHOR_LINK_TEXT = re.compile(r"\[([^\[\]]*)\]\(\s*#([^)\]\s]+)\s*\)")
_SPAN_ID = re.compile(
    r"""<(?:span|a)\s[^<>]*\b(?:id|name)\s*=\s*["']([^"'<>]+)["'][^<>]*>(?:\s*</(?:span|a)>)?"""
)
_LINK = re.compile(r"^\[(?P<text>.*)\]\((?P<url>[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)\s*\)$", re.S)


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
    extra: tuple[str, ...] = ()  # cells of columns lmsdb does not know, as written
    # The cells read: the title and URL of the title cell, (text, anchor) of each link of
    # the framework cell, why a title cell that tries to be a link is not one, and where
    # (0-based) the line holds a control character (-1: nowhere).
    title: str = ""
    url: str | None = None
    links: Sequence[tuple[str, str]] = ()
    link_problem: str | None = None
    control_at: int = -1

    def column(self, role: str | None) -> int | None:
        """1-based column of the cell of ``role`` (None if the table has no such column)."""
        return _column(self.text, self.cells_index, role)


@dataclass(slots=True)
class FrameworkRow:
    """One row of the Frameworks table, cells as written (stripped) and read."""

    line: int
    year: str
    name_cell: str
    training: str
    inference: str
    serving: str
    comments: str
    text: str
    cells_index: dict[str, int]
    extra: tuple[str, ...] = ()
    # The name cell read: its <span id> anchor (None if it has none), name and URL.
    slug: str | None = None
    name: str = ""
    url: str | None = None
    control_at: int = -1

    def column(self, role: str | None) -> int | None:
        """1-based column of the cell of ``role`` (None if the table has no such column)."""
        return _column(self.text, self.cells_index, role)


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


def framework_links(cell: str) -> list[tuple[str, str]]:
    """(text, anchor) of each ``[text](#anchor)`` link of a Framework cell, in order.

    >>> framework_links("[TorchGpipe](#gpipe), [DeepSpeed](#ds)")
    [('TorchGpipe', 'gpipe'), ('DeepSpeed', 'ds')]
    """
    return [(t.strip(), a) for t, a in _ANCHOR_LINK_TEXT.findall(cell)]


def span_anchor(cell: str) -> tuple[str | None, str]:
    """The ``<span id="...">`` anchor of a Name cell and the cell without it."""
    m = _SPAN_ID.search(cell)
    if not m:
        return None, cell
    return m.group(1), (cell[: m.start()] + cell[m.end() :]).strip()


def link_problem(cell: str) -> str | None:
    """Why a title cell that tries to be a link ``[title](URL)`` is not one (None if fine or
    if it is plain text). A cell is a link attempt if it starts with ``[`` and holds ``](``
    or ``://``, or holds ``](`` anywhere."""
    attempt = "](" in cell or (cell.startswith("[") and "://" in cell)
    if not attempt:
        return None
    if not cell.startswith("["):
        return "text before the link's '['"
    if "](" not in cell:
        return "the '[' of the link is never closed by '](URL)'"
    if not cell.endswith(")"):
        return "the link's '(' is never closed by ')' (or text follows it)"
    url = cell[cell.rfind("](") + 2 : -1].strip()
    if any(c.isspace() for c in url):
        return f"the URL {shorten(url)} contains whitespace"
    return "not a well-formed [title](URL) link"


def ends_inside_link(text: str) -> bool:
    """Whether a row's line stops in the middle of a ``[text](url)`` link.

    >>> ends_inside_link("| 2022 | SC | [A title](https://x.org/"), ends_inside_link("| [a](b) |")
    (True, False)
    """
    if text.count("[") > text.count("]"):
        return True
    open_at = text.rfind("](")
    return open_at != -1 and text.find(")", open_at) == -1


def _column(text: str, index: dict[str, int], role: str | None) -> int | None:
    if role is None or role not in index:
        return None
    return column_of(text, index[role])


def _control_at(text: str) -> int:
    m = CONTROL.search(text)
    return -1 if m is None else m.start()


def paper_row(line: int, category: str, year: str, venue: str, title_cell: str,
              framework_cell: str, text: str, index: dict[str, int],
              extra: tuple[str, ...]) -> PaperRow:
    """A paper table's row, its title and framework cells read."""
    title, url = parse_link(title_cell)
    return PaperRow(line, category, year, venue, title_cell, framework_cell, text, index, extra,
                    title, url, framework_links(framework_cell) if framework_cell else [],
                    link_problem(title_cell) if url is None and title else None,
                    _control_at(text))


def framework_row(line: int, cells: list[str], text: str, index: dict[str, int],
                  extra: tuple[str, ...]) -> FrameworkRow:
    """A Frameworks table's row (``cells`` by role: year, name, training, inference,
    serving, comments), its name cell read."""
    year, name_cell, training, inference, serving, comments = cells
    slug, rest = span_anchor(name_cell)
    name, url = parse_link(rest) if slug is not None else (rest, None)
    return FrameworkRow(line, year, name_cell, training, inference, serving, comments, text,
                        index, extra, slug, name, url, _control_at(text))
