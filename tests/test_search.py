"""`lmsdb search`: the query language, bm25 ranking and highlighting on the reference list,
and the triggers that keep the index in step with papers and authors."""

from __future__ import annotations

import doctest
import json
import re

import pytest
from sqlalchemy import text

from lmsdb.query import search as search_mod
from lmsdb.query.adhoc import QueryError
from lmsdb.query.search import Query, Term, parse, search, to_fts5, to_tsquery

from .conftest import SEED, run_cli


@pytest.fixture
def seeded_url(runner, db_url):
    assert run_cli(runner, db_url, "import", str(SEED)).exit_code == 0
    return db_url


def test_doctests():
    assert doctest.testmod(search_mod).failed == 0


def test_parse():
    assert parse('"model parallel*"') == Query(((Term(("model", "parallel"), True),),))
    assert parse('Tensor-Expert zero* OR alpa -Survey') == Query(
        ((Term(("tensor", "expert")),), (Term(("zero",), True), Term(("alpa",)))),
        (Term(("survey",)),))
    assert parse('"model parallel"*').groups[0][0].prefix


@pytest.mark.parametrize("bad, message", [
    ('"model parallel', "unbalanced quote"),
    ("-alpa", "nothing to search for"),
    ("***", "nothing to search for"),
    ("OR alpa", "OR needs a term on each side"),
    ("alpa OR", "OR needs a term on each side"),
    ("alpa OR OR zero", "OR needs a term on each side"),
])
def test_parse_errors(bad, message):
    with pytest.raises(QueryError, match=message):
        parse(bad)


def test_rendering_quotes_every_term():
    # FTS5 operators and column filters in the user's text stay plain words.
    assert to_fts5(parse("NEAR title:x AND")) == '"near" AND "title x" AND "and"'
    assert to_tsquery(parse("it's")) == "('it' <-> 's')"


def _keys(res):
    return [r[0] for r in res.rows]


def test_parallelism_on_the_reference_list(seeded):
    """Five titles of the reference list contain the word "Parallelism" (checked by hand:
    seed lines 23, 24, 25, 35, 42), and nothing else matches.

    All five contain it once, so bm25 ranks by length (in tokens, and the index holds no
    authors yet): "On Optimizing the Communication of Model Parallelism" has 7 tokens and is
    first; AlpaServe (10) next; Alpa and Megatron-LM (11 each) tie and the newer comes
    first; "A Hybrid Tensor-Expert-Data Parallelism Approach ..." (13) is last."""
    res = search(seeded, "parallelism")
    assert res.columns == ["citation_key", "year", "venue", "title", "authors", "score"]
    assert _keys(res) == ["optimizing2023", "alpaserve2023", "alpa2022", "megatronlm2020",
                          "hybrid2023"]
    with seeded.connect() as conn:
        titles = conn.execute(text("select citation_key, title from papers")).all()
    by_hand = {k for k, t in titles if re.search(r"\bparallelism\b", t, re.IGNORECASE)}
    assert set(_keys(res)) == by_hand
    scores = [r[5] for r in res.rows]
    assert scores == sorted(scores, reverse=True) and scores[2] == scores[3]
    for r in res.rows:
        assert "[Parallelism]" in r[3]
        assert r[3].replace("[", "").replace("]", "") == dict(titles)[r[0]]


def test_phrase_with_prefix(seeded):
    res = search(seeded, '"model parallel*"')
    # Alpa says "Operator Parallelism" and Hybrid "Data Parallelism": not the phrase.
    assert _keys(res) == ["optimizing2023", "alpaserve2023", "megatronlm2020"]
    assert all("[Model Parallelism]" in r[3] for r in res.rows)
    # Without the star, "parallel" is stemmed as "parallelism" is: the same papers.
    assert _keys(search(seeded, '"model parallel"')) == _keys(search(seeded, '"model parallelism"'))
    assert search(seeded, '"model paralle"').rows == []


def test_or_not_limit_and_case(seeded):
    assert set(_keys(search(seeded, "ZERO"))) == {"zero2020", "zerooffload2021",
                                                  "zeroinfinity2021"}
    assert set(_keys(search(seeded, "zero -infinity"))) == {"zero2020", "zerooffload2021"}
    assert set(_keys(search(seeded, "alpa OR offload"))) == {"alpa2022", "zerooffload2021"}
    assert _keys(search(seeded, "parallelism", limit=2)) == ["optimizing2023", "alpaserve2023"]
    plain = search(seeded, "parallelism", highlight=False)
    assert not any("[" in r[3] for r in plain.rows)


