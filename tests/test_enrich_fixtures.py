"""The answers made up for the reference list copy recorded answers field for field, and
the exported list, once enriched, satisfies the real BibTeX."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from lmsdb.services import s2

from . import fake_services as fs
from .conftest import run_cli
from .helpers import run_bibtex


def _keys(obj, prefix=""):
    """Every key path of a JSON value (list elements share the path ``[]``)."""
    out = set()
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.add(prefix + k)
            out |= _keys(v, prefix + k + ".")
    elif isinstance(obj, list):
        for v in obj:
            out |= _keys(v, prefix + "[].")
    return out


def test_made_up_dblp_hits_have_the_recorded_hit_fields():
    recorded = fs.recorded_json("dblp/search_publ_api_json.sample.json")
    model = _keys(recorded)
    for n, facts in enumerate(fs.REFERENCE):
        for corr in ("dblp", "corr"):
            if facts.get(corr):
                made = _keys(fs.dblp_search_answer([fs.dblp_hit(n, facts, corr == "corr")],
                                                   "q"))
                assert made <= model, (facts["key"], made - model)
    empty = fs.dblp_search_answer([], "nothing")
    assert _keys(empty) <= model and "hit" not in empty["result"]["hits"]


def test_made_up_s2_papers_have_exactly_the_requested_recorded_fields():
    recorded = fs.recorded_json("semanticscholar/paper_DOI_10.1038_s42256-024-00832-8.json")
    requested = set(s2.FIELDS.split(","))
    assert requested <= set(recorded)  # lmsdb asks only for fields a recorded answer has
    for facts in fs.REFERENCE:
        if facts.get("s2"):
            paper = fs.s2_paper(facts)
            assert set(paper) == requested
            assert _keys(paper) <= _keys(recorded) | {"journal.name", "journal.volume",
                                                      "journal.pages"}


def test_made_up_crossref_works_have_the_recorded_work_fields():
    ieee = _keys(fs.recorded_json("crossref/works_10.1109_samos.2013.6621096.json"))
    nature = _keys(fs.recorded_json("crossref/works_10.1038_s42256-024-00832-8.json"))
    for facts in fs.REFERENCE:
        if facts.get("crossref"):
            made = _keys(fs.crossref_work(facts))
            assert made <= ieee | {"message.page"}, made - ieee
            assert "message.page" in nature  # page: as the recorded journal article has it


def test_made_up_arxiv_entries_have_the_recorded_entry_elements():
    ns = "{http://www.w3.org/2005/Atom}"
    recorded = ET.fromstring((fs.API / "arxiv/query_id_list_1605.08386.xml").read_bytes())
    model = sorted({c.tag for c in recorded.find(f"{ns}entry")})
    facts = [f for f in fs.REFERENCE if f.get("arxiv")]
    made = ET.fromstring(fs.arxiv_feed([f["arxiv"]["id"] for f in facts], facts))
    def header(feed):
        return [c.tag for c in feed if c.tag != f"{ns}entry"]

    assert header(made) == header(recorded)  # the same feed header
    assert len(made.findall(f"{ns}entry")) == len(facts) == 11
    for e in made.findall(f"{ns}entry"):
        assert sorted({c.tag for c in e}) == model


def test_made_up_dblp_records_have_the_recorded_record_fields():
    recorded = set(re.findall(r"^  (\w+)\s+=", fs.RECORDED_DBLP_BIB, re.M))
    # doi, journal, eprinttype and eprint as in DBLP's records of tests/data/dblp-sample.bib
    allowed = recorded | {"doi", "journal", "eprinttype", "eprint"}
    for facts in fs.REFERENCE:
        for corr in ("dblp", "corr"):
            if facts.get(corr):
                bib = fs.dblp_bib(facts[corr]["key"], facts, corr == "corr")
                assert set(re.findall(r"^  (\w+)\s+=", bib, re.M)) <= allowed


def test_after_enrich_bibtex_plain_warns_only_for_the_paper_no_source_knows(
        enriched, runner, db_url, tmp_path):
    info, bbl, warnings = run_bibtex(run_cli(runner, db_url, "export", "bib").stdout, tmp_path)
    assert len(info) == 25
    # 1bit2022 is the one paper no service knows (tests/data/api/reference/papers.json).
    assert set(warnings) == {"empty author in 1bit2022",
                             "to sort, need author or key in 1bit2022"}, warnings
    assert bbl.count("\\bibitem{") == 25


def test_reference_facts_file_is_what_the_fake_serves():
    data = json.loads((fs.API / "reference" / "papers.json").read_text(encoding="utf-8"))
    keys = [p["key"] for p in data["papers"]]
    assert len(keys) == 24 and "1bit2022" not in keys
