"""One table of a list: where it ends, which column is which (its header), its data rows
(as :class:`~lmsdb.sources.markdown_rows.PaperRow` / ``FrameworkRow``, or a FILE:LINE
error), and how it was written (the layout ``export md`` pads or keeps).

The document around the tables (sections, prose, code fences) is scanned by
:mod:`lmsdb.sources.markdown`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lmsdb.diagnostics import Diagnostics, SourceError
from lmsdb.domain.width import display_width
from lmsdb.sources.markdown_rows import (
    column_of,
    ends_inside_link,
    framework_row,
    is_separator,
    paper_row,
    split_cells,
)

if TYPE_CHECKING:
    from lmsdb.sources.markdown import ParsedList

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


_FRAMEWORK_ROLES = ("year", "name", "training", "inference", "serving", "comments")


@dataclass(slots=True)
class Table:
    """A table as written: header cells and (line, cells, text) rows, no meaning attached."""

    line: int  # 1-based line of the header row
    header: list[str]
    rows: list[tuple[int, list[str], str]]


def starts_table(lines: list[str], i: int) -> bool:
    return "|" in lines[i] and i + 1 < len(lines) and is_separator(split_cells(lines[i + 1]))


def table_at(lines: list[str], start: int) -> tuple[Table, int]:
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


def table_layout(lines: list[str], start: int, table: Table, section: str | None,
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


def read_papers(table: Table, out: ParsedList, category: str, diags: Diagnostics,
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


def read_frameworks(table: Table, out: ParsedList, diags: Diagnostics,
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
