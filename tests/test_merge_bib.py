"""Merging .bib files: matching by each identifier, filling, conflicts, --add-new, stability."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from lmsdb.diagnostics import Diagnostics
from lmsdb.sync.importer import import_bibtex, import_markdown

from .conftest import DATA, SEED, run_cli
from .helpers import dump

SAMPLE = DATA / "dblp-sample.bib"


def bib(tmp_path: Path, body: str, name: str = "x.bib") -> Path:
    f = tmp_path / name
    f.write_text(body, encoding="utf-8")
    return f


def paper(engine, key: str) -> dict:
    with engine.connect() as c:
        row = c.execute(text("select * from papers where citation_key = :k"), {"k": key}).one()
        return row._asdict()


def authors(engine, key: str) -> list[tuple[str, str | None]]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(
            "select a.family, a.given from papers p join paper_authors pa on pa.paper_id = p.id "
            "join authors a on a.id = pa.author_id where p.citation_key = :k "
            "order by pa.position"), {"k": key})]


@pytest.mark.parametrize(
    ("entry", "key", "how"),
    [
        # ZeRO-Infinity's list URL is dl.acm.org/doi/abs/10.1145/3458817.3476205.
        ("@misc{e, title = {Another Title}, year = {2021}, doi = {10.1145/3458817.3476205}}",
         "zeroinfinity2021", "doi"),
        # Megatron-LM's list URL is arxiv.org/abs/1909.08053.
        ("@misc{e, title = {Another Title}, year = {2020}, eprint = {1909.08053}}",
         "megatronlm2020", "arxiv"),
        ("@misc{e, title = {Another Title}, year = {2020}, "
         "url = {https://arxiv.org/abs/1909.08053v3}}", "megatronlm2020", "arxiv"),
        ("@article{e, title = {Another Title}, year = {2019}, journal = {CoRR}, "
         "volume = {abs/1909.08053}}", "megatronlm2020", "arxiv"),
        # The list writes "ZeRO: memory optimizations toward training trillion parameter
        # models." with a trailing period; case and punctuation are ignored.
        ("@misc{e, title = {{ZeRO}: Memory Optimizations Toward Training Trillion Parameter "
         "Models}, year = {2020}}", "zero2020", "title"),
    ],
)
def test_match_by_each_identifier(seeded, tmp_path, entry, key, how):
    f = bib(tmp_path, entry[:-1] + ", pages = {7--9}}\n")
    report = import_bibtex(seeded, f)
    assert [(m.citation_key, m.how) for m in report.merged] == [(key, how)]
    assert paper(seeded, key)["pages"] == "7-9"


def test_doi_beats_title(seeded, tmp_path):
    # The title is Alpa's, the DOI ZeRO-Infinity's: the DOI is the stronger identity.
    f = bib(tmp_path, "@misc{e, title = {Alpa: Automating Inter- and Intra-Operator "
            "Parallelism for Distributed Deep Learning}, year = {2022}, "
            "doi = {10.1145/3458817.3476205}}")
    report = import_bibtex(seeded, f)
    assert [(m.citation_key, m.how) for m in report.merged] == [("zeroinfinity2021", "doi")]


def test_sample_fills_authors_pages_publisher_doi(seeded):
    diags = Diagnostics()
    report = import_bibtex(seeded, SAMPLE, diags=diags)
    assert sorted((m.citation_key, m.how) for m in report.merged) == [
        ("alpa2022", "title"), ("deepspeed2020", "doi"), ("megatronlm2020", "arxiv"),
        ("zero2020", "title"), ("zeroinfinity2021", "doi"), ("zerooffload2021", "title")]
    assert [r.key for r in report.unmatched] == ["DBLP:conf/nips/HuangCBFCCLNLWC19",
                                                  "DBLP:conf/sosp/NarayananHPSDGG19"]
    assert authors(seeded, "zero2020") == [("Rajbhandari", "Samyam"), ("Rasley", "Jeff"),
                                          ("Ruwase", "Olatunji"), ("He", "Yuxiong")]
    assert authors(seeded, "alpa2022")[9:] == [("Xing", "Eric P."), ("Gonzalez", "Joseph E."),
                                               ("Stoica", "Ion")]
    zero = paper(seeded, "zero2020")
    assert (zero["doi"], zero["pages"], zero["publisher"]) == (
        "10.1109/SC41405.2020.00024", "20", "IEEE/ACM")
    alpa = paper(seeded, "alpa2022")
    assert (alpa["pages"], alpa["publisher"]) == ("559-578", "USENIX Association")
    # One row per person: Rajbhandari is on four of the sample's papers.
    with seeded.connect() as c:
        assert c.execute(text("select count(*) from authors where family = 'Rajbhandari'")
                         ).scalar() == 1
    # DBLP dates Megatron-LM 2019, the list 2020: reported, the list's year kept.
    notes = [str(d) for d in diags.items if d.level == "note"]
    assert notes == [f"{SAMPLE}:25: note: DBLP:journals/corr/abs-1909-08053 matches "
                     "megatronlm2020 by arxiv but gives year 2019 (the list says 2020): the "
                     "list's value is kept"]
    assert paper(seeded, "megatronlm2020")["year"] == 2020
    assert report.conflicts == 0


def test_second_merge_changes_nothing(seeded):
    import_bibtex(seeded, SAMPLE)
    before = dump(seeded)
    report = import_bibtex(seeded, SAMPLE)
    assert not report.changed
    assert "nothing changed" in report.summary()
    assert dump(seeded) == before


CONFLICT = """@inproceedings{alpa,
  author = {Lianmin Zheng and Somebody Else},
  title = {Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed Deep Learning},
  booktitle = {OSDI}, year = {2022}, pages = {1--20}, number = {7}
}
"""


def test_conflicts_reported_and_kept(seeded, tmp_path):
    import_bibtex(seeded, SAMPLE)
    diags = Diagnostics()
    f = bib(tmp_path, CONFLICT)
    report = import_bibtex(seeded, f, diags=diags)
    assert report.conflicts == 2
    msgs = [d.message for d in diags.items if d.level == "warning"]
    assert msgs[0] == ("conflict on alpa2022: pages is '559-578' in the database, '1-20' in "
                       "alpa: kept (--prefer-bib takes the .bib's)")
    assert msgs[1].startswith("conflict on alpa2022: authors is 'Zheng, Lianmin and Li, "
                              "Zhuohan and ")
    assert all(str(d).startswith(f"{f}:1: ") for d in diags.items)
    alpa = paper(seeded, "alpa2022")
    assert alpa["pages"] == "559-578"
    assert alpa["number"] == "7"  # not a conflict: the paper had no number
    assert len(authors(seeded, "alpa2022")) == 12


def test_prefer_bib_overwrites(seeded, tmp_path, runner, db_url):
    f = bib(tmp_path, CONFLICT)
    assert run_cli(runner, db_url, "import", str(SEED)).exit_code == 0
    assert run_cli(runner, db_url, "import", str(SAMPLE)).exit_code == 0
    res = run_cli(runner, db_url, "import", "--prefer-bib", str(f))
    assert res.exit_code == 0, res.stderr
    assert "replaced by the .bib's (--prefer-bib)" in res.stderr
    from lmsdb.store.db import make_engine

    eng = make_engine(db_url)
    assert paper(eng, "alpa2022")["pages"] == "1-20"
    assert authors(eng, "alpa2022") == [("Zheng", "Lianmin"), ("Else", "Somebody")]
    assert paper(eng, "alpa2022")["citation_key"] == "alpa2022"
    eng.dispose()


def test_dry_run_shows_and_writes_nothing(runner, db_url):
    assert run_cli(runner, db_url, "import", str(SEED)).exit_code == 0
    from lmsdb.store.db import make_engine

    eng = make_engine(db_url)
    before = dump(eng)
    res = run_cli(runner, db_url, "import", "--dry-run", "--add-new", str(SAMPLE))
    assert res.exit_code == 0, res.stderr
    assert "~ zero2020  ZeRO: memory optimizations" in res.stdout
    assert "    pages: ∅ → 20" in res.stdout
    assert "+ huang2019gpipe  GPipe: Efficient Training" in res.stdout
    assert "papers: would update 6, would add 2, conflicts 0" in res.stderr
    assert dump(eng) == before
    eng.dispose()


def test_add_new_with_venue_and_author_key(seeded):
    report = import_bibtex(seeded, SAMPLE, add_new=True)
    assert [m.citation_key for m in report.added] == ["huang2019gpipe", "narayanan2019pipedream"]
    with seeded.connect() as c:
        rows = dict(c.execute(text(
            "select p.citation_key, v.name from papers p join venues v on v.id = p.venue_id "
            "where p.citation_key in ('huang2019gpipe', 'narayanan2019pipedream')")).all())
    assert rows == {"huang2019gpipe": "NeurIPS", "narayanan2019pipedream": "SOSP"}
    pd = paper(seeded, "narayanan2019pipedream")
    assert (pd["doi"], pd["url"], pd["pages"]) == (
        "10.1145/3341301.3359646", "https://doi.org/10.1145/3341301.3359646", "1-15")
    assert authors(seeded, "huang2019gpipe")[0] == ("Huang", "Yanping")


def test_add_new_accented_names_key_folded(seeded):
    report = import_bibtex(seeded, DATA / "synthetic-accents.bib", add_new=True)
    assert [m.citation_key for m in report.added] == ["muller2023synthetic"]
    assert authors(seeded, "muller2023synthetic") == [
        ("Müller", "Jürgen"), ("Lefèvre", "Françoise"), ("García", "José María")]


def test_keys_stable_across_merge_and_markdown_reimport_keeps_bib_fields(seeded):
    with seeded.connect() as c:
        keys_before = dict(c.execute(text("select id, citation_key from papers")).all())
    import_bibtex(seeded, SAMPLE, add_new=True)
    with seeded.connect() as c:
        keys_after = dict(c.execute(text("select id, citation_key from papers")).all())
    assert {i: keys_after[i] for i in keys_before} == keys_before  # gained authors, same keys
    # list_sync (what a repeat import replays) is emptied by the merge and written back
    # by the import; every other table is as the merge left it.
    merged = dump(seeded, skip=("list_sync",))
    report = import_markdown(seeded, SEED)
    assert not report.changed and not report.replayed  # the merge added unlisted papers
    assert dump(seeded, skip=("list_sync",)) == merged  # authors, pages, DBLP's DOI: kept
    assert paper(seeded, "zero2020")["doi"] == "10.1109/SC41405.2020.00024"


def test_prune_deletes_authors_links(seeded, tmp_path):
    import_bibtex(seeded, SAMPLE)
    src = SEED.read_text(encoding="utf-8")
    row = next(li for li in src.splitlines() if "[Alpa: Automating" in li)
    shorter = bib(tmp_path, src.replace(row + "\n", ""), "list.md")
    import_markdown(seeded, shorter, prune=True)
    with seeded.connect() as c:
        assert c.execute(text("select count(*) from papers where citation_key = 'alpa2022'")
                         ).scalar() == 0
        assert c.execute(text("select count(*) from paper_authors where paper_id not in "
                              "(select id from papers)")).scalar() == 0


def test_same_paper_twice_in_one_file_is_skipped(seeded, tmp_path):
    f = bib(tmp_path, "@misc{a, title = {X}, year = {2021}, doi = {10.1145/3458817.3476205}, "
            "pages = {1}}\n@misc{b, title = {Y}, year = {2021}, "
            "doi = {10.1145/3458817.3476205}, pages = {2}}\n")
    diags = Diagnostics()
    import_bibtex(seeded, f, diags=diags)
    assert paper(seeded, "zeroinfinity2021")["pages"] == "1"
    assert [str(d) for d in diags.warnings] == [
        f"{f}:2: warning: b is the same paper as a (line 1), matched by doi: skipped"]
