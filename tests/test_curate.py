"""Curating in the database: `lmsdb add`, `edit`, `rm`, and the three-way sync that keeps
those changes through the next import of the list."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from lmsdb.sync.importer import import_markdown

from .conftest import DATA, run_cli
from .helpers import dump, q

V1, V2, V3 = (DATA / "md" / f"curate_v{n}.md" for n in (1, 2, 3))
FLASH = "FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness"
ALPA_V1 = "Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed Deep Learning"
ALPA_EDIT = "Alpa: Automating Parallelism for Deep Learning"



def section(engine, name: str) -> list[str]:
    """The citation keys of a section, in the list's order."""
    return [k for (k,) in q(engine, "select p.citation_key from paper_categories pc "
                            "join papers p on p.id = pc.paper_id join categories c on "
                            "c.id = pc.category_id where c.name = :n order by pc.position",
                            n=name)]


@pytest.fixture
def v1(migrated):
    import_markdown(migrated, V1)
    return migrated


def add_flash(runner, db_url, *extra: str):
    return run_cli(runner, db_url, "add", "arXiv:2205.14135v2", "--offline", "--title", FLASH,
                   "--year", "2022", "--venue", "NeurIPS 2022", "--category", "Training",
                   "--framework", "ds", *extra)


# ----------------------------------------------------------------------------- scenario


def test_scenario_edits_survive_imports_and_a_conflict_is_reported_once(v1, runner, db_url):
    # In the database: edit one title, add a paper, remove one.
    assert run_cli(runner, db_url, "edit", "alpa2022", "--set", f"title={ALPA_EDIT}"
                   ).exit_code == 0
    assert add_flash(runner, db_url).exit_code == 0
    assert run_cli(runner, db_url, "rm", "megatronlm2020").exit_code == 0

    # Version 2: upstream changed ZeRO-Offload's link and added DySR; Alpa and Megatron-LM
    # are as in version 1.
    res = run_cli(runner, db_url, "import", str(V2))
    assert res.exit_code == 0, res.stderr
    assert q(v1, "select title from papers where citation_key = 'alpa2022'") == [(ALPA_EDIT,)]
    assert q(v1, "select url from papers where citation_key = 'zerooffload2021'") == [
        ("https://www.usenix.org/system/files/atc21-ren-jie.pdf",)]
    assert q(v1, "select count(*) from papers where title like 'Megatron%'") == [(0,)]
    assert "flashattention2022" in section(v1, "Training")
    assert section(v1, "Inference") == ["deepspeed2022", "dysr2023", "alpaserve2023"]
    assert f"{V2}:13: note: alpa2022: the database's title is kept ('{ALPA_EDIT}'; the list " \
           f"still says '{ALPA_V1}')" in res.stderr
    assert f"{V2}:14: note: megatronlm2020 was removed in the database (lmsdb rm): not " \
           "added again (--prefer-list adds it)" in res.stderr
    assert "not in the list 0" in res.stderr  # the added paper is not "left the list"
    assert "conflicts 0" in res.stderr

    # Version 3 changes the title that was edited: a conflict, reported, database kept.
    dry = run_cli(runner, db_url, "import", "--dry-run", str(V3))
    conflict = (f"conflict on alpa2022: title is '{ALPA_EDIT}' in the database, "
                f"'{ALPA_V1} (OSDI 2022)' in the list (was '{ALPA_V1}'): the database's value "
                "is kept (--prefer-list takes the list's)")
    assert f"! {conflict}" in dry.stdout
    res = run_cli(runner, db_url, "import", str(V3))
    assert res.exit_code == 0
    assert f"{V3}:13: warning: {conflict}" in res.stderr
    assert "conflicts 1" in res.stderr
    assert q(v1, "select title from papers where citation_key = 'alpa2022'") == [(ALPA_EDIT,)]

    # The base is now version 3: importing it again reports no conflict.
    again = run_cli(runner, db_url, "import", str(V3))
    assert "conflict" not in again.stderr.replace("conflicts 0", "")
    assert q(v1, "select title from papers where citation_key = 'alpa2022'") == [(ALPA_EDIT,)]


