"""BibTeX export of the reference list: keys, entry types, LaTeX titles, parse-back."""

from __future__ import annotations

import io

import bibtexparser
from sqlalchemy import text

from lmsdb.domain.latex_plain import latex_to_plain
from lmsdb.exporters import bibtex


def export(engine, **kw) -> str:
    out = io.StringIO()
    with engine.connect() as c:
        bibtex.write(c, out, **kw)
    return out.getvalue()


def parsed(engine):
    lib = bibtexparser.parse_string(export(engine))
    assert lib.failed_blocks == []
    return {e.key: e for e in lib.entries}


def test_one_entry_per_paper_with_stored_unique_keys(seeded):
    entries = parsed(seeded)
    keys = seeded.connect().execute(text("select citation_key from papers")).scalars().all()
    assert len(entries) == 25
    assert set(entries) == set(keys)


def test_readable_keys_with_suffix_on_clash(seeded):
    keys = dict(seeded.connect().execute(text("select title, citation_key from papers")).all())
    assert keys["ZeRO: memory optimizations toward training trillion parameter models."] == (
        "zero2020")
    assert keys["The Stability-Efficiency Dilemma: Investigating Sequence Length Warmup for "
                "Training GPT Models"] == "stabilityefficiency2022"
    # "1-bit LAMB" (2022) and "1-bit Adam" (2021) differ by year; the two 2022 "DeepSpeed ..."
    # titles clash on deepspeed2022 and get their suffixes in title order (not list order:
    # reordering the list must not change a key).
    assert keys["DeepSpeed Data Efficiency: Improving Deep Learning Model Quality and Training "
                "Efficiency via Efficient Data Sampling and Routing"] == "deepspeed2022"
    assert keys["DeepSpeed Inference: Enabling Efficient Inference of Transformer Models at "
                "Unprecedented Scale"] == "deepspeed2022a"
    assert keys["Using DeepSpeed and Megatron to Train Megatron-Turing NLG 530B, A Large-Scale "
                "Generative Language Model"] == "deepspeed2022b"


def test_entry_types_by_venue(seeded):
    e = parsed(seeded)
    alpa = e["alpa2022"]
    assert alpa.entry_type == "inproceedings"
    assert "OSDI" in alpa["booktitle"] or "Operating Systems" in alpa["booktitle"]
    megatron = e["megatronlm2020"]
    assert megatron.entry_type == "misc"
    assert megatron["eprint"] == "1909.08053"
    assert megatron["archivePrefix"] == "arXiv"
    assert "booktitle" not in megatron.fields_dict


def test_journal_gives_article(seeded):
    with seeded.begin() as c:
        c.execute(text("insert into venues (id, name, full_name, kind, known) values "
                       "(99, 'TPDS', 'IEEE Transactions on Parallel and Distributed Systems', "
                       "'journal', 1)"))
        c.execute(text("update papers set venue_id = 99 where citation_key = 'alpa2022'"))
    alpa = parsed(seeded)["alpa2022"]
    assert alpa.entry_type == "article"
    assert alpa["journal"] == "{IEEE} Transactions on Parallel and Distributed Systems"
    assert "booktitle" not in alpa.fields_dict


def test_doi_where_the_url_holds_one(seeded):
    e = parsed(seeded)
    by_title = {latex_to_plain(x["title"]): x for x in e.values()}
    zinf = by_title["ZeRO-Infinity: Breaking the GPU Memory Wall for Extreme Scale Deep Learning"]
    assert zinf["doi"] == "10.1145/3458817.3476205"
    # ACM's 10.5555 prefix is a placeholder, not a registered DOI: no doi field for it.
    assert "doi" not in e["zero2020"].fields_dict
    assert "doi" not in e["alpa2022"].fields_dict


def test_titles_escaped_protected_and_parse_back(seeded):
    e = parsed(seeded)
    stored = dict(seeded.connect().execute(text("select citation_key, title from papers")).all())
    for key, entry in e.items():
        assert latex_to_plain(entry["title"]) == stored[key]
    stability = e["stabilityefficiency2022"]["title"]
    assert "{GPT}" in stability
    assert "{DeepSpeed}-{MoE}:" in e["deepspeedmoe2022"]["title"]
    lamb = [x for x in e.values() if "LAMB" in x["title"]][0]["title"]
    assert "{LAMB's}" in lamb


