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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmsdb.diagnostics import Diagnostics, SourceError
from lmsdb.sources.markdown_rows import FrameworkRow, PaperRow
from lmsdb.sources.markdown_tables import (
    Table,
    read_frameworks,
    read_papers,
    starts_table,
    table_at,
    table_layout,
)

_TOC_LINE = re.compile(r"^\s*[-*+]\s+\[[^\]]*\]\(#[^)]*\)\s*$")

UNSECTIONED = "Papers"  # the category of a paper table that no ### heading introduces

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
        elif starts_table(lines, i):
            table, i = table_at(lines, i)
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
        if not in_intro and modelled and starts_table(lines, i):
            start = i
            table, i = table_at(lines, i)
            if section == "papers":
                if category is None:
                    category = UNSECTIONED
                    diags.warn(file, table.line, "paper table outside any ### section: its "
                               f"rows are filed under the category {UNSECTIONED!r}")
                    if category not in out.category_lines:
                        out.categories.append(category)
                        out.category_lines[category] = table.line
                first_row = len(out.papers)
                roles = read_papers(table, out, category, diags, lenient)
                _note_second_table(out, category, table.line, first_row, spans, diags)
            else:
                roles = read_frameworks(table, out, diags, lenient)
            spans.append((start, i, table_layout(lines, start, table, section, category,
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