def test_prefer_list_takes_the_lists_value_in_a_conflict(v1, runner, db_url):
    run_cli(runner, db_url, "edit", "alpa2022", "--set", f"title={ALPA_EDIT}")
    res = run_cli(runner, db_url, "import", "--prefer-list", str(V3))
    assert "the list's value is taken" in res.stderr
    assert q(v1, "select title from papers where citation_key = 'alpa2022'") == [
        (f"{ALPA_V1} (OSDI 2022)",)]


def test_list_change_without_database_change_is_taken(v1, runner, db_url):
    run_cli(runner, db_url, "edit", "alpa2022", "--set", "year=2021")  # another field
    run_cli(runner, db_url, "import", str(V3))
    assert q(v1, "select title, year from papers where citation_key = 'alpa2022'") == [
        (f"{ALPA_V1} (OSDI 2022)", 2021)]


def test_section_memberships_merge_per_section(v1, runner, db_url):
    # The database lists Alpa under Inference too and drops ZeRO from Training.
    run_cli(runner, db_url, "edit", "alpa2022", "--add-category", "Inference")
    run_cli(runner, db_url, "edit", "zero2020", "--remove-category", "Training")
    res = run_cli(runner, db_url, "import", str(V2))
    assert "alpa2022 stays in section 'Inference' (added in the database)" in res.stderr
    assert "zero2020 stays out of section 'Training' (removed in the database)" in res.stderr
    assert "alpa2022" in section(v1, "Inference")
    assert "zero2020" not in section(v1, "Training")
    # Positions stay dense and the list's own rows keep their order.
    for name in ("Training", "Inference"):
        assert [p for (p,) in q(v1, "select pc.position from paper_categories pc join "
                                "categories c on c.id = pc.category_id where c.name = :n "
                                "order by pc.position", n=name)] == list(range(len(section(
                                    v1, name))))
    assert section(v1, "Inference")[:1] == ["deepspeed2022"]


def test_removed_paper_returns_with_prefer_list_and_is_forgotten_once_the_list_drops_it(
        v1, runner, db_url, tmp_path):
    run_cli(runner, db_url, "rm", "megatronlm2020")
    assert q(v1, "select citation_key from removed_papers") == [("megatronlm2020",)]
    without = tmp_path / "without-megatron.md"
    without.write_text("\n".join(line for line in V1.read_text().splitlines()
                                 if "[Megatron-LM: Training" not in line) + "\n")
    import_markdown(v1, without)
    assert q(v1, "select count(*) from removed_papers") == [(0,)]
    # The list has it again: a new paper, as for any other.
    report = import_markdown(v1, V1)
    assert [p.key for p in report.added] == ["megatronlm2020"]


def test_prefer_list_brings_a_removed_paper_back(v1, runner, db_url):
    run_cli(runner, db_url, "rm", "megatronlm2020")
    report = import_markdown(v1, V1, prefer_list=True)
    assert [p.key for p in report.added] == ["megatronlm2020"]
    assert q(v1, "select count(*) from removed_papers") == [(0,)]


def test_upgrade_seeds_the_base_from_the_listed_papers(engine):
    """A database from before revision 0008 was always what the list said: the base."""
    from lmsdb.store.migrate import upgrade

    upgrade(engine, "0003")
    import_markdown_at_0003 = text  # the 0003 schema has no base: import with raw SQL
    with engine.begin() as c:
        c.execute(import_markdown_at_0003(
            "insert into categories (id, name, position) values (1, 'Training', 0)"))
        c.execute(text("insert into papers (id, citation_key, title, url, year) values "
                       "(1, 'a2020', 'A', 'https://a.org', 2020), (2, 'b2021', 'B', null, 2021)"))
        c.execute(text("insert into paper_categories values (1, 1, 0)"))
    upgrade(engine)
    assert q(engine, "select paper_id, title, url, year, venue, frameworks, categories "
             "from paper_base") == [(1, "A", "https://a.org", 2020, None, "", "Training")]


