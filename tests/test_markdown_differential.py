"""The fast line scanner against a real markdown parser (markdown-it-py, GFM tables).

lmsdb reads tables with a line scanner because a full CommonMark parse of a 100,000-paper
list costs tens of times more. This test keeps markdown-it-py as the reference: on every
fixture, the reference list and generated lists, both must see the same tables with the
same cells.
"""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from lmsdb.sources.markdown import scan_tables

from .conftest import DATA, SEED
from .generate import generate

_MD = MarkdownIt("commonmark").enable("table")


def reference_tables(text: str) -> list[tuple[int, list[list[str]]]]:
    """(header line, rows of cells) of each table, header row first, per markdown-it-py."""
    tables: list[tuple[int, list[list[str]]]] = []
    row: list[str] | None = None
    rows: list[list[str]] = []
    first_line = 0
    for tok in _MD.parse(text):
        if tok.type == "table_open":
            rows, first_line = [], tok.map[0] + 1
        elif tok.type == "tr_open":
            row = []
        elif tok.type == "inline" and row is not None:
            row.append(tok.content)
        elif tok.type == "tr_close":
            rows.append(row)
            row = None
        elif tok.type == "table_close":
            tables.append((first_line, rows))
    return tables


def scanner_tables(text: str) -> list[tuple[int, list[list[str]]]]:
    out = []
    for t in scan_tables(text):
        width = len(t.header)
        # GitHub pads short rows with empty cells; the scanner's reader does the same.
        rows = [t.header] + [cells + [""] * (width - len(cells)) for _, cells, _ in t.rows]
        out.append((t.line, rows))
    return out


FIXTURES = sorted((DATA / "md").glob("*.md")) + [SEED]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_same_cells_on_fixtures(path):
    text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    ref = reference_tables(text)
    assert ref, "every fixture has tables"
    assert scanner_tables(text) == ref


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_same_cells_on_generated_lists(seed):
    text = generate(400, seed=seed)
    ref = reference_tables(text)
    assert sum(len(rows) for _, rows in ref) > 400
    assert scanner_tables(text) == ref


def test_reference_parser_agrees_on_escapes_and_code_spans():
    """The cases where a naive split would differ from GFM, checked on both sides."""
    text = ("| a | b |\n|---|---|\n| x \\| y | `c\\|d` |\n| `e|f` |\nh | i |\n"
            "| only one |\n")
    assert scanner_tables(text) == reference_tables(text)
    assert scanner_tables(text)[0][1][1:] == [["x | y", "`c|d`"], ["`e", "f`"], ["h", "i"],
                                              ["only one", ""]]


def test_excess_cells_are_an_error_not_silently_dropped(tmp_path):
    """The one deliberate difference: GitHub drops cells beyond the header's; an unescaped
    pipe in a title is the usual cause, so lmsdb stops with the line instead of losing text."""
    from lmsdb.diagnostics import SourceError
    from lmsdb.sources.markdown import parse_text

    text = "## Papers\n\n### A\n\n| Year | Title |\n|---|---|\n| 2020 | a | b |\n"
    assert reference_tables(text)[0][1][1] == ["2020", "a"]
    with pytest.raises(SourceError, match=r"^x.md:7:"):
        parse_text(text, "x.md")
