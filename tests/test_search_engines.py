"""Search means the same on SQLite and PostgreSQL (issue 12, fault 4; issue 15, stemming).

Both engines index the words lmsdb computes in Python (lmsdb.store.searchtext). The tests here
check that the stems are SQLite's own, that the two engines then give the same set of papers
for every title word and every 3-letter prefix of the reference list and of a generated
list, and that both mark matches the same way. The PostgreSQL side needs a server
(tests/pg_server.py); SQLite-only checks run everywhere.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from lmsdb.query.search import matching_ids, search
from lmsdb.store.db import make_engine
from lmsdb.store.migrate import ensure_schema
from lmsdb.store.searchtext import stem, tokens
from lmsdb.sync.importer import import_bibtex, import_markdown

from .conftest import DATA, SEED
from .generate import generate


def _load(engine, tmp_path) -> None:
    ensure_schema(engine)
    import_markdown(engine, SEED)
    gen = tmp_path / "generated.md"
    gen.write_text(generate(300, seed=11), encoding="utf-8")
    import_markdown(engine, gen)  # a second list: adds its papers to the reference list's
    for bib in ("dblp-sample.bib", "synthetic-accents.bib", "search-tokens.bib"):
        import_bibtex(engine, DATA / bib, add_new=True)


@pytest.fixture(scope="module")
def lite(tmp_path_factory):
    path = tmp_path_factory.mktemp("lite")
    engine = make_engine(f"sqlite:///{path / 'lite.sqlite'}")
    _load(engine, path)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def pg(tmp_path_factory):
    url = os.environ.get("LMSDB_TEST_POSTGRESQL_URL")
    server = None
    if not url:
        from .pg_server import NoServer, temporary_server

        try:
            server = temporary_server()
            url = server.__enter__()
        except NoServer as e:
            if os.environ.get("CI") == "true":
                pytest.fail(f"PostgreSQL tests cannot run in CI: {e}")
            pytest.skip(f"no PostgreSQL server: {e}")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    _load(engine, tmp_path_factory.mktemp("pg"))
    yield engine
    engine.dispose()
    if server is not None:
        server.__exit__(None, None, None)


def _key(engine, title_start: str) -> str:
    with engine.connect() as conn:
        return conn.execute(text("select citation_key from papers where title like :t"),
                            {"t": title_start + "%"}).scalar_one()


def _titles(engine) -> list[str]:
    with engine.connect() as conn:
        return [r[0] for r in conn.execute(text("select title from papers order by id"))]


def test_stems_are_sqlite_porter_stems(lite):
    """Every term in SQLite's index (fts5vocab) is lmsdb's stem of a stored word, and back."""
    with lite.connect() as conn:
        conn.execute(text("create virtual table temp.vocab using fts5vocab(main, papers_fts, row)"))
        index_terms = {r[0] for r in conn.execute(text("select term from temp.vocab"))}
        words = set()
        for t, a in conn.execute(text("select search_title, search_authors from papers")):
            words |= set((t or "").split()) | set((a or "").split())
    assert len(words) > 600
    assert index_terms == {stem(w) for w in words}


def test_stemming_finds_word_forms(lite):
    """`quantize` finds "Quantization"/"Quantized"; `llm` finds "LLMs" and "LLM.int8()"."""
    a, b = _key(lite, "LLM.int8"), _key(lite, "Quantized 0/1")
    titles = {r[0]: r[3] for r in search(lite, "quantize", limit=0).rows}
    assert titles[b] == "[Quantized] 0/1 Adam Scales 10-100x: [Quantization]-Aware LLMs v2.1"
    assert {r[0] for r in search(lite, "llm", limit=0).rows} >= {a, b}
    assert {r[0] for r in search(lite, "muller", limit=0).rows} == {
        a, _key(lite, "A Synthetic Entry")}


def test_every_title_word_and_prefix_gives_the_same_papers(lite, pg):
    """The exhaustive check: each word of each title (as written: `LLM.int8()`, `0/1`,
    `10-100x`, `Müller`'s accents) and each 3-letter prefix finds the same papers on both."""
    titles = _titles(lite)
    assert titles == _titles(pg)
    words = {w for t in titles for w in t.split()}
    prefixes = {tok[:3] + "*" for t in titles for tok in tokens(t) if len(tok) >= 3}
    queries = sorted({'"' + w.replace('"', "") + '"' for w in words} | prefixes)
    assert len(queries) > 900
    differ = []
    for q in queries:
        try:
            a = matching_ids(lite, q)
        except Exception:  # a word with no letter or digit is not a search
            continue
        b = matching_ids(pg, q)
        if a != b:
            differ.append((q, sorted(a ^ b)))
        elif q.startswith('"'):
            assert a, f"{q} finds nothing, yet a title says it"
    assert differ == []


def test_special_tokens_on_both(lite, pg):
    for engine in (lite, pg):
        a, b, c = (_key(engine, t) for t in ("LLM.int8", "Quantized 0/1", "Generalization"))
        for q, key in (("int8", a), ('"0 1"', b), ("100x", b), ("ostergaard", a),
                       ("lefevre", b), ("generalize", c), ('"llm int8"', a)):
            assert key in {r[0] for r in search(engine, q, limit=0).rows}, (engine, q)


def test_phrases_are_highlighted_the_same_way(lite, pg):
    for q in ('"model parallel*"', "quantize llms", "muller", '"8 bit" OR routing'):
        assert search(lite, q, limit=0).rows and (
            sorted(r[:5] for r in search(lite, q, limit=0).rows)
            == sorted(r[:5] for r in search(pg, q, limit=0).rows)), q
    row = next(r for r in search(pg, '"model parallel*"').rows if r[0] == "optimizing2023")
    assert row[3] == "On Optimizing the Communication of [Model Parallelism]"
