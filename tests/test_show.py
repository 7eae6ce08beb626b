"""`lmsdb show KEY`: every field of a paper, its links, and where enriched fields came from."""

from __future__ import annotations

import json

from sqlalchemy import text

from .conftest import run_cli


def test_show_text_lists_every_field_and_the_lists_links(seeded, runner, db_url):
    result = run_cli(runner, db_url, "show", "deepspeedmoe2022")
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith("deepspeedmoe2022\n")
    assert "  title          DeepSpeed-MoE: Advancing Mixture-of-Experts" in out
    assert "  venue          ICML (International Conference on Machine Learning; conference)" in out
    assert "  authors        ∅" in out
    for name in ("doi", "arxiv_id", "openreview_id", "pages", "publisher", "volume", "number",
                 "primary_class", "note", "dblp_key", "s2_id"):
        assert f"\n  {name} " in out, name
    # Listed under Training and Inference: both sections, with the paper's row in each.
    assert "  sections       Training #" in out and ", Inference #" in out
    assert "  frameworks     ds (DeepSpeed)" in out


def test_show_json_after_enrich_names_the_source_of_each_field(enriched, runner, db_url):
    result = run_cli(runner, db_url, "show", "alpa2022", "--format", "json")
    p = json.loads(result.stdout)
    assert p["fields"]["pages"] == "559-578"
    assert p["provenance"]["pages"]["source"] == "dblp"
    assert p["provenance"]["pages"]["source_id"] == "conf/osdi/ZhengLZZCHWXZXG22"
    assert p["provenance"]["pages"]["current"] is True
    assert p["authors"][0] == {"family": "Zheng", "given": "Lianmin", "orcid": None}
    assert "title" not in p["provenance"] and "url" not in p["provenance"]  # the list's
    assert {r["source"]: r["outcome"] for r in p["lookups"]} == {
        "dblp": "found", "s2": "not found"}
    assert p["venue"]["name"] == "OSDI" and p["sections"][0]["category"] == "Training"
    text_out = run_cli(runner, db_url, "show", "alpa2022").stdout
    assert "  pages          559-578   [from dblp conf/osdi/ZhengLZZCHWXZXG22 on " in text_out
    assert "  authors        Zheng, Lianmin; Li, Zhuohan;" in text_out
    assert "  looked up      dblp found (" in text_out


def test_show_marks_a_value_changed_since_enrichment(enriched, engine, runner, db_url):
    with engine.begin() as c:
        c.execute(text("update papers set pages = '1-2' where citation_key = 'alpa2022'"))
    p = json.loads(run_cli(runner, db_url, "show", "alpa2022", "--format", "json").stdout)
    assert p["provenance"]["pages"]["current"] is False
    assert "since changed by hand or by the list" in run_cli(
        runner, db_url, "show", "alpa2022").stdout


def test_show_other_urls_and_aliases_when_the_schema_keeps_them(seeded, runner, db_url):
    with seeded.begin() as c:
        pid = c.execute(text("select id from papers where citation_key = 'alpa2022'")).scalar()
        c.execute(text("insert into paper_urls (paper_id, url) values (:p, :u)"),
                  {"p": pid, "u": "https://arxiv.org/abs/2201.12023"})
    p = json.loads(run_cli(runner, db_url, "show", "alpa2022", "--format", "json").stdout)
    assert p["urls"] == ["https://arxiv.org/abs/2201.12023"]
    had_table = "aliases" in p  # a schema with a table of old keys shows it, empty here
    assert p.get("aliases", []) == []
    with seeded.begin() as c:
        # The shape issue 14's old-keys table has (created here if the schema lacks it).
        c.execute(text("create table if not exists paper_aliases (alias varchar(200) primary "
                       "key, paper_id integer references papers(id))"))
        c.execute(text("insert into paper_aliases (alias, paper_id) values "
                       "('zheng2022alpa', :p)"), {"p": pid})
    p = json.loads(run_cli(runner, db_url, "show", "alpa2022", "--format", "json").stdout)
    assert p["aliases"] == ["zheng2022alpa"], had_table
    assert "  aliases        zheng2022alpa" in run_cli(runner, db_url, "show", "alpa2022").stdout


def test_show_unknown_key_is_an_error(seeded, runner, db_url):
    result = run_cli(runner, db_url, "show", "nosuch2020")
    assert result.exit_code == 1
    assert "no paper has the citation key 'nosuch2020'" in result.stderr