# ----------------------------------------------------------------------------- add


def test_add_offline(v1, runner, db_url):
    res = add_flash(runner, db_url)
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines()[0] == f"+ flashattention2022  {FLASH}"
    assert "    Training: row 5" in res.stdout
    assert res.stderr.strip() == "added 1 paper"
    assert q(v1, "select p.title, p.year, p.url, p.arxiv_id, v.name from papers p join venues v "
             "on v.id = p.venue_id where citation_key = 'flashattention2022'") == [
        (FLASH, 2022, "https://arxiv.org/abs/2205.14135", "2205.14135", "NeurIPS")]
    assert q(v1, "select f.slug from paper_frameworks pf join frameworks f on "
             "f.id = pf.framework_id join papers p on p.id = pf.paper_id "
             "where p.citation_key = 'flashattention2022'") == [("ds",)]
    # No base: the paper was never in the list, and the next import keeps it listed.
    assert q(v1, "select count(*) from paper_base pb join papers p on p.id = pb.paper_id "
             "where p.citation_key = 'flashattention2022'") == [(0,)]
    import_markdown(v1, V1)
    assert section(v1, "Training")[-1] == "flashattention2022"


def test_add_goes_after_its_year_in_a_newest_first_section(v1, runner, db_url):
    # A new section, filled newest year first.
    run_cli(runner, db_url, "add", "https://example.org/a", "--offline", "--title", "A",
            "--year", "2024", "--category", "Fresh")
    run_cli(runner, db_url, "add", "https://example.org/b", "--offline", "--title", "B",
            "--year", "2020", "--category", "Fresh")
    res = run_cli(runner, db_url, "add", "https://example.org/c", "--offline", "--title", "C",
                  "--year", "2022", "--category", "Fresh")
    assert "    Fresh: row 2" in res.stdout
    assert section(v1, "Fresh") == ["a2024", "c2022", "b2020"]
    # In a section in no year order (Training: 2020, 2021, 2022, 2020), at the end.
    res = run_cli(runner, db_url, "add", "https://example.org/d", "--offline", "--title", "D",
                  "--year", "2021", "--category", "Training")
    assert section(v1, "Training")[-1] == "d2021"


def test_add_a_doi_gets_its_own_column(v1, runner, db_url):
    res = run_cli(runner, db_url, "add", "10.1145/3458817.3476205", "--offline", "--title",
                  "ZeRO-Infinity", "--year", "2021", "--venue", "SC", "--author",
                  "Rajbhandari, Samyam and Ruwase, Olatunji")
    assert res.exit_code == 0, res.stderr
    assert q(v1, "select citation_key, doi, url from papers where title = 'ZeRO-Infinity'") == [
        ("rajbhandari2021zeroinfinity", "10.1145/3458817.3476205",
         "https://doi.org/10.1145/3458817.3476205")]


