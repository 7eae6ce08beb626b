"""The markdown scanner and importer on each format quirk of issue 3 (one fixture each)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from lmsdb.diagnostics import Diagnostics, SourceError
from lmsdb.sources.markdown import parse_text
from lmsdb.sources.markdown_rows import column_of, split_cells
from lmsdb.sync.importer import import_markdown

from .conftest import DATA

MD = DATA / "md"


def rows(engine, sql: str) -> list[tuple]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(sql))]


def titles(engine) -> list[str]:
    return [r[0] for r in rows(engine, "select title from papers order by title")]


@pytest.mark.parametrize(
    ("line", "cells"),
    [
        ("| a | b | c |", ["a", "b", "c"]),
        ("|a|b|c|", ["a", "b", "c"]),
        ("a | b | c", ["a", "b", "c"]),
        ("\t| a\t|\tb |c|  ", ["a", "b", "c"]),
        ("| a \\| b | c |", ["a | b", "c"]),
        # GFM: a pipe in a code span still splits the row unless escaped.
        ("| `x|y` | c |", ["`x", "y`", "c"]),
        ("| `x\\|y` | c |", ["`x|y`", "c"]),
        ("| a |  | c |", ["a", "", "c"]),
        ("| a\\|\\|b | c |", ["a||b", "c"]),
        ("| ends with escaped \\|", ["ends with escaped |"]),
    ],
)
def test_split_cells(line, cells):
    assert split_cells(line) == cells


def test_column_of_points_at_the_cell():
    line = "| 2020 |  NeuraIPS | [T](u) |"
    assert line[column_of(line, 0) - 1 :].startswith("2020")
    assert line[column_of(line, 1) - 1 :].startswith("NeuraIPS")
    assert line[column_of(line, 2) - 1 :].startswith("[T]")


def test_separator_alignments(migrated):
    import_markdown(migrated, MD / "separators.md")
    assert rows(migrated, "select name from categories order by position") == [
        ("Left",), ("Right",), ("Centre",), ("Plain",)]
    assert len(titles(migrated)) == 4


def test_rows_without_outer_pipes(migrated):
    import_markdown(migrated, MD / "no_pipes.md")
    assert rows(migrated, "select p.year, v.name from papers p left join venues v "
                "on v.id = p.venue_id order by p.title") == [(2023, "OSDI"), (2023, None)]


def test_escaped_pipes_and_code_spans(migrated):
    import_markdown(migrated, MD / "escaped.md")
    assert titles(migrated) == ["Pipes | and more pipes: a study",
                                "The `a|b` operator considered harmful"]


def test_markdown_export_escapes_pipes_again(migrated):
    import io

    from lmsdb.exporters import markdown

    import_markdown(migrated, MD / "escaped.md")
    out = io.StringIO()
    with migrated.connect() as c:
        markdown.write(c, out)
    assert "[Pipes \\| and more pipes: a study](https://arxiv.org/abs/2401.00001)" in out.getvalue()


def test_crlf_bom_and_tabs(migrated, tmp_path):
    src = (MD / "no_pipes.md").read_text(encoding="utf-8")
    messy = "\ufeff" + src.replace(" | ", "\t|\t").replace("\n", "\r\n")
    f = tmp_path / "crlf.md"
    f.write_bytes(messy.encode("utf-8"))
    import_markdown(migrated, f)
    assert len(titles(migrated)) == 2
    assert rows(migrated, "select value from list_meta where key = 'title'") == [
        ("No outer pipes",)]
    assert all("\r" not in t for t in titles(migrated))


def test_sections_in_any_order_and_new_ones(migrated):
    import_markdown(migrated, MD / "sections.md")
    assert rows(migrated, "select name, position from categories order by position") == [
        ("Inference", 0), ("Compression", 1), ("Training", 2), ("Empty One", 3)]
    assert rows(migrated, "select c.name, count(pc.paper_id) from categories c left join "
                "paper_categories pc on pc.category_id = c.id group by c.name "
                "order by c.position") == [
        ("Inference", 1), ("Compression", 2), ("Training", 1), ("Empty One", 0)]


def test_inline_html_titles(migrated):
    import io

    import bibtexparser

    from lmsdb.domain.latex_plain import latex_to_plain
    from lmsdb.exporters import bibtex

    import_markdown(migrated, MD / "html_title.md")
    stored = titles(migrated)
    assert stored[0].startswith("H<sub>2</sub>O: Heavy-Hitter")  # as the author wrote it
    out = io.StringIO()
    with migrated.connect() as c:
        bibtex.write(c, out)
    bib = out.getvalue()
    assert "<sub>" not in bib and "<i>" not in bib and "&amp;" not in bib
    assert "H\\textsubscript{2}O" in bib
    lib = bibtexparser.parse_string(bib)
    assert lib.failed_blocks == []
    plain = sorted(latex_to_plain(e["title"]) for e in lib.entries)
    assert plain == ["H2O: Heavy-Hitter Oracle for Efficient Generative Inference of Large "
                     "Language Models", "Scaling Laws & Compute-Optimal Training"]


def test_empty_and_multiple_framework_cells(migrated):
    import_markdown(migrated, MD / "framework_cells.md")
    links = rows(migrated, "select p.title, f.slug, pf.position from papers p "
                 "left join paper_frameworks pf on pf.paper_id = p.id "
                 "left join frameworks f on f.id = pf.framework_id order by p.title, pf.position")
    assert links == [
        ("A paper whose cell says two frameworks the other way round", "alpa", 0),
        ("A paper whose cell says two frameworks the other way round", "ds", 1),
        ("AlpaServe: Statistical Multiplexing with Model Parallelism for Deep Learning Serving",
         None, None),
        ("DeepSpeed-MoE: Advancing Mixture-of-Experts Inference and Training to Power "
         "Next-Generation AI Scale", "ds", 0),
        ("DeepSpeed-MoE: Advancing Mixture-of-Experts Inference and Training to Power "
         "Next-Generation AI Scale", "alpa", 1),
    ]


def test_unknown_anchor_is_an_error(migrated):
    f = MD / "unknown_anchor.md"
    with pytest.raises(SourceError) as e:
        import_markdown(migrated, f)
    assert str(e.value).startswith(f"{f}:10:")
    assert "#gpipe" in str(e.value) and "--lenient" in str(e.value)
    assert rows(migrated, "select count(*) from papers") == [(0,)]


def test_unknown_anchor_lenient(migrated):
    diags = Diagnostics()
    import_markdown(migrated, MD / "unknown_anchor.md", lenient=True, diags=diags)
    assert rows(migrated, "select count(*) from papers") == [(2,)]
    assert rows(migrated, "select count(*) from paper_frameworks") == [(1,)]
    warned = [str(d) for d in diags.warnings]
    assert any(w.startswith(f"{MD / 'unknown_anchor.md'}:10: warning:") and "#gpipe" in w
               for w in warned)


def test_framework_defined_twice_differently(migrated):
    diags = Diagnostics()
    f = MD / "framework_twice.md"
    import_markdown(migrated, f, diags=diags)
    assert rows(migrated, "select slug, inference, comments from frameworks") == [
        ("pipedream", 0, None)]
    warned = [str(d) for d in diags.warnings]
    # Line 16 disagrees with line 15 and is named with it; line 17 repeats line 15 exactly.
    assert warned == [f"{f}:16: warning: framework #pipedream was already defined at line 15, "
                      "differently: the definition at line 15 is kept"]


def test_paper_table_without_section(migrated, tmp_path):
    f = tmp_path / "flat.md"
    f.write_text("# Flat\n\n## Papers\n\n| Year | Publisher | Title | Framework |\n"
                 "|---|---|---|---|\n| 2020 | SC | [A](https://a.org/x) | |\n", encoding="utf-8")
    diags = Diagnostics()
    import_markdown(migrated, f, diags=diags)
    assert rows(migrated, "select name from categories") == [("Papers",)]
    assert [d.line for d in diags.warnings] == [5]


def test_extra_cell_is_an_error_with_column(migrated, tmp_path):
    f = tmp_path / "pipe.md"
    f.write_text("# X\n\n## Papers\n\n### A\n\n| Year | Publisher | Title | Framework |\n"
                 "|---|---|---|---|\n| 2020 | SC | [A | B](https://a.org/x) | |\n",
                 encoding="utf-8")
    with pytest.raises(SourceError) as e:
        import_markdown(migrated, f)
    assert str(e.value).startswith(f"{f}:9:")
    assert "unescaped |" in str(e.value)


@pytest.mark.parametrize(
    ("cell", "col_text", "needle"),
    [
        ("| 2099 | SC | [T](https://a.org/x) | |", "2099", "year 2099 is outside"),
        ("| 1899 | SC | [T](https://a.org/x) | |", "1899", "year 1899 is outside"),
        ("| MMXX | SC | [T](https://a.org/x) | |", "MMXX", "is not a number"),
        ("| 2020 | SC | [T](mailto:a@b.c) | |", "[T]", "is not http(s)"),
        ("| 2020 | SC | [](https://a.org/x) | |", "[]", "the title is empty"),
    ],
)
def test_validation_names_file_line_and_column(migrated, tmp_path, cell, col_text, needle):
    f = tmp_path / "bad.md"
    f.write_text("# X\n\n## Papers\n\n### A\n\n| Year | Publisher | Title | Framework |\n"
                 f"|---|---|---|---|\n{cell}\n", encoding="utf-8")
    with pytest.raises(SourceError) as e:
        import_markdown(migrated, f)
    d = e.value.diagnostic
    assert (d.file, d.line) == (str(f), 9)
    assert cell[d.column - 1 :].startswith(col_text)
    assert needle in d.message
    assert str(e.value) == f"{f}:9:{d.column}: error: {d.message}"


def test_next_year_is_allowed(migrated, tmp_path):
    import datetime

    y = datetime.date.today().year + 1
    f = tmp_path / "next.md"
    f.write_text("# X\n\n## Papers\n\n### A\n\n| Year | Publisher | Title | Framework |\n"
                 f"|---|---|---|---|\n| {y} | SC | [T](https://a.org/x) | |\n", encoding="utf-8")
    import_markdown(migrated, f)
    assert rows(migrated, "select year from papers") == [(y,)]


def test_not_utf8(migrated, tmp_path):
    f = tmp_path / "latin1.md"
    f.write_bytes("# X\n\n## Papers\n\n### A\n\nCaf\xe9\n".encode("latin-1"))
    with pytest.raises(SourceError) as e:
        import_markdown(migrated, f)
    assert str(e.value).startswith(f"{f}:7: error: not UTF-8")


def test_parse_text_keeps_intro_without_toc():
    parsed = parse_text("# T\n\nIntro line.\n\n- [T](#t)\n  - [Papers](#papers)\n\n## Papers\n",
                        "x.md")
    assert parsed.title == "T"
    assert parsed.intro == "Intro line."


def test_venue_catalogue_on_import(migrated):
    diags = Diagnostics()
    f = MD / "venues.md"
    import_markdown(migrated, f, diags=diags)
    got = rows(migrated, "select p.title, v.name, v.kind, v.known from papers p left join "
               "venues v on v.id = p.venue_id order by p.title")
    assert got == [
        ("Paper eight", None, None, None),
        ("Paper five", "OSDI", "conference", 1),
        ("Paper four", "KDD Tutorial", "tutorial", 1),
        ("Paper nine", "TPDS", "journal", 1),
        ("Paper one", "NeurIPS", "conference", 1),
        ("Paper seven", "MadeUpConf", "unknown", 0),
        ("Paper six", "MadeUpConf", "unknown", 0),
        ("Paper three", "ATC", "conference", 1),
        ("Paper two", "NeurIPS", "conference", 1),
    ]
    unknown = [str(d) for d in diags.warnings if "unknown venue" in d.message]
    assert unknown == [f"{f}:14: warning: unknown venue 'MadeUpConf': imported as written "
                       "(`lmsdb venue add MadeUpConf --name FULL --kind conference` defines it)"]


def test_identifiers_in_their_columns(migrated):
    import_markdown(migrated, MD / "dedup.md")
    got = rows(migrated, "select arxiv_id, doi, openreview_id from papers order by title")
    assert ("2207.00032", None, None) in got  # arXiv id kept from the alternative link
    assert (None, "10.1145/3394486.3406703", None) in got
    assert ("2301.12017", None, None) in got


def test_dedup_by_each_identity(migrated):
    diags = Diagnostics()
    import_markdown(migrated, MD / "dedup.md", diags=diags)
    assert rows(migrated, "select count(*) from papers") == [(5,)]
    got = {r[0]: r[1:] for r in rows(migrated, "select p.title, p.url, v.name from papers p "
                                     "left join venues v on v.id = p.venue_id")}
    # arXiv preprint + SC paper: the peer-reviewed URL and venue win.
    ds = got["DeepSpeed Inference: Enabling Efficient Inference of Transformer Models at "
             "Unprecedented Scale"]
    assert ds == ("https://dl.acm.org/doi/abs/10.5555/3571885.3571946", "SC")
    alts = rows(migrated, "select p.title, u.url from paper_urls u join papers p on "
                "p.id = u.paper_id order by u.url")
    assert [u for _, u in alts] == [
        "http://arxiv.org/pdf/2301.12017v2.pdf",
        "http://usenix.org/conference/osdi22/presentation/zheng-lianmin/",
        "https://arxiv.org/abs/1910.02054",
        "https://arxiv.org/abs/2207.00032",
        "https://doi.org/10.1145/3394486.3406703",
    ]
    # Each paper is in both sections.
    assert rows(migrated, "select count(*) from paper_categories") == [(10,)]


def test_dedup_reports_merges(migrated):
    from lmsdb.domain.records import from_markdown
    from lmsdb.sources.markdown import parse_file
    from lmsdb.sync.listsync import plan_and_apply

    diags = Diagnostics()
    recs = from_markdown(parse_file(MD / "dedup.md", diags), diags)
    report = plan_and_apply(None, recs, dry_run=True)
    assert len(report.merged) == 5
    assert any(m.startswith("lines 9, 19 are one paper (DeepSpeed Inference") and
               "URL kept: https://dl.acm.org/doi/abs/10.5555/3571885.3571946" in m
               for m in report.merged)
    assert "merged duplicates: 5" in report.summary()
    # Same title (after normalising): a note. Another title under a shared identifier: a
    # warning, since it may be two papers sharing a link (lines 20, 21, 22 of dedup.md).
    notes = [str(d) for d in diags.items if d.level == "note" and "same paper as" in d.message]
    assert notes == [
        f"{MD / 'dedup.md'}:9: note: same paper as line 19: merged into one "
        "(URL kept: https://dl.acm.org/doi/abs/10.5555/3571885.3571946)",
        f"{MD / 'dedup.md'}:23: note: same paper as line 13: merged into one "
        "(URL kept: https://dl.acm.org/doi/10.5555/3433701.3433727)"]
    warned = [(d.line, d.message.split(":")[0]) for d in diags.warnings]
    assert warned == [(20, "same arXiv id, DOI or URL as line 10 but another title"),
                      (21, "same arXiv id, DOI or URL as line 11 but another title"),
                      (22, "same arXiv id, DOI or URL as line 12 but another title")]


def test_cli_lenient_flag(runner, db_url):
    from .conftest import run_cli

    f = str(MD / "unknown_anchor.md")
    res = run_cli(runner, db_url, "import", f)
    assert res.exit_code == 1 and f"{f}:10:" in res.stderr
    res = run_cli(runner, db_url, "import", "--lenient", f)
    assert res.exit_code == 0
    assert f"{f}:10: warning:" in res.stderr


def test_fixture_files_are_small_and_readable():
    for p in MD.glob("*.md"):
        assert p.stat().st_size < 20_000, p
    assert Path(MD / "make_messy.py").exists()


@pytest.mark.parametrize("text", ["", "# Only a title\n", "# T\n\n## Paper list\n\n### A\n"])
def test_a_file_without_papers_section_is_an_error(migrated, tmp_path, text):
    """An empty or wrong-shaped file must not "import" as an empty list (with --prune it
    would empty the database)."""
    f = tmp_path / "empty.md"
    f.write_text(text, encoding="utf-8")
    import_markdown(migrated, MD / "sync_v1.md")
    before = rows(migrated, "select * from papers order by id")
    with pytest.raises(SourceError) as e:
        import_markdown(migrated, f, prune=True)
    assert str(e.value).startswith(f"{f}: error: no '## Papers' section")
    assert rows(migrated, "select * from papers order by id") == before


def test_fences_extra_sections_and_prose(migrated):
    import io

    from lmsdb.exporters import markdown

    from .linerule import unpadded

    diags = Diagnostics()
    f = MD / "shape.md"
    import_markdown(migrated, f, diags=diags)
    assert rows(migrated, "select count(*) from papers") == [(1,)]
    intro = rows(migrated, "select value from list_meta where key = 'intro'")[0][0]
    assert "```markdown\n# not a heading\n## Papers\n| Year | Title |\n|---|---|\n```" in intro
    # Prose between the tables of '## Papers' is kept by the list's layout (issue 9), but
    # not as data: a warning (for --prune's sake), once.
    assert [(d.line, d.message.split(" (")[0]) for d in diags.warnings] == [
        (19, "text outside the tables of '## Papers' is not kept as data")]
    out = io.StringIO()
    with migrated.connect() as c:
        markdown.write(c, out)
    md = out.getvalue()
    assert "Some prose under a section: lmsdb regenerates this section" in md
    assert md.rstrip().endswith("## License\n\nCC0")
    assert "## Contributing\n\nPull requests welcome. A table here is not data:" in md
    # Nothing here needs repairing: the list comes back as it was written (cell padding
    # aside: an empty cell is written "|  |").
    assert [unpadded(x) for x in md.splitlines()] == [
        unpadded(x) for x in f.read_text(encoding="utf-8").splitlines()]


def test_shape_round_trip(migrated, tmp_path):
    import io

    from lmsdb.exporters import markdown

    import_markdown(migrated, MD / "shape.md")
    out = io.StringIO()
    with migrated.connect() as c:
        markdown.write(c, out)
    f = tmp_path / "again.md"
    f.write_text(out.getvalue(), encoding="utf-8")
    report = import_markdown(migrated, f)
    assert not report.changed, report.summary()


def test_prune_summary_counts_frameworks_sections_and_text(migrated, tmp_path):
    import_markdown(migrated, MD / "sections.md")
    src = (MD / "sections.md").read_text(encoding="utf-8")
    smaller = src.split("### Compression")[0] + "## Frameworks\n\n" + src.split(
        "## Frameworks\n\n")[1].replace(
        '| 2022 | <span id="alpa"></span>[Alpa](https://github.com/alpa-projects/alpa) | ✔ | ✔ | ✔ | Compilation based |\n', "")
    f = tmp_path / "smaller.md"
    f.write_text(smaller.replace("# Sections in any order", "# Renamed"), encoding="utf-8")
    report = import_markdown(migrated, f, prune=True)
    lines = report.summary().splitlines()
    assert lines[0] == "papers: added 0, updated 0, unchanged 1, reordered 0, deleted 3"
    assert lines[1] == "frameworks: added 0, updated 0, deleted 1"
    assert "categories: deleted Compression, Training, Empty One" in lines
    # The title line changed, and so did the layout (the sections it lists).
    assert "list text: updated title, layout" in lines
    assert rows(migrated, "select name from categories") == [("Inference",)]
