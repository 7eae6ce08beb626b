"""Issue 9, defects 3 and 4: a row broken over two lines names its cause and both lines;
--lenient skips bad rows with a warning and counts them; column names have synonyms,
unknown columns are warned about and kept, a missing column names its line."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from lmsdb.diagnostics import Diagnostics, SourceError
from lmsdb.sync.importer import import_markdown

from .conftest import SEED, run_cli
from .helpers import export_md
from .linerule import unnamed_differences

BROKEN_LINE = 39  # the SIGKDD Tutorial row of the reference list


def broken_seed(tmp_path):
    """The reference list with row 39 broken before its link target, as two real versions
    of the list had it."""
    lines = SEED.read_text(encoding="utf-8").split("\n")
    row = lines[BROKEN_LINE - 1]
    cut = row.index("](https://dl.acm.org")
    lines[BROKEN_LINE - 1: BROKEN_LINE] = [row[:cut], row[cut:]]
    f = tmp_path / "broken.md"
    f.write_text("\n".join(lines), encoding="utf-8")
    return f


def q(engine, sql):
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(sql))]


def test_a_row_broken_over_two_lines_names_the_cause_and_both_lines(migrated, tmp_path):
    f = broken_seed(tmp_path)
    with pytest.raises(SourceError) as e:
        import_markdown(migrated, f)
    assert str(e.value) == (f"{f}:39: error: the row ends inside a link; it continues on "
                            "line 40 (a table row must be one line)")
    assert q(migrated, "select count(*) from papers") == [(0,)]


def test_lenient_skips_the_broken_row_with_a_warning_and_counts_it(runner, db_url, tmp_path):
    f = broken_seed(tmp_path)
    res = run_cli(runner, db_url, "import", "--lenient", str(f))
    assert res.exit_code == 0
    assert (f"{f}:39: warning: the row ends inside a link; it continues on line 40 (a table "
            "row must be one line): row skipped (--lenient)") in res.stderr
    assert "papers: added 24," in res.stderr  # the 25 papers but DeepSpeed (KDD Tutorial)
    assert "rows skipped (--lenient): 1" in res.stderr


def test_lenient_turns_every_row_error_into_a_warning(migrated, tmp_path):
    src = SEED.read_text(encoding="utf-8")
    src = src.replace("| 2021 |      ICML       | [1-bit Adam", "| 20x1 |      ICML       | [1-bit Adam")
    src = src.replace("| 2021 |       ATC       | [ZeRO-Offload",
                      "| 2021 |       ATC       | extra | [ZeRO-Offload")
    src = src.replace("| ✔        |     ✗     |    ✗    |                                   "
                      "                                                      |\n| 2019 |",
                      "| maybe    |     ✗     |    ✗    |                                   "
                      "                                                      |\n| 2019 |", 1)
    f = tmp_path / "bad.md"
    f.write_text(src, encoding="utf-8")
    with pytest.raises(SourceError):
        import_markdown(migrated, f)
    diags = Diagnostics()
    report = import_markdown(migrated, f, lenient=True, diags=diags)
    skipped = dict((d.line, d.message) for d in diags.warnings if "row skipped" in d.message)
    assert sorted(skipped) == [37, 38, 78]
    assert "year '20x1' is not a number" in skipped[37]
    assert "table row has 5 cells, the header has 4" in skipped[38]
    assert "training cell 'maybe' is not ✔ or ✗" in skipped[78]  # Megatron-LM's row
    # Megatron-LM's paper loses its link to the skipped framework, with a warning.
    assert [d.line for d in diags.warnings if "#megatron matches no framework" in d.message] == [
        42]
    assert report.skipped == 3 and "rows skipped (--lenient): 3" in report.summary()
    assert q(migrated, "select count(*) from papers") == [(23,)]
    assert q(migrated, "select count(*) from frameworks") == [(6,)]


def md_list(header: str, align: str, row: str) -> str:
    return (f"# L\n\n## Papers\n\n### Training\n\n{header}\n{align}\n{row}\n\n## Frameworks\n\n"
            "| Year | Name | Training | Inference | Serving | Comments |\n"
            "|:----:|:----:|:--------:|:---------:|:-------:|:---------|\n"
            "| 2020 | <span id=\"ds\"></span>[DeepSpeed](https://github.com/microsoft/DeepSpeed)"
            " | ✔ | ✔ | ✗ | |\n")


def test_code_column_is_the_framework_column(migrated, tmp_path):
    f = tmp_path / "code.md"
    f.write_text(md_list("| Paper | Year | Venue | Code |", "|---|---|---|---|",
                         "| [ZeRO](https://arxiv.org/abs/1910.02054) | 2020 | SC | "
                         "[DeepSpeed](#ds) |"), encoding="utf-8")
    diags = Diagnostics()
    import_markdown(migrated, f, diags=diags)
    assert diags.warnings == []
    assert q(migrated, "select f.slug from paper_frameworks pf join frameworks f "
             "on f.id = pf.framework_id") == [("ds",)]
    assert "| [ZeRO](https://arxiv.org/abs/1910.02054) | 2020 | SC | [DeepSpeed](#ds) |" in (
        export_md(migrated))


@pytest.mark.parametrize("header", ["| Title | Year | Conference | System |",
                                    "| Paper | Year | Publisher | Framework |"])
def test_column_synonyms(migrated, tmp_path, header):
    f = tmp_path / "syn.md"
    f.write_text(md_list(header, "|---|---|---|---|",
                         "| [ZeRO](https://arxiv.org/abs/1910.02054) | 2020 | SC | "
                         "[DeepSpeed](#ds) |"), encoding="utf-8")
    import_markdown(migrated, f)
    assert q(migrated, "select p.year, v.name, f.slug from papers p join venues v on "
             "v.id = p.venue_id join paper_frameworks pf on pf.paper_id = p.id join "
             "frameworks f on f.id = pf.framework_id") == [(2020, "SC", "ds")]


def test_an_unknown_column_is_warned_about_and_its_cells_kept(migrated, tmp_path):
    f = tmp_path / "stars.md"
    f.write_text(md_list("| Paper | Year | Venue | Stars |", "|---|---|---|---|",
                         "| [ZeRO](https://arxiv.org/abs/1910.02054) | 2020 | SC | 1.2k |"),
                 encoding="utf-8")
    diags = Diagnostics()
    import_markdown(migrated, f, diags=diags)
    [w] = diags.warnings
    assert w.line == 7  # the header row
    assert w.message.startswith("unknown column 'Stars' (lmsdb knows Year; Publisher/Pub/Venue/"
                                "Conference; Title/Paper; Framework/Frameworks/Code/System")
    assert w.message.endswith("kept as written in the regenerated list")
    md = export_md(migrated)
    assert "| Paper | Year | Venue | Stars |" in md
    assert "| [ZeRO](https://arxiv.org/abs/1910.02054) | 2020 | SC | 1.2k |" in md
    # The kept cell follows the paper: a re-import of a changed cell updates it.
    f.write_text(f.read_text(encoding="utf-8").replace("1.2k", "1.3k"), encoding="utf-8")
    report = import_markdown(migrated, f)
    assert [str(c) for p in report.updated for c in p.changes] == [
        'other cells: ["1.2k"] → ["1.3k"]']
    assert "| SC | 1.3k |" in export_md(migrated)


def test_a_missing_required_column_is_an_error_naming_the_line(migrated, tmp_path):
    f = tmp_path / "nocol.md"
    f.write_text(md_list("| Venue | Code |", "|---|---|", "| SC | [DeepSpeed](#ds) |"),
                 encoding="utf-8")
    with pytest.raises(SourceError) as e:
        import_markdown(migrated, f)
    assert str(e.value).startswith(f"{f}:7: error: table header has no year or title column")


def test_the_line_rule_holds_for_a_lenient_import(migrated, tmp_path):
    f = broken_seed(tmp_path)
    diags = Diagnostics()
    import_markdown(migrated, f, lenient=True, diags=diags)
    assert unnamed_differences(f.read_text(encoding="utf-8"), export_md(migrated), diags) == []


def test_an_unknown_column_of_the_frameworks_table_is_kept(migrated, tmp_path):
    src = md_list("| Year | Title |", "|---|---|", "| 2020 | [ZeRO](https://arxiv.org/abs/1910.02054) |")
    src = src.replace("| Serving | Comments |\n", "| Serving | Comments | Stars |\n").replace(
        "|:-------:|:---------|\n", "|:-------:|:---------|---:|\n").replace(
        "| ✔ | ✔ | ✗ | |\n", "| ✔ | ✔ | ✗ | | 38k |\n")
    f = tmp_path / "fw-stars.md"
    f.write_text(src, encoding="utf-8")
    diags = Diagnostics()
    import_markdown(migrated, f, diags=diags)
    assert [d.message.split(" (")[0] for d in diags.warnings] == ["unknown column 'Stars'"]
    assert ('| 2020 | <span id="ds"></span>[DeepSpeed](https://github.com/microsoft/DeepSpeed)'
            " | ✔ | ✔ | ✗ |  | 38k |") in export_md(migrated)