@pytest.mark.parametrize(("args", "message"), [
    (["https://arxiv.org/abs/1909.08053", "--title", "Anything", "--year", "2020"],
     "add: already in the database as megatronlm2020 (Megatron-LM: Training Multi-Billion "
     "Parameter Language Models Using Model Parallelism), same arXiv id: nothing added"),
    (["https://example.org/x", "--title", "alpa: automating inter- and intra-operator "
      "parallelism for distributed deep learning.", "--year", "2022"],
     "add: already in the database as alpa2022 (" + ALPA_V1 + "), same title: nothing added"),
    (["https://example.org/x", "--title", "X", "--year", "3000"],
     "year 3000 is outside 1900.."),
    (["https://example.org/x", "--title", "X", "--year", "20x2"], "year '20x2' is not a number"),
    (["https://example.org/x", "--title", "  ", "--year", "2020"], "the title is empty"),
    (["ftp://example.org/x", "--title", "X", "--year", "2020"],
     "'ftp://example.org/x' is not an arXiv id (2205.14135), a DOI (10.1145/...) or an "
     "http(s) URL"),
    (["https://example.org/x", "--title", "X"], "add: --year missing"),
    (["https://example.org/x", "--title", "X", "--year", "2020", "--framework", "nope"],
     "no framework has the anchor 'nope' (frameworks: ds, alpa, megatron)"),
])
def test_add_bad_input_changes_nothing(v1, runner, db_url, args, message):
    before = dump(v1)
    res = run_cli(runner, db_url, "add", *args, "--offline")
    assert res.exit_code == 1
    assert message in res.stderr
    assert dump(v1) == before


def test_add_online_with_the_identifiers_service_down_adds_nothing(v1, services, clock,
                                                                    runner, db_url):
    services.fail["arxiv"] = 503
    before = dump(v1)
    res = run_cli(runner, db_url, "add", "2205.14135", "--category", "Training")
    assert res.exit_code == 1
    assert "add: the metadata services failed (" in res.stderr, res.stderr
    assert "--offline adds the paper from the options alone" in res.stderr
    assert dump(v1) == before


def test_add_dry_run(v1, runner, db_url):
    before = dump(v1)
    res = add_flash(runner, db_url, "--dry-run")
    assert res.exit_code == 0
    assert f"+ flashattention2022  {FLASH}" in res.stdout
    assert res.stderr.strip() == "would add 1 paper"
    assert dump(v1) == before


# ----------------------------------------------------------------------------- edit


def test_edit_fields_links_and_sections(v1, runner, db_url):
    res = run_cli(runner, db_url, "edit", "alpa2022", "--set", f"title={ALPA_EDIT}",
                  "--set", "venue=NIPS", "--set", "pages=559--578", "--set",
                  "authors=Zheng, Lianmin and Li, Zhuohan", "--add-framework", "ds",
                  "--add-category", "Inference", "--remove-category", "Training")
    assert res.exit_code == 0, res.stderr
    assert res.stdout.splitlines() == [
        f"~ alpa2022  {ALPA_EDIT}",
        f"    title: {ALPA_V1} → {ALPA_EDIT}",
        "    venue: OSDI → NeurIPS",
        "    authors: ∅ → Zheng, Lianmin and Li, Zhuohan",
        "    pages: ∅ → 559-578",
        "    frameworks: alpa → alpa, ds",
        "    categories: Training → Inference",
    ]
    assert section(v1, "Training") == ["zero2020", "zerooffload2021", "megatronlm2020"]
    assert "alpa2022" in section(v1, "Inference")


def test_edit_url_brings_its_identifiers(v1, runner, db_url):
    res = run_cli(runner, db_url, "edit", "alpa2022", "--set",
                  "url=https://arxiv.org/abs/2201.12023v3")
    assert res.exit_code == 0, res.stderr
    assert "    arxiv_id: ∅ → 2201.12023" in res.stdout
    assert q(v1, "select url, arxiv_id from papers where citation_key = 'alpa2022'") == [
        ("https://arxiv.org/abs/2201.12023v3", "2201.12023")]


def test_edit_clears_an_optional_field(v1, runner, db_url):
    run_cli(runner, db_url, "edit", "alpa2022", "--set", "note=Best paper")
    res = run_cli(runner, db_url, "edit", "alpa2022", "--set", "note=")
    assert "    note: Best paper → ∅" in res.stdout
    assert q(v1, "select note from papers where citation_key = 'alpa2022'") == [(None,)]


