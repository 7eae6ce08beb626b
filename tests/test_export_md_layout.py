"""Issue 9: the regenerated list keeps the source's layout, and every line it changes is one
the import named in a note or a warning (the "line rule", checked on every fixture list)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lmsdb.diagnostics import Diagnostics
from lmsdb.sync.importer import import_markdown

from .conftest import DATA, SEED, run_cli
from .helpers import export_md
from .linerule import unnamed_differences

FIXTURES = sorted((DATA / "md").glob("*.md"))
# Lists whose import needs --lenient (a framework link to no framework, on purpose).
LENIENT = {"messy.md", "unknown_anchor.md"}


@pytest.mark.parametrize("path", [SEED, *FIXTURES], ids=lambda p: Path(p).name)
def test_every_changed_line_is_named_by_the_import(migrated, path):
    diags = Diagnostics()
    import_markdown(migrated, path, diags=diags, lenient=Path(path).name in LENIENT)
    assert unnamed_differences(Path(path).read_text(encoding="utf-8"), export_md(migrated),
                               diags) == []


def test_the_line_rule_catches_an_unnamed_change(migrated):
    """The check itself can fail: drop the note on a repaired venue and it names the line."""
    diags = Diagnostics()
    import_markdown(migrated, SEED, diags=diags)
    quiet = Diagnostics([d for d in diags.items if "'SIGKDD Tutorial'" not in d.message])
    assert unnamed_differences(SEED.read_text(encoding="utf-8"), export_md(migrated), quiet) == [
        "-39: 2020 | SIGKDD Tutorial | [DeepSpeed: System Optimizations Enable Training Deep "
        "Learning Models with Over 100 Billion Parameters.](https://dl.acm.org/doi/10.1145/"
        "3394486.3406703) | [DeepSpeed](#ds)"]


def test_reference_list_changes_only_repaired_lines(seeded):
    """Of the reference list's 82 lines the export changes, padding aside, 12: the six rows
    with a repaired venue or URL (20, 27, 31, 32, 39, 41), the four template rows, the
    squeezed comment (75) and the repeated PipeDream row (81)."""
    every = unnamed_differences(SEED.read_text(encoding="utf-8"), export_md(seeded),
                                Diagnostics())
    assert [int(x.split(":")[0][1:]) for x in every] == [20, 27, 31, 32, 39, 41, 59, 60, 66,
                                                          67, 75, 81]


def test_padded_tables_stay_padded_and_unpadded_stay_unpadded(seeded):
    lines = export_md(seeded).splitlines()
    # Padded (the source's Training table): every row as wide as the header.
    k = lines.index("### Training") + 2
    widths = {len(x) for x in lines[k : k + 26]}
    assert len(widths) == 1, widths
    assert lines[k + 1].startswith("|:----:|:")  # its own alignment row style
    # Benchmark's table has spaces in its alignment row: | :---: | :-------: | ...
    k = lines.index("### Benchmark") + 2
    assert lines[k + 1].startswith("| :---: | :-------: |")


def test_an_unpadded_table_is_written_unpadded(migrated):
    import_markdown(migrated, DATA / "md" / "sync_v1.md")
    md = export_md(migrated)
    assert ("| 2022 | OSDI | [Alpa: Automating Inter- and Intra-Operator Parallelism for "
            "Distributed Deep Learning](https://www.usenix.org/conference/osdi22/presentation/"
            "zheng-lianmin) | [Alpa](#alpa) |") in md.splitlines()


def test_wide_characters_count_two_columns(migrated, tmp_path):
    """大模型训练 is five characters, ten columns: its cell is padded as 29 columns wide."""
    cjk, latin = "[大模型训练](https://x.org/a)", "[Large model](https://x.org/b)"
    f = tmp_path / "cjk.md"
    f.write_text("# L\n\n## Papers\n\n### Training\n\n"
                 "| Year | Title" + " " * 27 + " |\n"
                 "|:----:|:" + "-" * 33 + "|\n"
                 f"| 2023 | {cjk}" + " " * 3 + " |\n"
                 f"| 2023 | {latin}" + " " * 2 + " |\n\n"
                 "## Frameworks\n\n| Year | Name |\n|---|---|\n", encoding="utf-8")
    import_markdown(migrated, f)
    lines = export_md(migrated).splitlines()
    k = lines.index("### Training") + 2
    assert lines[k : k + 4] == [
        "| Year | Title                          |",   # the widest cell is 30 columns
        "|:----:|:-------------------------------|",
        "| 2023 | [大模型训练](https://x.org/a)  |",  # 29 columns and one space
        "| 2023 | [Large model](https://x.org/b) |"]


def test_a_framework_link_keeps_its_text(migrated, tmp_path):
    src = (DATA / "md" / "sync_v1.md").read_text(encoding="utf-8").replace(
        "[Alpa](#alpa) |\n| 2020 |", "[AlpaLink](#alpa) |\n| 2020 |")
    f = tmp_path / "label.md"
    f.write_text(src, encoding="utf-8")
    diags = Diagnostics()
    import_markdown(migrated, f, diags=diags)
    assert "[AlpaLink](#alpa)" in export_md(migrated)
    assert [(d.level, d.message) for d in diags.items if "AlpaLink" in d.message] == [
        ("note", "framework link [AlpaLink](#alpa): the framework's name is 'Alpa'; the link "
                 "text is kept as written")]


def test_export_md_check(runner, db_url, tmp_path):
    run_cli(runner, db_url, "import", str(SEED))
    good = tmp_path / "README.md"
    assert run_cli(runner, db_url, "export", "md", "-o", str(good)).exit_code == 0
    res = run_cli(runner, db_url, "export", "md", "--check", str(good))
    assert (res.exit_code, res.stdout) == (0, "")
    stale = tmp_path / "stale.md"
    stale.write_text(good.read_text(encoding="utf-8").replace("abs/2301.12017", "abs/2301.1"),
                     encoding="utf-8")
    res = run_cli(runner, db_url, "export", "md", "--check", str(stale))
    assert res.exit_code == 1
    diff = res.stdout.splitlines()
    assert diff[0] == f"--- {stale}" and diff[1] == f"+++ {stale} (lmsdb export md)"
    changed = [x for x in diff if x[:1] in "+-" and x[:3] not in ("---", "+++")]
    assert len(changed) == 2
    assert "(https://arxiv.org/abs/2301.1)" in changed[0] and changed[0][0] == "-"
    assert "(https://arxiv.org/abs/2301.12017)" in changed[1] and changed[1][0] == "+"
    assert run_cli(runner, db_url, "export", "md", "--check", str(good), "-o",
                   str(stale)).exit_code == 2


def test_import_exit_code_says_whether_anything_would_change(runner, db_url):
    v1, v2 = DATA / "md" / "sync_v1.md", DATA / "md" / "sync_v2.md"
    assert run_cli(runner, db_url, "import", "--exit-code", str(v1)).exit_code == 3
    assert run_cli(runner, db_url, "import", "--exit-code", str(v1)).exit_code == 0
    assert run_cli(runner, db_url, "import", "--dry-run", "--exit-code", str(v2)).exit_code == 3
    assert run_cli(runner, db_url, "import", "--dry-run", "--exit-code", str(v1)).exit_code == 0
    # Without --exit-code an import that changes something still exits 0.
    assert run_cli(runner, db_url, "import", "--dry-run", str(v2)).exit_code == 0


def test_spacing_inside_a_title_is_a_named_repair(migrated, tmp_path):
    src = (DATA / "md" / "sync_v1.md").read_text(encoding="utf-8").replace(
        "[Alpa: Automating Inter-", "[Alpa:  Automating Inter-")
    f = tmp_path / "spaces.md"
    f.write_text(src, encoding="utf-8")
    diags = Diagnostics()
    import_markdown(migrated, f, diags=diags)
    [note] = [d for d in diags.items if d.level == "note"]
    assert note.line == 13 and note.message.startswith(
        "the regenerated list (export md) writes the title 'Alpa:  Automating")
    assert unnamed_differences(src, export_md(migrated), diags) == []


def test_without_a_stored_layout_the_list_is_generated_unpadded(seeded):
    """A database imported before revision 0004 has no layout: the list is generated as
    before (unpadded tables, a generated table of contents), and still round-trips."""
    from sqlalchemy import text

    with seeded.begin() as c:
        c.execute(text("delete from list_meta where key = 'layout'"))
        c.execute(text("update frameworks set listed = false where slug = 'terapipe'"))
    md = export_md(seeded)
    assert "| Year | Publisher | Title | Framework |\n|:----:|:---------:|:------|:---------:|\n" in md
    assert "  - [Frameworks](#frameworks)" in md.splitlines()
    assert "| 2022 | NeurIPS | [ZeroQuant:" in md
    assert "terapipe" not in md  # a framework the list no longer has is not written


def test_a_second_table_of_a_section_is_merged_into_the_first_with_notes(migrated, tmp_path):
    src = (DATA / "md" / "sync_v1.md").read_text(encoding="utf-8").replace(
        "\n### Inference\n", "\nMore training papers:\n\n| Year | Publisher | Title | Framework |\n"
        "|:----:|:---------:|:------|:---------:|\n"
        "| 2023 | | [Another](https://arxiv.org/abs/2301.99999) | |\n\n### Inference\n")
    f = tmp_path / "two-tables.md"
    f.write_text(src, encoding="utf-8")
    diags = Diagnostics()
    import_markdown(migrated, f, diags=diags)
    md = export_md(migrated)
    assert md.index("[Another]") < md.index("More training papers:")
    assert [d.line for d in diags.items if "already has a table at line 9" in d.message] == [20]
    assert unnamed_differences(src, md, diags) == []
