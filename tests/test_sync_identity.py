"""Issue 9: a row claims at most one paper; papers that leave the list become unlisted;
sections the list drops are dropped; "reordered" counts real moves. Each defect's repro
from the issue is a test here."""

from __future__ import annotations

import json

from sqlalchemy import text

from lmsdb.diagnostics import Diagnostics
from lmsdb.sync.importer import import_markdown

from .conftest import SEED, run_cli
from .helpers import export_md

FRAMEWORKS = """
## Frameworks

| Year | Name | Training | Inference | Serving | Comments |
|:----:|:----:|:--------:|:---------:|:-------:|:---------|
| 2020 | <span id="ds"></span>[DeepSpeed](https://github.com/microsoft/DeepSpeed) | ✔ | ✔ | ✗ | |
"""


def a_list(*sections: tuple[str, list[str]]) -> str:
    """A list with the given ### sections, each a table of rows "| year | venue | title |"."""
    out = ["# A list", "", "## Papers", ""]
    for name, rows in sections:
        out += [f"### {name}", "", "| Year | Publisher | Title | Framework |",
                "|:----:|:---------:|:------|:---------:|", *rows, ""]
    return "\n".join(out) + FRAMEWORKS


def q(engine, sql):
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(sql))]


def write(tmp_path, name: str, content: str):
    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    return f


ALPHA = "| 2020 | | [Alpha](https://arxiv.org/abs/2001.00001) | |"
BETA = "| 2020 | | [Beta](https://x.org/beta) | |"
BETA_ON_ARXIV = "| 2020 | | [Beta](https://arxiv.org/abs/2001.00001) | |"


def test_a_row_claims_one_paper_by_its_strongest_key(migrated, tmp_path):
    """Defect 1: v2's only row shares Alpha's arXiv id and Beta's title. It is Alpha (the
    arXiv id is the stronger key), retitled; Beta left the list; one Beta row is exported."""
    v1 = write(tmp_path, "v1.md", a_list(("Training", [ALPHA, BETA])))
    v2 = write(tmp_path, "v2.md", a_list(("Training", [BETA_ON_ARXIV])))
    import_markdown(migrated, v1)
    diags = Diagnostics()
    report = import_markdown(migrated, v2, prune=True, diags=diags)
    assert report.summary().splitlines()[0] == (
        "papers: added 0, updated 1, unchanged 0, reordered 0, deleted 1")
    assert q(migrated, "select citation_key, title from papers") == [("alpha2020", "Beta")]
    md = export_md(migrated)
    assert md.count("[Beta]") == 1 and "x.org/beta" not in md
    notes = [d for d in diags.items if "strongest key" in d.message]
    assert len(notes) == 1 and notes[0].line == 9  # the row's line in v2.md
    assert "alpha2020 (same arXiv id 2001.00001)" in notes[0].message
    assert "beta2020 (same title)" in notes[0].message


def test_without_prune_the_weaker_match_is_unlisted(migrated, tmp_path):
    v1 = write(tmp_path, "v1.md", a_list(("Training", [ALPHA, BETA])))
    v2 = write(tmp_path, "v2.md", a_list(("Training", [BETA_ON_ARXIV])))
    import_markdown(migrated, v1)
    report = import_markdown(migrated, v2)
    assert [p.key for p in report.left] == ["beta2020"]
    assert report.summary().splitlines()[0] == (
        "papers: added 0, updated 1, unchanged 0, reordered 0, not in the list 1")
    assert q(migrated, "select p.citation_key from papers p where not exists (select 1 from "
             "paper_categories pc where pc.paper_id = p.id)") == [("beta2020",)]
    assert export_md(migrated).count("[Beta]") == 1


COMPRESSION = [
    "| 2022 | NeurIPS | [ZeroQuant: Efficient and Affordable Post-Training Quantization for "
    "Large-Scale Transformers](https://openreview.net/forum?id=f-fVCElZ-G1) | [DeepSpeed](#ds) |",
    "| 2022 | NeurIPS | [Extreme Compression for Pre-trained Transformers Made Simple and "
    "Efficient](https://openreview.net/forum?id=xNeAhc2CNAl) | [DeepSpeed](#ds) |",
    "| 2023 | | [Compress One](https://arxiv.org/abs/2301.00011) | |",
    "| 2023 | | [Compress Two](https://arxiv.org/abs/2301.00012) | |",
    "| 2023 | | [Compress Three](https://arxiv.org/abs/2301.00013) | |",
]