@pytest.mark.parametrize(("args", "code", "message"), [
    (["alpa2022", "--set", "year=3000"], 1, "year 3000 is outside 1900.."),
    (["alpa2022", "--set", "title="], 1, "the title is empty"),
    (["alpa2022", "--set", "url=ftp://x.org"], 1, "URL 'ftp://x.org' is not http(s)"),
    (["alpa2022", "--set", "doi=nonsense"], 1, "doi 'nonsense' is not a DOI"),
    (["alpa2022", "--set", "colour=blue"], 1, "'colour' is not a field that can be set"),
    (["alpa2022", "--set", "title"], 1, "--set 'title': expected FIELD=VALUE"),
    (["nokey2020", "--set", "year=2020"], 1, "no paper has the citation key 'nokey2020'"),
    (["alpa2022", "--remove-framework", "ds"], 1, "alpa2022 is not linked to framework 'ds'"),
    (["alpa2022", "--remove-category", "Nope"], 1, "no section is named 'Nope'"),
    # One good change and one bad: neither is made.
    (["alpa2022", "--set", "year=2021", "--set", "url=https://arxiv.org/abs/1909.08053"], 1,
     "edit: the arXiv id would be the same as megatronlm2020's (Megatron-LM: Training "
     "Multi-Billion Parameter Language Models Using Model Parallelism): nothing changed"),
    (["alpa2022", "--set", "title=ZeRO: Memory Optimizations Toward Training Trillion "
      "Parameter Models"], 1, "edit: the title would be the same as zero2020's"),
    (["alpa2022"], 2, "nothing to do"),
])
def test_edit_bad_input_changes_nothing(v1, runner, db_url, args, code, message):
    before = dump(v1)
    res = run_cli(runner, db_url, "edit", *args)
    assert res.exit_code == code
    assert message in res.stderr
    assert dump(v1) == before


def test_edit_dry_run(v1, runner, db_url):
    before = dump(v1)
    res = run_cli(runner, db_url, "edit", "alpa2022", "--set", "year=2021", "--dry-run")
    assert res.exit_code == 0
    assert "    year: 2022 → 2021" in res.stdout
    assert "would change 1 field(s) of alpa2022" in res.stderr
    assert dump(v1) == before


# ----------------------------------------------------------------------------- rm


def test_rm_removes_papers_and_links(v1, runner, db_url):
    res = run_cli(runner, db_url, "rm", "alpa2022", "deepspeed2022")
    assert res.exit_code == 0
    assert res.stdout.splitlines() == [
        f"- alpa2022  {ALPA_V1}",
        "    categories: Training → ∅",
        "    frameworks: alpa → ∅",
        "- deepspeed2022  DeepSpeed Inference: Enabling Efficient Inference of Transformer "
        "Models at Unprecedented Scale",
        "    categories: Inference → ∅",
        "    frameworks: ds → ∅",
    ]
    assert res.stderr.strip() == "removed 2 paper(s)"
    assert q(v1, "select count(*) from papers") == [(4,)]
    assert section(v1, "Training") == ["zero2020", "zerooffload2021", "megatronlm2020"]
    assert q(v1, "select pc.position from paper_categories pc join categories c on "
             "c.id = pc.category_id where c.name = 'Inference'") == [(0,)]
    assert q(v1, "select count(*) from paper_frameworks pf where pf.paper_id not in "
             "(select id from papers)") == [(0,)]


def test_rm_unknown_key_removes_nothing(v1, runner, db_url):
    before = dump(v1)
    res = run_cli(runner, db_url, "rm", "alpa2022", "nokey2020")
    assert res.exit_code == 1
    assert "no paper has the citation key 'nokey2020'" in res.stderr
    assert dump(v1) == before


def test_rm_dry_run(v1, runner, db_url):
    before = dump(v1)
    res = run_cli(runner, db_url, "rm", "alpa2022", "--dry-run")
    assert res.exit_code == 0
    assert f"- alpa2022  {ALPA_V1}" in res.stdout
    assert res.stderr.strip() == "would remove 1 paper(s)"
    assert dump(v1) == before