# ----------------------------------------------------------------------------- issue 4

from contextlib import contextmanager  # noqa: E402

import pytest  # noqa: E402
from sqlalchemy import event  # noqa: E402

from lmsdb.sync.importer import import_bibtex  # noqa: E402

from .conftest import DATA, run_cli  # noqa: E402


@pytest.fixture
def merged(seeded):
    import_bibtex(seeded, DATA / "dblp-sample.bib", add_new=True)
    import_bibtex(seeded, DATA / "synthetic-accents.bib", add_new=True)
    return seeded


@contextmanager
def count_statements(engine):
    seen: list[str] = []

    def before(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def test_dblp_like_entries_with_authors_pages_publisher(merged):
    out = export(merged)
    assert ("@inproceedings{alpa2022,\n"
            "  author = {Zheng, Lianmin and Li, Zhuohan and Zhang, Hao and Zhuang, Yonghao and "
            "Chen, Zhifeng and Huang, Yanping and Wang, Yida and Xu, Yuanzhong and Zhuo, Danyang "
            "and Xing, Eric P. and Gonzalez, Joseph E. and Stoica, Ion},\n"
            "  title = {Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed "
            "Deep Learning},\n"
            "  booktitle = {{USENIX} Symposium on Operating Systems Design and Implementation},\n"
            "  pages = {559--578},\n"
            "  publisher = {{USENIX} Association},\n"
            "  year = {2022},\n"
            "  url = {https://www.usenix.org/conference/osdi22/presentation/zheng-lianmin}\n"
            "}\n") in out
    e = parsed(merged)
    assert e["zero2020"]["doi"] == "10.1109/SC41405.2020.00024"
    assert e["zero2020"]["pages"] == "20"
    assert e["megatronlm2020"].entry_type == "misc"
    assert e["megatronlm2020"]["author"].startswith("Shoeybi, Mohammad and Patwary, Mostofa")


def test_accents_as_latex_in_names_not_brace_protected(merged):
    e = parsed(merged)["muller2023synthetic"]
    assert e["author"] == (r'M{\"u}ller, J{\"u}rgen and Lef{\`e}vre, Fran{\c c}oise and '
                           r"Garc{\'\i}a, Jos{\'e} Mar{\'\i}a")
    raw = export(merged, unicode=True)
    assert "author = {Müller, Jürgen and Lefèvre, Françoise and García, José María}" in raw
    # Names are never brace-protected word by word (BibTeX must see their parts).
    assert "{LeGresley}" not in export(merged)


def test_article_volume_number_pages_and_misc_primary_class(merged):
    with merged.begin() as c:
        c.execute(text("insert into venues (id, name, full_name, kind, known) values "
                       "(99, 'JMLR', 'Journal of Machine Learning Research', 'journal', 1)"))
        c.execute(text("update papers set venue_id = 99, volume = '23', number = '120', "
                       "pages = '1-39' where citation_key = 'alpa2022'"))
        c.execute(text("update papers set primary_class = 'cs.CL' "
                       "where citation_key = 'megatronlm2020'"))
    e = parsed(merged)
    alpa = e["alpa2022"]
    assert alpa.entry_type == "article"
    assert (alpa["journal"], alpa["volume"], alpa["number"], alpa["pages"]) == (
        "Journal of Machine Learning Research", "23", "120", "1--39")
    assert e["megatronlm2020"]["primaryClass"] == "cs.CL"
    assert e["megatronlm2020"]["archivePrefix"] == "arXiv"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--venue", "OSDI"], {"alpa2022", "alpaserve2023"}),
        (["--venue", "NeuraIPS"], {"accelerating2020", "extreme2022", "stabilityefficiency2022",
                                   "zeroquant2022", "huang2019gpipe"}),
        (["--framework", "alpa"], {"alpa2022", "alpaserve2023", "optimizing2023"}),
        (["--framework", "megatron"], {"megatronlm2020"}),
        (["--category", "inference"], {"deepspeedmoe2022", "deepspeed2022a"}),
        (["--year", "2019"], {"huang2019gpipe", "narayanan2019pipedream"}),
        (["--year", "2020-2021"], {"1bit2021", "accelerating2020", "deepspeed2020",
                                   "megatronlm2020", "zero2020", "zeroinfinity2021",
                                   "zerooffload2021"}),
        (["--venue", "SC", "--year", "2021-2023"], {"zeroinfinity2021", "deepspeed2022a"}),
        (["--framework", "ds", "--category", "Inference", "--year", "2022"],
         {"deepspeedmoe2022", "deepspeed2022a"}),
    ],
)
def test_filters(merged, runner, db_url, args, expected):
    res = run_cli(runner, db_url, "export", "bib", *args)
    assert res.exit_code == 0, res.stderr
    lib = bibtexparser.parse_string(res.stdout)
    assert {x.key for x in lib.entries} == expected