def test_authors_are_indexed_and_kept_in_sync(seeded):
    """Writes through `lmsdb sql --write` (query.run) to paper_authors, authors and papers
    recompute the stored search text, and the index follows it."""
    from lmsdb.query.adhoc import run

    def keys(q):
        return set(_keys(search(seeded, q)))

    def write(sql, **params):
        run(seeded, sql, params, write=True)

    with seeded.connect() as conn:
        ids = dict(conn.execute(text("select citation_key, id from papers")).all())
    write("insert into authors (id, family, given, key) values "
          "(1, 'Rajbhandari', 'Samyam', 'rajbhandari|samyam'), (2, 'Rasley', 'Jeff', 'rasley|jeff')")
    write("insert into paper_authors (paper_id, position, author_id) values "
          "(:z, 0, 1), (:z, 1, 2), (:o, 0, 2)", z=ids["zero2020"], o=ids["zerooffload2021"])
    assert keys("rajbhandari") == {"zero2020"}
    assert keys("rasley") == {"zero2020", "zerooffload2021"}
    hit = search(seeded, "rajbhandari").rows[0]
    assert hit[4] == "Samyam [Rajbhandari], Jeff Rasley"
    assert keys("jeff offload") == {"zerooffload2021"}  # title and author words together
    write("update authors set given = 'J.' where id = 2")
    write("update papers set title = 'ZeRO renamed' where id = :z", z=ids["zero2020"])
    write("delete from paper_authors where paper_id = :z and position = 0", z=ids["zero2020"])
    assert keys("jeff") == set()
    assert keys("renamed") == {"zero2020"}
    assert keys("rajbhandari") == set()
    write("delete from papers where id = :o", o=ids["zerooffload2021"])
    with seeded.connect() as conn:
        n_fts, n_papers = conn.execute(text(
            "select (select count(*) from papers_fts), (select count(*) from papers)")).one()
    assert keys("rasley") == {"zero2020"}
    assert n_fts == n_papers == 24


def test_cli_formats(runner, seeded_url):
    res = run_cli(runner, seeded_url, "search", "parallelism", "--format", "json", "-n", "3")
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert [d["citation_key"] for d in data] == ["optimizing2023", "alpaserve2023", "alpa2022"]
    assert data[0]["title"] == "On Optimizing the Communication of Model [Parallelism]"
    assert data[0]["venue"] == "MLSys" and data[0]["year"] == 2023
    res = run_cli(runner, seeded_url, "search", '"model', 'parallel*"', "--format", "csv",
                  "--no-headers", "--no-highlight")
    assert res.stdout.splitlines()[0].startswith(
        "optimizing2023,2023,MLSys,On Optimizing the Communication of Model Parallelism,,")
    table = run_cli(runner, seeded_url, "search", "parallelism").stdout.splitlines()
    assert table[0].split() == ["citation_key", "year", "venue", "title", "authors", "score"]
    assert table[2].startswith("optimizing2023  2023  MLSys  On Optimizing")


@pytest.mark.parametrize("args", [['"oops'], ["--", "-alpa"], ["OR"]])
def test_cli_syntax_errors(runner, seeded_url, args):
    res = run_cli(runner, seeded_url, "search", *args)
    assert res.exit_code == 2
    assert res.stderr.startswith("lmsdb: error: search: ")
    assert "Traceback" not in res.stderr


def test_cli_no_match(runner, seeded_url):
    res = run_cli(runner, seeded_url, "search", "blockchain")
    assert res.exit_code == 0
    assert "no paper matches" in res.stderr


def test_inline_html_is_indexed_as_plain_text(migrated):
    """H<sub>2</sub>O is found as h2o and shown without tags (the index holds plain text)."""
    from lmsdb.query.search import search
    from lmsdb.sync.importer import import_markdown

    from .conftest import DATA

    import_markdown(migrated, DATA / "md" / "html_title.md")
    rows = search(migrated, "h2o").rows
    assert [r[0] for r in rows] == ["h2o2023"]
    assert rows[0][3].startswith("[H2O]: Heavy-Hitter Oracle")
    assert [r[0] for r in search(migrated, "laws").rows] == ["scaling2023"]


def test_authors_are_shown_whole(seeded):
    """Every format gets the whole author list (a snippet would cut it with '…')."""
    from lmsdb.query.search import search
    from lmsdb.sync.importer import import_bibtex

    from .conftest import DATA

    import_bibtex(seeded, DATA / "dblp-sample.bib")
    rows = search(seeded, "offload", highlight=False).rows
    assert [r[0] for r in rows] == ["zerooffload2021"]
    authors = rows[0][4]
    assert "…" not in authors
    # ZeRO-Offload has eight authors in the fixture, Jie Ren first and Yuxiong He last.
    assert authors.startswith("Jie Ren, Samyam Rajbhandari") and authors.endswith("Yuxiong He")
    assert authors.count(", ") == 7


def test_refresh_for_writers_with_their_own_statements(seeded):
    """Code that writes authors or titles itself calls searchtext.refresh in its
    transaction; until then the stored search text (and so the index) is the old one."""
    from lmsdb.store.searchtext import refresh

    with seeded.begin() as conn:
        pid = conn.execute(text("select id from papers where citation_key = 'alpa2022'")).scalar()
        conn.execute(text("insert into authors (id, family, given, key) values "
                          "(7, 'Zheng', 'Lianmin', 'zheng|lianmin')"))
        conn.execute(text("insert into paper_authors (paper_id, position, author_id) values (:p, 0, 7)"), {"p": pid})
    assert search(seeded, "lianmin").rows == []
    with seeded.begin() as conn:
        assert refresh(conn) == 1
        assert refresh(conn) == 0  # nothing stale any more
    assert _keys(search(seeded, "lianmin")) == ["alpa2022"]
