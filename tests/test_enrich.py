"""`lmsdb enrich` on the reference list against replayed services (tests/fake_services.py)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from lmsdb import enrich

from .conftest import SEED, run_cli


def _q(engine, sql: str, **params):
    with engine.connect() as c:
        return c.execute(text(sql), params).all()


def _authors(engine, key: str) -> list[str]:
    return [f"{f}, {g}" for f, g in _q(
        engine, "select a.family, a.given from paper_authors pa join authors a "
        "on a.id = pa.author_id join papers p on p.id = pa.paper_id "
        "where p.citation_key = :k order by pa.position", k=key)]


def test_enrich_fills_authors_pages_publisher_doi_and_ids(enriched, engine, services):
    assert _authors(engine, "alpa2022")[:3] == ["Zheng, Lianmin", "Li, Zhuohan", "Zhang, Hao"]
    row = _q(engine, "select pages, publisher, dblp_key, doi from papers "
             "where citation_key = 'alpa2022'")[0]
    assert tuple(row) == ("559-578", "USENIX Association", "conf/osdi/ZhengLZZCHWXZXG22", None)
    # zero2020's list URL has ACM's 10.5555 placeholder; DBLP's record brings the real DOI.
    assert _q(engine, "select doi from papers where citation_key = 'zero2020'")[0][0] == \
        "10.1109/SC41405.2020.00024"
    # The recorded DBLP record of DeepSpeed-MoE (real bytes) fills that paper.
    row = _q(engine, "select pages, volume, publisher from papers "
             "where citation_key = 'deepspeedmoe2022'")[0]
    assert tuple(row) == ("18332-18346", "162", "PMLR")
    # Semantic Scholar's id, from its batch answer, for the arXiv papers it knows.
    assert _q(engine, "select s2_id from papers where citation_key = 'scaling2023'")[0][0] == \
        "5a1e7c0b8f2d4e6a9c3b1d0e2f4a6c8e0b2d4f61"
    # Every paper but 1bit2022 (unknown to every service) now has authors.
    missing = _q(engine, "select citation_key from papers p where not exists "
                 "(select 1 from paper_authors pa where pa.paper_id = p.id)")
    assert [m[0] for m in missing] == ["1bit2022"]
    err = enriched
    assert "looked up 25 papers" in err
    assert "fill from dblp: authors 24" in err
    assert "2 preprints were published: understanding2023 (ICML 2023), maximizing2022 " \
        "(ICLR 2023) (--apply-venues sets their venues)" in err


def test_identifier_systems_are_respected(enriched, engine, services):
    crossref = services.requests("crossref")
    # The list's two DOIs and the ones DBLP found (asked at once, in the same run), and one
    # title query for the paper nobody knows.
    assert sorted(p for _, p, _ in crossref if p.startswith("/works/")) == [
        "/works/10.1109/IPDPS54959.2023.00103", "/works/10.1109/SC41404.2022.00051",
        "/works/10.1109/SC41405.2020.00024", "/works/10.1145/3394486.3406703",
        "/works/10.1145/3458817.3476205", "/works/10.1145/3577193.3593704"]
    assert not any("10.5555" in p or "10.48550" in p for _, p, _ in crossref)
    assert [q for _, p, q in crossref if p == "/works"] and all(
        "LAMB" in q for _, p, q in crossref if p == "/works")
    # arXiv: all eleven arXiv ids in ONE id_list request; S2: one POST batch for the eleven,
    # the list's two DOIs and the two that DBLP found for papers without an arXiv id.
    (arx,) = services.requests("arxiv")
    assert arx[2].count("%2C") + 1 == 11
    batch = [r for r in services.requests("s2") if r[1] == "/graph/v1/paper/batch"]
    assert len(batch) == 1
    ids = json.loads(batch[0][2])["ids"]
    assert len(ids) == 15 and sum(i.startswith("DOI:") for i in ids) == 4
    # The OpenReview papers are found through DBLP, matched by the forum URL of its record.
    assert any("DySR" in q for _, _, q in services.requests("dblp"))
    assert _authors(engine, "dysr2023")[0] == "Zawad, Syed"


def test_second_run_on_a_fresh_database_makes_no_request(enriched, services, tmp_path,
                                                         runner, clock):
    first = len(services.log)
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    run_cli(runner, other, "import", str(SEED))
    result = run_cli(runner, other, "enrich")
    assert result.exit_code == 0
    assert len(services.log) == first  # all from the on-disk cache
    assert "dblp 25 (0 requests, 49 from the cache)" in result.stderr
    # ... and the same result as the first run.
    a = run_cli(runner, other, "export", "bib").stdout
    assert "Zheng, Lianmin" in a and "pages = {559--578}" in a


def test_second_run_on_the_same_database_asks_nothing(enriched, services, runner, db_url):
    first = len(services.log)
    result = run_cli(runner, db_url, "enrich")
    assert len(services.log) == first
    assert "nothing changed" in result.stderr


def test_offline_uses_the_cache_alone(enriched, services, tmp_path, runner, clock):
    first = len(services.log)
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    run_cli(runner, other, "import", str(SEED))
    result = run_cli(runner, other, "enrich", "--offline")
    assert result.exit_code == 0 and len(services.log) == first
    assert "Zheng, Lianmin" in run_cli(runner, other, "export", "bib").stdout


def test_offline_without_a_cache_sends_nothing_and_says_so(seeded, services, clock, runner,
                                                           db_url):
    result = run_cli(runner, db_url, "enrich", "--offline")
    assert services.log == []
    assert result.exit_code == 0
    assert "not in the cache (--offline): arxiv 1, dblp 25, s2 13" in result.stderr
    assert _authors(seeded, "alpa2022") == []
    # Nothing was recorded as asked: a later online run asks.
    assert _q(seeded, "select count(*) from enrich_lookups")[0][0] == 0


def test_dry_run_prints_the_diff_and_writes_nothing(seeded, services, clock, runner, db_url):
    result = run_cli(runner, db_url, "enrich", "--dry-run")
    assert result.exit_code == 0
    assert "~ alpa2022  Alpa: Automating" in result.stdout
    assert "    pages: ∅ → 559-578  (dblp)" in result.stdout
    assert "would fill from dblp" in result.stderr
    assert _authors(seeded, "alpa2022") == []
    assert _q(seeded, "select count(*) from field_provenance")[0][0] == 0
    assert _q(seeded, "select count(*) from enrich_lookups")[0][0] == 0


def test_provenance_records_every_field_enrichment_wrote(enriched, engine):
    rows = _q(engine, "select fp.field, fp.source, fp.source_id, fp.value from "
              "field_provenance fp join papers p on p.id = fp.paper_id "
              "where p.citation_key = 'alpa2022' order by fp.field")
    assert [(f, s, i) for f, s, i, _ in rows] == [
        ("authors", "dblp", "conf/osdi/ZhengLZZCHWXZXG22"),
        ("dblp_key", "dblp", "conf/osdi/ZhengLZZCHWXZXG22"),
        ("pages", "dblp", "conf/osdi/ZhengLZZCHWXZXG22"),
        ("publisher", "dblp", "conf/osdi/ZhengLZZCHWXZXG22")]
    assert dict((f, v) for f, _, _, v in rows)["pages"] == "559-578"
    filled = _q(engine, "select count(*) from field_provenance")[0][0]
    assert filled > 60


def test_interrupted_run_keeps_finished_batches_and_resumes(seeded, services, clock):
    opts = enrich.Options(batch=10)

    def stop(done: int) -> None:
        if done == 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        enrich.run(seeded, opts, on_batch=stop)
    asked = {r[0] for r in _q(seeded, "select distinct paper_id from enrich_lookups")}
    assert asked == set(range(1, 11))  # the first batch was committed, nothing after it
    assert _authors(seeded, "understanding2023")  # paper 1
    assert not _authors(seeded, "alpa2022")  # paper 17
    searched = [q for s, _, q in services.log if s == "dblp" and "format=json" in q]
    assert len(searched) == 10
    report = enrich.run(seeded, opts)
    assert report.papers == 15  # only the rest is looked up
    searched = [q for s, _, q in services.log if s == "dblp" and "format=json" in q]
    assert len(searched) == 25  # each title searched once over both runs
    assert _authors(seeded, "alpa2022")


def test_a_source_that_is_down_is_reported_and_skipped(seeded, services, clock, runner,
                                                       db_url):
    services.fail["dblp"] = 503
    result = run_cli(runner, db_url, "enrich")
    assert result.exit_code == 1
    assert "sources that failed: dblp (dblp: HTTP 503 after 4 attempts)" in result.stderr
    # Three failed lookups (each retried) and DBLP is left alone for the rest of the run.
    assert len(services.requests("dblp")) == 3 * 4
    # The others went on: arXiv gave the preprints their authors.
    assert _authors(seeded, "megatronlm2020")[0] == "Shoeybi, Mohammad"
    assert not _q(seeded, "select 1 from enrich_lookups where source = 'dblp'")
    # Once DBLP is back, the next run asks it about every paper (and the others only by the
    # DOIs it found); arXiv, which answered, is not asked again.
    del services.fail["dblp"]
    before = len(services.log)
    result = run_cli(runner, db_url, "enrich")
    assert result.exit_code == 0
    again = services.log[before:]
    assert len([r for r in again if r[0] == "dblp" and "format=json" in r[2]]) == 25
    assert not [r for r in again if r[0] == "arxiv"]
    assert all("10." in r[1] + r[2] for r in again if r[0] in ("crossref", "s2"))
    assert _authors(seeded, "alpa2022")


def test_values_a_person_gave_are_never_overwritten(seeded, services, clock, runner, db_url):
    with seeded.begin() as c:
        c.execute(text("update papers set pages = '1-20' where citation_key = 'alpa2022'"))
    result = run_cli(runner, db_url, "enrich")
    assert "alpa2022: warning: conflict: pages is '1-20' in the database, dblp says " \
        "'559-578': kept" in result.stderr
    assert "conflicts kept: 1" in result.stderr
    assert _q(seeded, "select pages from papers where citation_key = 'alpa2022'")[0][0] == "1-20"
    assert not _q(seeded, "select 1 from field_provenance fp join papers p on "
                  "p.id = fp.paper_id where p.citation_key = 'alpa2022' and field = 'pages'")
    # --refresh asks again but still keeps the person's value.
    result = run_cli(runner, db_url, "enrich", "--refresh")
    assert _q(seeded, "select pages from papers where citation_key = 'alpa2022'")[0][0] == "1-20"


def test_authors_from_a_merged_bib_are_kept_and_differences_reported(seeded, services, clock,
                                                                     runner, db_url, tmp_path):
    bib = tmp_path / "mine.bib"
    bib.write_text("@inproceedings{a,\n  author = {Zheng, L. and Li, Z.},\n  title = {Alpa: "
                   "Automating Inter- and Intra-Operator Parallelism for Distributed Deep "
                   "Learning},\n  year = {2022}\n}\n", encoding="utf-8")
    run_cli(runner, db_url, "import", str(bib))
    result = run_cli(runner, db_url, "enrich")
    assert "alpa2022: warning: conflict: authors is 'Zheng, L. and Li, Z.'" in result.stderr
    assert _authors(seeded, "alpa2022") == ["Zheng, L.", "Li, Z."]


def test_refresh_replaces_only_what_enrichment_wrote(enriched, engine, services, clock,
                                                     runner, db_url):
    # DBLP corrects its record of Alpa; a person then edits DeepSpeed-MoE's volume.
    for f in services.papers:
        if f["key"] == "alpa2022":
            f["dblp"]["pages"] = "559--579"
    with engine.begin() as c:
        c.execute(text("update papers set volume = 'CLXII' "
                       "where citation_key = 'deepspeedmoe2022'"))
    result = run_cli(runner, db_url, "enrich", "--refresh")
    assert result.exit_code == 0
    assert _q(engine, "select pages from papers where citation_key = 'alpa2022'")[0][0] == \
        "559-579"
    assert _q(engine, "select volume from papers where citation_key = 'deepspeedmoe2022'"
              )[0][0] == "CLXII"
    assert "deepspeedmoe2022: warning: conflict: volume is 'CLXII'" in result.stderr


def _attention_only(runner, db_url, tmp_path, services, endpoint: tuple[str, str],
                    recorded: str) -> None:
    """Import a list of one paper, "Attention Is All You Need" (no identifier but its
    NeurIPS page), and have ``endpoint`` answer with the ``recorded`` response."""
    from .conftest import DATA

    md = tmp_path / "list.md"
    md.write_text("# A list\n\n## Papers\n\n### Models\n\n| Year | Pub | Title | Framework |\n"
                  "|---|---|---|---|\n| 2017 | NeurIPS | [Attention Is All You Need]"
                  "(https://papers.nips.cc/paper/7181-attention-is-all-you-need) | |\n",
                  encoding="utf-8")
    run_cli(runner, db_url, "import", str(md))
    services.extra[endpoint] = (200, (DATA / "api" / recorded).read_bytes(),
                                "application/json")


def test_a_wrong_title_match_is_rejected_and_reported(migrated, services, clock, runner,
                                                      db_url, tmp_path):
    _attention_only(runner, db_url, tmp_path, services, ("crossref", "/works"),
                    "crossref/works_query-title_attention-is-all-you-need.json")
    result = run_cli(runner, db_url, "enrich", "--source", "crossref")
    assert result.exit_code == 0
    assert "attention2017: warning: crossref candidate 10.18653/v1/n18-2074 rejected: title " \
        "'Self-Attention with Relative Position Representations' is not 'Attention Is All " \
        "You Need'" in result.stderr
    assert "matches rejected: 1" in result.stderr
    assert _authors(migrated, "attention2017") == []
    assert _q(migrated, "select outcome from enrich_lookups")[0][0] == "rejected"


def test_s2_title_match_accepted_when_it_is_the_paper(migrated, services, clock, runner,
                                                      db_url, tmp_path):
    _attention_only(runner, db_url, tmp_path, services, ("s2", "/graph/v1/paper/search/match"),
                    "semanticscholar/paper_search_match_attention-is-all-you-need.json")
    result = run_cli(runner, db_url, "enrich", "--source", "s2")
    assert result.exit_code == 0, result.output
    assert _authors(migrated, "attention2017")[:2] == ["Vaswani, Ashish", "Shazeer, Noam M."]
    assert _q(migrated, "select pages, s2_id from papers")[0] == (
        "5998-6008", "204e3073870fae3d05bcbc2f6a8e263d9b72e776")


def test_orcids_from_crossref(migrated, services, clock, runner, db_url, tmp_path):
    from .conftest import DATA

    md = tmp_path / "list.md"
    md.write_text("# A list\n\n## Papers\n\n### Agents\n\n| Year | Pub | Title | Framework |\n"
                  "|---|---|---|---|\n| 2024 | Nature Machine Intelligence | [Augmenting "
                  "large language models with chemistry tools](https://doi.org/10.1038/"
                  "s42256-024-00832-8) | |\n", encoding="utf-8")
    run_cli(runner, db_url, "import", str(md))
    services.extra[("crossref", "/works/10.1038/s42256-024-00832-8")] = (
        200, (DATA / "api/crossref/works_10.1038_s42256-024-00832-8.json").read_bytes(),
        "application/json")
    result = run_cli(runner, db_url, "enrich", "--source", "crossref")
    assert result.exit_code == 0, result.output
    rows = _q(migrated, "select a.family, pa.orcid from paper_authors pa join authors a on "
              "a.id = pa.author_id order by pa.position")
    assert rows[2] == ("Schilter", "0000-0003-0310-0851")
    assert rows[0] == ("M. Bran", None)
    assert _q(migrated, "select pages, volume, number from papers")[0] == ("525-535", "6", "5")


def test_apply_venues_sets_venue_year_url_and_keeps_the_arxiv_link(seeded, services, clock,
                                                                   runner, db_url):
    result = run_cli(runner, db_url, "enrich", "--apply-venues")
    assert result.exit_code == 0
    assert "2 preprints were published: understanding2023 (ICML 2023), maximizing2022 " \
        "(ICLR 2023); their venues set" in result.stderr
    row = _q(seeded, "select v.name, p.year, p.url, p.pages, p.volume, p.publisher from papers p "
             "join venues v on v.id = p.venue_id where p.citation_key = 'maximizing2022'")[0]
    assert tuple(row) == ("ICLR", 2023, "https://openreview.net/forum?id=-CefY2EOupj", None,
                          None, "OpenReview.net")
    urls = _q(seeded, "select u.url from paper_urls u join papers p on p.id = u.paper_id "
              "where p.citation_key = 'maximizing2022'")
    assert [u[0] for u in urls] == ["https://arxiv.org/abs/2202.06009"]
    fields = {r[0] for r in _q(seeded, "select fp.field from field_provenance fp join papers p "
                               "on p.id = fp.paper_id where p.citation_key = 'maximizing2022'")}
    assert {"venue", "year", "url", "publisher", "authors"} <= fields
    icml = _q(seeded, "select v.name, p.pages from papers p join venues v on v.id = p.venue_id "
              "where p.citation_key = 'understanding2023'")[0]
    assert tuple(icml) == ("ICML", "37524-37539")


def test_without_apply_venues_a_preprint_gets_no_published_details(enriched, engine):
    row = _q(engine, "select venue_id, pages, publisher from papers "
             "where citation_key = 'understanding2023'")[0]
    assert tuple(row) == (None, None, None)
    assert _authors(engine, "understanding2023")[0] == "Wu, Xiaoxia"


def test_filters_choose_the_papers(seeded, services, clock, runner, db_url):
    result = run_cli(runner, db_url, "enrich", "--venue", "OSDI", "--year", "2022")
    assert "looked up 1 papers" in result.stderr
    assert _authors(seeded, "alpa2022") and not _authors(seeded, "alpaserve2023")


def test_bad_source_name_is_a_usage_error(seeded, runner, db_url):
    result = run_cli(runner, db_url, "enrich", "--source", "dblp,google")
    assert result.exit_code == 2
    assert "google" in result.stderr


def test_lookup_by_arxiv_id_for_lmsdb_add(services, clock):
    from lmsdb.enrich import Options, open_http
    from lmsdb.enrich.lookup import lookup, parse_identifier

    assert parse_identifier("https://arxiv.org/abs/2202.06009v3") == ("arxiv", "2202.06009")
    assert parse_identifier("doi:10.1145/3394486.3406703") == ("doi", "10.1145/3394486.3406703")
    assert parse_identifier("Some Title") == ("title", "Some Title")
    http = open_http(Options())
    try:
        m = lookup("arXiv:2202.06009", http)
        assert m is not None
        assert m.title == "Maximizing Communication Efficiency for Large-scale Training via 0/1 Adam"
        assert m.venue == "ICLR" and m.year == 2023  # the published version, from DBLP
        assert m.authors[0] == enrich_author("Lu", "Yucheng")
        assert m.arxiv_id == "2202.06009" and m.dblp_key == "conf/iclr/LuLZSH23"
        assert m.sources["authors"] == ("dblp", "conf/iclr/LuLZSH23")
        d = lookup("https://doi.org/10.1145/3394486.3406703", http)
        assert d is not None and d.doi == "10.1145/3394486.3406703"
        assert d.pages == "3505-3506" and d.publisher == "ACM"
        # DBLP's booktitle for KDD 2020 is not one the venue catalogue maps: the text is given
        assert d.venue is None and (d.venue_text or "").startswith("KDD '20: The 26th ACM")
        assert lookup("0000.00000", http) is None
    finally:
        http.close()


def enrich_author(family: str, given: str):
    from lmsdb.services.record import Author

    return Author(family, given)


def test_apply_venues_after_a_plain_run_uses_the_cached_answers(enriched, engine, services,
                                                                runner, db_url):
    before = len(services.log)
    result = run_cli(runner, db_url, "enrich", "--apply-venues")
    assert result.exit_code == 0
    assert "their venues set" in result.stderr
    assert len(services.log) == before  # from the cache
    row = _q(engine, "select v.name, p.year from papers p join venues v on v.id = p.venue_id "
             "where p.citation_key = 'understanding2023'")[0]
    assert tuple(row) == ("ICML", 2023)


def test_lookup_opens_its_own_client_and_uses_the_cache(services, clock):
    from lmsdb.enrich.lookup import lookup

    m = lookup("1909.08053")
    assert m is not None and m.authors[0].family == "Shoeybi" and m.venue is None
    n = len(services.log)
    assert lookup("1909.08053") == m
    assert len(services.log) == n


def test_contact_address_from_the_environment_reaches_crossref(seeded, services, clock,
                                                               runner, db_url, monkeypatch):
    monkeypatch.setenv("LMSDB_MAILTO", "curator@example.org")
    run_cli(runner, db_url, "enrich", "--source", "crossref")
    asked = services.requests("crossref")
    assert asked and all("mailto=curator%40example.org" in q for _, _, q in asked)


def test_progress_counts_papers_and_answers_per_source(seeded, services, clock):
    class Bar:
        total = None
        done = 0
        postfix = ""

        def update(self, n=1):
            self.done += n

        def set_postfix_str(self, s):
            self.postfix = s

    bar = Bar()
    enrich.run(seeded, enrich.Options(batch=10), progress=bar)
    assert bar.total == 25 and bar.done == 25
    # Answers per source, "not found" included (DBLP does not know 1bit2022).
    assert bar.postfix == "dblp 25 crossref 7 arxiv 11 s2 25"


def test_orcids_are_added_to_authors_a_bib_already_gave(migrated, services, clock, runner,
                                                        db_url, tmp_path):
    from .conftest import DATA

    md = tmp_path / "list.md"
    md.write_text("# A list\n\n## Papers\n\n### Agents\n\n| Year | Pub | Title | Framework |\n"
                  "|---|---|---|---|\n| 2024 | Nature Machine Intelligence | [Augmenting "
                  "large language models with chemistry tools](https://doi.org/10.1038/"
                  "s42256-024-00832-8) | |\n", encoding="utf-8")
    bib = tmp_path / "chem.bib"
    bib.write_text("@article{c,\n  author = {M. Bran, Andres and Cox, Sam and Schilter, Oliver "
                   "and Baldassari, Carlo and White, Andrew D. and Schwaller, Philippe},\n"
                   "  title = {Augmenting large language models with chemistry tools},\n"
                   "  journal = {Nature Machine Intelligence},\n  year = {2024}\n}\n",
                   encoding="utf-8")
    run_cli(runner, db_url, "import", str(md))
    run_cli(runner, db_url, "import", str(bib))
    services.extra[("crossref", "/works/10.1038/s42256-024-00832-8")] = (
        200, (DATA / "api/crossref/works_10.1038_s42256-024-00832-8.json").read_bytes(),
        "application/json")
    result = run_cli(runner, db_url, "enrich", "--source", "crossref")
    assert "conflicts kept: 0" in result.stderr
    orcids = [r[0] for r in _q(migrated, "select orcid from paper_authors order by position")]
    assert orcids == [None, None, "0000-0003-0310-0851", None, "0000-0002-6647-3965",
                      "0000-0003-3046-6576"]
    (src, value), = _q(migrated, "select source, value from field_provenance "
                       "where field = 'orcids'")
    assert src == "crossref" and value.startswith("Schilter 0000-0003-0310-0851; White")
    # The authors themselves are the .bib's: no provenance row claims them.
    assert not _q(migrated, "select 1 from field_provenance where field = 'authors'")


def test_refresh_and_offline_exclude_each_other(seeded, runner, db_url):
    result = run_cli(runner, db_url, "enrich", "--refresh", "--offline")
    assert result.exit_code == 2


def test_ctrl_c_says_the_finished_batches_are_kept(seeded, runner, db_url, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(enrich, "run", interrupted)
    result = run_cli(runner, db_url, "enrich")
    assert result.exit_code == 130
    assert "the batches finished so far are saved" in result.stderr


def test_an_arxiv_entrys_journal_doi_waits_for_the_venue():
    """arXiv's <arxiv:doi> names the published version: a preprint of the list gets it only
    with its venue, like the published record's pages (an arXiv entry's own pages: none)."""
    from lmsdb.enrich.plan import _published_detail
    from lmsdb.services.record import Found

    f = Found("arxiv", "2202.06009", "t", doi="10.1145/1.2", preprint=True)
    assert _published_detail(f, "doi") and not _published_detail(f, "pages")


def test_cache_dir_option_puts_the_cache_there(seeded, services, clock, runner, db_url,
                                               tmp_path):
    cache = tmp_path / "my-cache"
    result = run_cli(runner, db_url, "enrich", "--source", "arxiv", "--cache-dir", str(cache))
    assert result.exit_code == 0
    assert (cache / "http-cache.sqlite").exists()
    assert _authors(seeded, "megatronlm2020")[0] == "Shoeybi, Mohammad"


def test_search_finds_papers_by_the_authors_enrichment_wrote(enriched, db_url, runner):
    """The stored search text follows the authors enrich writes (regression: it kept the
    pre-enrichment, author-less text, so `lmsdb search zheng` found nothing)."""
    res = run_cli(runner, db_url, "search", "lianmin", "--format", "csv", "--no-highlight")
    assert res.exit_code == 0, res.output
    keys = [line.split(",")[0] for line in res.stdout.splitlines()[1:]]
    assert "alpa2022" in keys