def test_commands_refuse_a_missing_database(runner, tmp_path):
    url = f"sqlite:///{tmp_path / 'none.sqlite'}"
    for args in (["edit", "x", "--set", "year=2020"], ["rm", "x"], ["venue", "list"]):
        res = run_cli(runner, url, *args)
        # As for the other commands that need data (exit code 2, see the README).
        assert res.exit_code == 2 and "no database at" in res.stderr
    assert not (tmp_path / "none.sqlite").exists()


def test_prefer_list_is_for_markdown_lists(v1, runner, db_url):
    res = run_cli(runner, db_url, "import", "--prefer-list", str(DATA / "dblp-sample.bib"))
    assert res.exit_code == 2
    assert "--prune, --lenient and --prefer-list apply to markdown lists, not .bib" in res.stderr


def test_place_keeps_newest_first_sections_in_order():
    from lmsdb.sync.sections import place
    from lmsdb.sync.threeway import place_index

    assert place([], 2020) == 0
    assert place([(0, 2023), (1, 2023), (2, 2021)], 2023) == 2
    assert place([(1, 2021), (0, 2023)], 2022) == 1  # by position, not by row order
    assert place_index([2020, 2023, 2021], 1, 2022) == 1  # no year order: its old place
    assert place_index([2020, 2023], 7, 2022) == 2


def test_a_paper_added_on_both_sides_is_one_paper_and_differences_are_conflicts(
        v1, runner, db_url, tmp_path):
    run_cli(runner, db_url, "add", "2205.14135", "--offline", "--title", "FlashAttention",
            "--year", "2022", "--category", "Inference")
    listed = tmp_path / "with-flash.md"
    listed.write_text(V1.read_text().replace(
        "| 2020 |  | [Megatron-LM",
        f"| 2022 | NeurIPS | [{FLASH}](https://arxiv.org/abs/2205.14135) | |\n| 2020 |  | "
        "[Megatron-LM"), encoding="utf-8")
    res = run_cli(runner, db_url, "import", str(listed))
    assert res.exit_code == 0
    assert (f"warning: conflict on flashattention2022: title is 'FlashAttention' in the "
            f"database, '{FLASH}' in the list: the database's value is kept") in res.stderr
    assert "papers: added 0" in res.stderr
    # Both sections: the list's Training and the database's Inference.
    assert "flashattention2022" in section(v1, "Training")
    assert "flashattention2022" in section(v1, "Inference")
    assert q(v1, "select v.name from papers p join venues v on v.id = p.venue_id "
             "where p.citation_key = 'flashattention2022'") == [("NeurIPS",)]


def test_search_finds_what_add_and_edit_wrote(v1, runner, db_url):
    add_flash(runner, db_url)
    run_cli(runner, db_url, "edit", "alpa2022", "--set", "title=Alpa: Automatic Sharding",
            "--set", "authors=Zheng, Lianmin")
    for words, key in (("flashattention", "flashattention2022"), ("sharding", "alpa2022"),
                       ("zheng", "alpa2022")):
        res = run_cli(runner, db_url, "search", words, "--format", "csv", "--no-headers")
        assert res.stdout.split(",")[0] == key, (words, res.stdout, res.stderr)
    res = run_cli(runner, db_url, "search", "intra-operator")
    assert "alpa2022" not in res.stdout