def test_keys_from_aux(merged, runner, db_url, tmp_path):
    aux = tmp_path / "paper.aux"
    (tmp_path / "ch1.aux").write_text("\\citation{zero2020}\n", encoding="utf-8")
    aux.write_text("\\relax\n\\citation{alpa2022,megatronlm2020}\n\\citation{nosuch2020}\n"
                   "\\@input{ch1.aux}\n\\bibstyle{plain}\n", encoding="utf-8")
    res = run_cli(runner, db_url, "export", "bib", "--keys", str(aux), "--year", "2020")
    assert res.exit_code == 0, res.stderr
    keys = {x.key for x in bibtexparser.parse_string(res.stdout).entries}
    assert keys == {"megatronlm2020", "zero2020"}  # alpa2022 is 2022: AND
    assert f"{aux}: warning: 'nosuch2020' is cited but is no paper's key" in res.stderr


def test_bad_year_is_usage_error(merged, runner, db_url):
    res = run_cli(runner, db_url, "export", "bib", "--year", "2023-2021")
    assert res.exit_code == 2
    assert "backwards" in res.stderr


@pytest.mark.parametrize("args", [{}, {"venue": "SC", "years": (2020, 2022), "category":
                                       "Training", "framework": "ds",
                                       "keys": frozenset({"zero2020", "alpa2022"})}])
def test_constant_number_of_statements(merged, args):
    from lmsdb.exporters.bibtex import Filter

    with count_statements(merged) as few, merged.connect() as c:
        bibtex.write(c, io.StringIO(), where=Filter(**args))
    n_small = len(few)
    # Many more papers with authors: the number of statements must not grow.
    with merged.begin() as c:
        for i in range(200):
            c.execute(text("insert into papers (id, citation_key, title, year, venue_id) "
                           "select :i, :k, 'Filler', 2020, venue_id from papers "
                           "where citation_key = 'zero2020'"), {"i": 1000 + i, "k": f"f{i}"})
            c.execute(text("insert into paper_authors (paper_id, position, author_id) "
                           "values (:i, 0, 1)"), {"i": 1000 + i})
    with count_statements(merged) as many, merged.connect() as c:
        n = bibtex.write(c, io.StringIO(), where=Filter(**args))
    # papers, their authors, their published links, old keys (biblatex ids)
    assert len(many) == n_small == 4
    if not args:
        assert n == 28 + 200


# -- --keys from every LaTeX toolchain; strict, repeatable filters (issue 15) --------------

BCF = """<?xml version="1.0" encoding="UTF-8"?>
<bcf:controlfile version="3.10" bltxversion="3.19" xmlns:bcf="https://sourceforge.net/projects/biblatex">
  <bcf:bibdata section="0"><bcf:datasource type="file" datatype="bibtex">paper.bib</bcf:datasource></bcf:bibdata>
  <bcf:section number="0">
    <bcf:citekey order="1" intorder="1">zero2020</bcf:citekey>
    <bcf:citekey order="2" intorder="1">alpa2022</bcf:citekey>
  </bcf:section>
</bcf:controlfile>
"""