def versions_17_and_18(tmp_path):
    """v18 is the reference list; v17 is v18 with a ### Compression section of five papers
    (ZeroQuant and Extreme Compression are also in Training: they stay in the list)."""
    v18 = SEED.read_text(encoding="utf-8")
    section = ("### Compression\n\n| Year | Publisher | Title | Framework |\n"
               "|:----:|:---------:|:------|:---------:|\n" + "\n".join(COMPRESSION) + "\n\n")
    v17 = v18.replace("## Frameworks\n", section + "## Frameworks\n")
    return write(tmp_path, "v17.md", v17), write(tmp_path, "v18.md", v18)


def test_sync_without_prune_does_not_bring_removed_papers_back(runner, db_url, tmp_path,
                                                               engine):
    """Defect 2: import v17, then v18 (a section and the papers only it listed removed):
    `export md` writes v18's list, not the removed papers and section at the end."""
    v17, v18 = versions_17_and_18(tmp_path)
    assert run_cli(runner, db_url, "import", str(v17)).exit_code == 0
    res = run_cli(runner, db_url, "import", str(v18))
    assert res.exit_code == 0
    # ZeroQuant and Extreme Compression stay (in Training) but leave Compression: updated.
    assert "papers: added 0, updated 2, unchanged 23, reordered 0, not in the list 3" in (
        res.stderr)
    assert "categories: deleted Compression" in res.stderr
    md = run_cli(runner, db_url, "export", "md").stdout
    assert "Compression\n" not in md and "Compress One" not in md
    fresh = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    run_cli(runner, fresh, "import", str(v18))
    assert md == run_cli(runner, fresh, "export", "md").stdout
    # Unlisted papers stay in the database: .bib, sql, search, and stats count them.
    assert "Compress One" in run_cli(runner, db_url, "export", "bib").stdout
    assert "[Compress] Two" in run_cli(runner, db_url, "search", "compress").stdout
    stats = json.loads(run_cli(runner, db_url, "stats", "--format", "json").stdout)
    assert (stats["papers"], stats["unlisted"]) == (28, 3)
    assert "28 papers, 3 of them unlisted" in run_cli(runner, db_url, "stats").stdout
    # --prune deletes them.
    res = run_cli(runner, db_url, "import", "--prune", str(v18))
    assert "deleted 3" in res.stderr
    assert q(engine, "select count(*) from papers") == [(25,)]


def test_a_paper_that_comes_back_is_listed_again(migrated, tmp_path):
    v17, v18 = versions_17_and_18(tmp_path)
    import_markdown(migrated, v17)
    key = q(migrated, "select citation_key from papers where title = 'Compress One'")
    import_markdown(migrated, v18)
    report = import_markdown(migrated, v17)
    assert report.categories_added == ["Compression"]
    assert q(migrated, "select citation_key from papers where title = 'Compress One'") == key
    assert "Compress One" in export_md(migrated)


def test_inserting_rows_is_not_a_reordering(migrated, tmp_path):
    """Four new rows at the top push every row down: nothing moved relative to the rest."""
    rows = [f"| 2020 | | [Paper {k}](https://arxiv.org/abs/2001.{k:05d}) | |" for k in range(10)]
    new = [f"| 2021 | | [New {k}](https://arxiv.org/abs/2101.{k:05d}) | |" for k in range(4)]
    import_markdown(migrated, write(tmp_path, "v1.md", a_list(("Training", rows))))
    report = import_markdown(migrated, write(tmp_path, "v2.md",
                                            a_list(("Training", new[:2] + rows[:5] + new[2:]
                                                    + rows[5:]))))
    assert (len(report.added), report.reordered, report.unchanged) == (4, 0, 10)


def test_reordered_lists_what_moved(migrated, tmp_path):
    rows = [f"| 2020 | | [Paper {k}](https://arxiv.org/abs/2001.{k:05d}) | |" for k in range(6)]
    import_markdown(migrated, write(tmp_path, "v1.md", a_list(("Training", rows))))
    moved = [rows[0], rows[1], rows[4], rows[2], rows[3], rows[5]]  # Paper 4 moved up
    report = import_markdown(migrated, write(tmp_path, "v2.md", a_list(("Training", moved))),
                             dry_run=True)
    assert report.reordered == 1
    assert [p.key for p in report.moved] == ["paper2020d"]  # Paper 0 is paper2020
    diff = report.diff().splitlines()
    assert diff[diff.index("↕ paper2020d  Paper 4") + 1] == "    moved in Training"
    assert "reordered 1" in report.summary()