def test_add_online_fetches_the_metadata_with_the_enrich_sources(migrated, services, clock,
                                                                 runner, db_url):
    """Replayed services (tests/fake_services.py): AlpaServe by its arXiv id."""
    res = run_cli(runner, db_url, "add", "2302.11665", "--category", "Inference")
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0] == ("+ li2023alpaserve  AlpaServe: Statistical Multiplexing "
                                          "with Model Parallelism for Deep Learning Serving")
    row = q(migrated, "select p.year, v.name, p.pages, p.publisher, p.arxiv_id, p.dblp_key, "
            "p.url from papers p join venues v on v.id = p.venue_id")
    assert row == [(2023, "OSDI", "663-679", "USENIX Association", "2302.11665",
                    "conf/osdi/LiZZL0J0CZGS23",
                    "https://www.usenix.org/conference/osdi23/presentation/li-zhouhan")]
    # The published page is the link, as in the list; the arXiv link is kept beside it.
    assert q(migrated, "select url from paper_urls") == [("https://arxiv.org/abs/2302.11665",)]
    assert q(migrated, "select a.family from paper_authors pa join authors a on "
             "a.id = pa.author_id order by pa.position")[:2] == [("Li",), ("Zheng",)]
    assert ("pages", "dblp") in q(migrated, "select field, source from field_provenance")
    # The fetched authors have their provenance too, as enrich records it, and show says so.
    assert q(migrated, "select source, substr(value, 1, 9) from field_provenance "
             "where field = 'authors'") == [("dblp", "Li, Zhuoh")]
    shown = json.loads(run_cli(runner, db_url, "show", "li2023alpaserve", "--format",
                               "json").stdout)
    assert shown["provenance"]["authors"]["source"] == "dblp"
    # An option wins over the fetched value; nothing fetched twice (the cache).
    asked = len(services.log)
    res = run_cli(runner, db_url, "add", "2302.11665", "--title", "AlpaServe", "--dry-run")
    assert res.exit_code == 1 and "already in the database as li2023alpaserve" in res.stderr
    assert len(services.log) == asked


def test_add_online_unknown_identifier_adds_nothing(migrated, services, clock, runner, db_url):
    before = dump(migrated)
    res = run_cli(runner, db_url, "add", "0000.00000")
    assert res.exit_code == 1
    assert "add: no metadata service knows 0000.00000: give --title and --year with " \
           "--offline" in res.stderr
    assert dump(migrated) == before


def test_a_section_made_in_the_database_stays_through_an_import(v1, runner, db_url):
    run_cli(runner, db_url, "add", "https://example.org/a", "--offline", "--title", "A",
            "--year", "2024", "--category", "Fresh")
    res = run_cli(runner, db_url, "import", str(V2))
    assert res.exit_code == 0, res.stderr
    assert section(v1, "Fresh") == ["a2024"]
    md = run_cli(runner, db_url, "export", "md").stdout
    assert "### Fresh" in md and "[A](https://example.org/a)" in md


def test_a_paper_the_list_drops_and_brings_back_is_listed_again(v1, runner, db_url, tmp_path):
    """The base follows the list when it drops a paper (regression: the paper's sections
    counted as removed in the database, and it stayed out of the list it came back to)."""
    without = tmp_path / "without-alpa.md"
    without.write_text("\n".join(line for line in V1.read_text().splitlines()
                                 if "[Alpa: Automating" not in line) + "\n")
    import_markdown(v1, without)
    assert "alpa2022" not in section(v1, "Training")
    report = import_markdown(v1, V1)
    assert "alpa2022" in section(v1, "Training")
    assert report.merge.kept_fields == 0


def test_venues_set_by_enrich_survive_the_next_import(seeded, services, clock, runner,
                                                      db_url):
    """enrich --apply-venues is a change in the database like an edit: kept, with a note."""
    from .conftest import SEED

    assert run_cli(runner, db_url, "enrich", "--apply-venues").exit_code == 0
    venue = ("select v.name, p.year from papers p join venues v on v.id = p.venue_id "
             "where p.citation_key = 'maximizing2022'")
    assert q(seeded, venue) == [("ICLR", 2023)]
    res = run_cli(runner, db_url, "import", str(SEED))
    assert "maximizing2022: the database's venue is kept ('ICLR'; the list still says ∅)" \
        in res.stderr
    assert q(seeded, venue) == [("ICLR", 2023)]
