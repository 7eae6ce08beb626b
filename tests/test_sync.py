"""Re-importing a newer version of a list synchronises the database with it (issue 3).

sync_v2.md's header comment lists, by hand, every change from sync_v1.md; the expected diff
below is that list.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import text

from lmsdb.sync.importer import import_markdown

from .conftest import DATA, run_cli

V1 = DATA / "md" / "sync_v1.md"
V2 = DATA / "md" / "sync_v2.md"


def q(engine, sql):
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(sql))]


@pytest.fixture
def v1(migrated):
    import_markdown(migrated, V1)
    return migrated


def keys(engine) -> dict[str, str]:
    return dict(q(engine, "select title, citation_key from papers"))


def test_dry_run_diff_and_nothing_written(v1):
    before = q(v1, "select * from papers order by id") + q(v1, "select * from paper_categories "
                                                           "order by 1, 2")
    report = import_markdown(v1, V2, dry_run=True)
    assert [p.key for p in report.added] == ["dysr2023", "efficient2023"]
    changes = {p.key: [str(c) for c in p.changes] for p in report.updated}
    assert changes == {
        "alpa2022": ["frameworks: alpa → alpa, ds"],
        "zerooffload2021": ["url: https://www.usenix.org/conference/atc21/presentation/ren-jie "
                            "→ https://www.usenix.org/system/files/atc21-ren-jie.pdf"],
        "deepspeed2022": ["venue: SC → ICML"],
        "alpaserve2023": ["categories: Inference → Serving"],
    }
    # ZeRO is unchanged (DySR inserted above it does not move it); Alpa and ZeRO-Offload
    # swapped places: one of them moved relative to the papers that stayed.
    assert (report.unchanged, report.reordered) == (1, 1)
    assert [p.key for p in report.moved] in (["alpa2022"], ["zerooffload2021"])
    assert [p.key for p in report.removed] == ["megatronlm2020"]
    assert report.categories_added == ["Serving"]
    assert [(p.key, [str(c) for c in p.changes]) for p in report.frameworks_updated] == [
        ("megatron", ["comments: ∅ → Now with MoE"])]
    diff = report.diff().splitlines()
    assert "+ dysr2023  DySR: Adaptive Super-Resolution via Algorithm and System Co-design" in diff
    assert "    venue: SC → ICML" in diff
    assert any(ln.startswith("? megatronlm2020") and "--prune" in ln for ln in diff)
    assert report.summary().splitlines()[0] == (
        "papers: would add 2, would update 4, unchanged 1, reordered 1, not in the list 1")
    after = q(v1, "select * from papers order by id") + q(v1, "select * from paper_categories "
                                                          "order by 1, 2")
    assert after == before


def test_sync_applies_the_diff_and_keeps_keys(v1):
    old_keys = keys(v1)
    report = import_markdown(v1, V2)
    assert (len(report.added), len(report.updated)) == (2, 4)
    new_keys = keys(v1)
    for title, key in old_keys.items():
        assert new_keys[title] == key  # citation keys never change
    placements = q(v1, "select p.citation_key, c.name, pc.position from paper_categories pc "
                   "join papers p on p.id = pc.paper_id join categories c on c.id = pc.category_id "
                   "order by c.position, pc.position, p.id")
    assert placements == [
        ("dysr2023", "Training", 0), ("zero2020", "Training", 1), ("alpa2022", "Training", 2),
        ("zerooffload2021", "Training", 3),
        # Megatron-LM left the list (not pruned): it left its section too (issue 9).
        ("deepspeed2022", "Inference", 0),
        ("alpaserve2023", "Serving", 0), ("efficient2023", "Serving", 1),
    ]
    assert q(v1, "select name, position from categories order by position") == [
        ("Training", 0), ("Inference", 1), ("Serving", 2)]
    assert q(v1, "select v.name from papers p join venues v on v.id = p.venue_id "
             "where p.citation_key = 'deepspeed2022'") == [("ICML",)]
    assert q(v1, "select f.slug from paper_frameworks pf join papers p on p.id = pf.paper_id "
             "join frameworks f on f.id = pf.framework_id where p.citation_key = 'alpa2022' "
             "order by pf.position") == [("alpa",), ("ds",)]
    assert q(v1, "select comments from frameworks where slug = 'megatron'") == [("Now with MoE",)]
    assert q(v1, "select count(*) from papers") == [(8,)]
    again = import_markdown(v1, V2)
    assert not again.changed


def test_prune_deletes_what_left_the_list(v1):
    import_markdown(v1, V2, prune=True)
    assert q(v1, "select count(*) from papers where citation_key = 'megatronlm2020'") == [(0,)]
    assert q(v1, "select count(*) from papers") == [(7,)]
    assert q(v1, "select count(*) from paper_categories pc left join papers p on "
             "p.id = pc.paper_id where p.id is null") == [(0,)]
    assert q(v1, "select count(*) from paper_frameworks pf left join papers p on "
             "p.id = pf.paper_id where p.id is null") == [(0,)]


def test_moving_a_paper_is_a_category_change_not_a_new_paper(v1):
    before = q(v1, "select id from papers where citation_key = 'alpaserve2023'")
    import_markdown(v1, V2)
    assert q(v1, "select id from papers where citation_key = 'alpaserve2023'") == before
    assert q(v1, "select c.name from paper_categories pc join categories c on "
             "c.id = pc.category_id join papers p on p.id = pc.paper_id "
             "where p.citation_key = 'alpaserve2023'") == [("Serving",)]


def test_new_paper_key_does_not_take_a_removed_papers_key(v1, tmp_path):
    """A newcomer whose base key is taken gets a suffix; the holder keeps its key."""
    src = V1.read_text(encoding="utf-8").replace(
        "| 2022 | SC | [DeepSpeed Inference",
        "| 2020 | ICML | [ZeRO Again: a different paper](https://arxiv.org/abs/2001.01234) | |\n"
        "| 2022 | SC | [DeepSpeed Inference")
    f = tmp_path / "v1b.md"
    f.write_text(src, encoding="utf-8")
    import_markdown(v1, f)
    assert keys(v1)["ZeRO Again: a different paper"] == "zero2020a"
    assert keys(v1)["ZeRO: memory optimizations toward training trillion parameter models."] == (
        "zero2020")


def test_cli_dry_run_prints_diff_on_stdout_and_writes_nothing(runner, db_url):
    assert run_cli(runner, db_url, "import", str(V1)).exit_code == 0
    db_file = Path(db_url.removeprefix("sqlite:///"))
    digest = hashlib.sha256(db_file.read_bytes()).hexdigest()
    res = run_cli(runner, db_url, "import", "--dry-run", str(V2))
    assert res.exit_code == 0
    assert "~ deepspeed2022" in res.stdout
    assert "would add 2" in res.stderr
    assert hashlib.sha256(db_file.read_bytes()).hexdigest() == digest
    res = run_cli(runner, db_url, "import", str(V2))
    assert "papers: added 2, updated 4, unchanged 1, reordered 1, not in the list 1" in res.stderr


def test_dry_run_on_missing_database_creates_nothing(runner, tmp_path):
    url = f"sqlite:///{tmp_path / 'none.sqlite'}"
    res = run_cli(runner, url, "import", "--dry-run", str(V1))
    assert res.exit_code == 0
    assert res.stdout.count("\n+ ") + res.stdout.startswith("+ ") >= 6
    assert not (tmp_path / "none.sqlite").exists()