@pytest.mark.parametrize("name, content", [
    ("bibtex.aux", "\\relax\n\\citation{zero2020,alpa2022}\n\\bibstyle{plainnat}\n"),
    ("biblatex.aux", "\\relax\n\\abx@aux@refcontext{nty/global//global/global}\n"
                     "\\abx@aux@cite{0}{zero2020}\n\\abx@aux@segm{0}{0}{zero2020}\n"
                     "\\abx@aux@cite{0}{alpa2022}\n\\abx@aux@segm{0}{0}{alpa2022}\n"),
    ("paper.bcf", BCF),
    ("keys.txt", "zero2020\n\n% a comment\nalpa2022  \n"),
])
def test_keys_from_bibtex_biblatex_biber_and_a_list(merged, runner, db_url, tmp_path, name, content):
    f = tmp_path / name
    f.write_text(content, encoding="utf-8")
    res = run_cli(runner, db_url, "export", "bib", "--keys", str(f))
    assert res.exit_code == 0, res.stderr
    assert {x.key for x in bibtexparser.parse_string(res.stdout).entries} == {"zero2020", "alpa2022"}


def test_keys_from_stdin_following_input(merged, runner, db_url, tmp_path, monkeypatch):
    (tmp_path / "chap1.aux").write_text("\\abx@aux@cite{0}{megatronlm2020}\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    res = run_cli(runner, db_url, "export", "bib", "--keys", "-",
                  input="\\citation{zero2020}\n\\@input{chap1.aux}\n")
    assert res.exit_code == 0, res.stderr
    assert {x.key for x in bibtexparser.parse_string(res.stdout).entries} == {
        "zero2020", "megatronlm2020"}


def test_no_keys_is_an_error_and_unmatched_keys_name_the_closest(merged, runner, db_url, tmp_path):
    empty = tmp_path / "empty.aux"
    empty.write_text("\\relax\n\\bibstyle{plain}\n", encoding="utf-8")
    res = run_cli(runner, db_url, "export", "bib", "--keys", str(empty))
    assert res.exit_code == 2 and "cites no key" in res.stderr and res.stdout == ""
    typo = tmp_path / "typo.txt"
    typo.write_text("zero2020\nalpa2021\narXiv:1909.08053\n", encoding="utf-8")
    res = run_cli(runner, db_url, "export", "bib", "--keys", str(typo))
    assert res.exit_code == 0
    assert ("warning: 'alpa2021' is cited but is no paper's key (closest: alpa2022"
            in res.stderr)
    assert ("warning: 'arXiv:1909.08053' is cited but is no paper's key (the paper with that "
            "identifier is megatronlm2020)") in res.stderr


def test_repeated_filter_is_or_different_filters_and(merged, runner, db_url):
    def keys(*args):
        res = run_cli(runner, db_url, "export", "bib", *args)
        assert res.exit_code == 0, res.stderr
        return {x.key for x in bibtexparser.parse_string(res.stdout).entries}

    osdi, sc = keys("--venue", "OSDI"), keys("--venue", "SC")
    assert osdi and sc and not osdi & sc
    assert keys("--venue", "OSDI", "--venue", "SC") == osdi | sc
    assert keys("--venue", "OSDI", "--venue", "SC", "--year", "2022") == {
        k for k in osdi | sc if k in keys("--year", "2022")}
    both = keys("--category", "Training", "--category", "Inference")
    assert both == keys("--category", "Training") | keys("--category", "Inference")


@pytest.mark.parametrize("option, name, listed", [
    ("--category", "Nope", "Training, Inference, Benchmark, Survey"),
    ("--framework", "nope", "alpa, megatron-ds, terapipe, ds, megatron, pipedream, gpipe"),
    ("--venue", "FooConf", "ATC, HiPC"),
])
def test_unknown_filter_names_are_errors_listing_valid_names(merged, runner, db_url, option,
                                                             name, listed):
    res = run_cli(runner, db_url, "export", "bib", option, name)
    assert res.exit_code == 2 and res.stdout == ""
    assert f"no {option[2:]} named {name!r}; the database has: " in res.stderr
    assert listed in res.stderr
