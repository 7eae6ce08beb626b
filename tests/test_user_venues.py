"""`lmsdb venue add` / `venue list`: venues of the user's own, used by import, add and export."""

from __future__ import annotations

import json

import pytest

from lmsdb.sync.importer import import_markdown

from .conftest import DATA, run_cli
from .helpers import dump, q

VENUES = DATA / "md" / "venues.md"
FULL = "Made Up Conference on Systems"


@pytest.fixture
def listed(migrated):
    import_markdown(migrated, VENUES)
    return migrated


def define(runner, db_url, *extra: str):
    return run_cli(runner, db_url, "venue", "add", "MadeUpConf", "--name", FULL, "--kind",
                   "conference", "--alias", "MUC", *extra)


def test_venue_add_takes_over_the_unknown_venue(listed, runner, db_url):
    res = define(runner, db_url)
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines() == [
        f"+ venue MadeUpConf  {FULL} (conference)",
        f"    aliases: {FULL}, MUC",
        "    replaces the unknown venue 'MadeUpConf'",
    ]
    assert res.stderr.strip() == "defined venue MadeUpConf; 2 paper(s) filed under it"
    assert q(listed, "select name, full_name, kind, known, user_defined from venues "
             "where name = 'MadeUpConf'") == [("MadeUpConf", FULL, "conference", 1, 1)]
    listing = run_cli(runner, db_url, "venue", "list", "--format", "json")
    assert json.loads(listing.stdout) == [{"name": "MadeUpConf", "full_name": FULL,
                                           "kind": "conference", "aliases": "MUC",
                                           "papers": 2}]


def test_unknown_spellings_fold_into_the_new_venue(listed, runner, db_url, tmp_path):
    other = tmp_path / "other.md"
    other.write_text(VENUES.read_text().replace("| 2022 | MadeUpConf | [Paper six]",
                                                "| 2022 | Made-Up Conf | [Paper six]"))
    import_markdown(listed, other)
    res = run_cli(runner, db_url, "venue", "add", "MUC", "--name", FULL, "--kind",
                  "conference", "--alias", "Made-Up Conf", "--alias", "MadeUpConf")
    assert "replaces the unknown venue 'Made-Up Conf'" in res.stdout
    assert "replaces the unknown venue 'MadeUpConf'" in res.stdout
    assert q(listed, "select v.name, count(*) from papers p join venues v on v.id = p.venue_id "
             "where p.title in ('Paper six', 'Paper seven') group by v.name") == [("MUC", 2)]
    assert q(listed, "select count(*) from venues where name in ('Made-Up Conf', "
             "'MadeUpConf')") == [(0,)]


def test_import_add_and_export_use_user_venues(listed, runner, db_url, tmp_path):
    define(runner, db_url)
    newer = tmp_path / "newer.md"
    newer.write_text(VENUES.read_text().replace(
        "| 2023 |  | [Paper eight]", "| 2023 | MUC 2023 | [Paper eight]"))
    res = run_cli(runner, db_url, "import", str(newer))
    assert "unknown venue" not in res.stderr
    assert q(listed, "select v.name from papers p join venues v on v.id = p.venue_id "
             "where p.title = 'Paper eight'") == [("MadeUpConf",)]
    res = run_cli(runner, db_url, "add", "https://example.org/p10", "--offline", "--title",
                  "Paper ten", "--year", "2023", "--venue", "muc")
    assert "    venue: ∅ → MadeUpConf" in res.stdout and "warning" not in res.stderr
    bib = run_cli(runner, db_url, "export", "bib", "--venue", "MUC")
    assert bib.stdout.count("@inproceedings{") == 4
    assert bib.stdout.count(f"booktitle = {{{FULL}}}") == 4
    md = run_cli(runner, db_url, "export", "md")
    assert "| 2023 | MadeUpConf | [Paper eight]" in md.stdout


def test_the_unknown_venue_warning_names_venue_add(migrated, runner, db_url):
    res = run_cli(runner, db_url, "import", str(VENUES))
    assert (f"{VENUES}:14: warning: unknown venue 'MadeUpConf': imported as written "
            "(`lmsdb venue add MadeUpConf --name FULL --kind conference` defines it)"
            ) in res.stderr


@pytest.mark.parametrize(("args", "code", "message"), [
    (["NIPS", "--name", "Something", "--kind", "conference"], 1,
     "venue add: 'NIPS' already names the catalogue venue 'NeurIPS' (Advances in Neural "
     "Information Processing Systems)"),
    (["Other", "--name", "Other Conf", "--kind", "conference", "--alias", "MUC '24"], 1,
     "venue add: \"MUC '24\" already names the venue 'MadeUpConf' (see `lmsdb venue list`)"),
    (["X", "--name", "  ", "--kind", "conference"], 1,
     "venue add: the short name and --name must not be empty"),
    (["X", "--name", "X Conf", "--kind", "symposium"], 2, "'symposium' is not one of"),
    (["X", "--kind", "conference"], 2, "Missing option '--name'"),
])
def test_venue_add_bad_input_changes_nothing(listed, runner, db_url, args, code, message):
    define(runner, db_url)
    before = dump(listed)
    res = run_cli(runner, db_url, "venue", "add", *args)
    assert res.exit_code == code
    assert message in res.stderr
    assert dump(listed) == before


def test_venue_add_dry_run(listed, runner, db_url):
    before = dump(listed)
    res = define(runner, db_url, "--dry-run")
    assert res.exit_code == 0
    assert f"+ venue MadeUpConf  {FULL} (conference)" in res.stdout
    assert res.stderr.strip() == "would define venue MadeUpConf; 2 paper(s) filed under it"
    assert dump(listed) == before


def test_venue_list_empty(listed, runner, db_url):
    res = run_cli(runner, db_url, "venue", "list")
    assert res.exit_code == 0
    assert "no venues defined yet" in res.stderr


def test_a_bib_merge_knows_user_venues(listed, runner, db_url, tmp_path):
    define(runner, db_url)
    bib = tmp_path / "new.bib"
    bib.write_text("@inproceedings{x, title = {Paper eleven}, year = {2023},\n"
                   "  booktitle = {MUC}}\n", encoding="utf-8")
    res = run_cli(runner, db_url, "import", "--add-new", str(bib))
    assert res.exit_code == 0, res.stderr
    assert q(listed, "select v.name from papers p join venues v on v.id = p.venue_id "
             "where p.title = 'Paper eleven'") == [("MadeUpConf",)]
