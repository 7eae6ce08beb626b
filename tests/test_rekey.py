"""The key scheme: author form, clashes, stability, and `lmsdb rekey`."""

from __future__ import annotations

from sqlalchemy import text

from lmsdb.domain.citekeys import KeyAllocator, base_key
from lmsdb.sync.importer import import_bibtex
from lmsdb.sync.rekey import rekey

from .conftest import DATA, SEED, run_cli


def keys(engine) -> dict[int, str]:
    with engine.connect() as c:
        return dict(c.execute(text("select id, citation_key from papers")).all())


def test_scheme_author_form_and_clash_suffixes():
    assert base_key("ZeRO: memory optimizations", 2020, "Rajbhandari") == "rajbhandari2020zero"
    assert base_key("ZeRO: memory optimizations", 2020) == "zero2020"
    assert base_key("A Synthetic Entry", 2023, "Müller") == "muller2023synthetic"
    assert base_key("The Stability-Efficiency Dilemma", 2022, "von Neumann, Jr.") == (
        "vonneumannjr2022stabilityefficiency")
    alloc = KeyAllocator(["zero2020"])
    assert [alloc.allocate("zero2020") for _ in range(3)] == ["zero2020a", "zero2020b",
                                                              "zero2020c"]


def aliases(engine) -> dict[str, str]:
    with engine.connect() as c:
        return dict(c.execute(text("select a.alias, p.citation_key from paper_aliases a "
                                   "join papers p on p.id = a.paper_id")).all())


def test_rekey_without_authors_changes_nothing(seeded):
    # The import allocated keys in title order, the order rekey uses.
    with seeded.begin() as c:
        assert rekey(c) == []


def test_rekey_after_merge_uses_authors(seeded):
    before = keys(seeded)
    import_bibtex(seeded, DATA / "dblp-sample.bib")
    assert keys(seeded) == before  # merging never changes a key
    with seeded.begin() as c:
        changes = {old: new for _, old, new in rekey(c, dry_run=True)}
    assert keys(seeded) == before  # dry run
    assert changes == {
        "alpa2022": "zheng2022alpa",
        "zeroinfinity2021": "rajbhandari2021zeroinfinity",
        "zerooffload2021": "ren2021zerooffload",
        "deepspeed2020": "rasley2020deepspeed",
        "zero2020": "rajbhandari2020zero",
        "megatronlm2020": "shoeybi2020megatronlm",
    }
    with seeded.begin() as c:
        rekey(c)
    after = keys(seeded)
    assert {before[i]: after[i] for i in before if before[i] != after[i]} == changes
    with seeded.begin() as c:
        assert rekey(c) == []  # stable: a second run has nothing to do


def test_rekey_clash_and_swap(seeded, tmp_path):
    # Two 2022 "DeepSpeed ..." papers (deepspeed2022b and deepspeed2022) get the same first
    # author: they clash on smith2022deepspeed and the first in title order ("DeepSpeed Data
    # Efficiency" before "Using DeepSpeed") keeps the bare key.
    f = tmp_path / "x.bib"
    f.write_text(
        "@misc{a, author = {Shaden Smith}, year = {2022}, title = {Using DeepSpeed and Megatron "
        "to Train Megatron-Turing NLG 530B, A Large-Scale Generative Language Model}}\n"
        "@misc{b, author = {Shaden Smith}, year = {2022}, title = {DeepSpeed Data Efficiency: "
        "Improving Deep Learning Model Quality and Training Efficiency via Efficient Data "
        "Sampling and Routing}}\n", encoding="utf-8")
    import_bibtex(seeded, f)
    with seeded.begin() as c:
        changes = [(old, new) for _, old, new in rekey(c)]
    # deepspeed2022a (DeepSpeed Inference, no authors) keeps its key: the freed deepspeed2022
    # is now an old key of smith2022deepspeed (an alias, in its biblatex ids), and handing it
    # to another paper would send a document that cites it to the wrong paper. Changes are
    # listed in id (list) order: Using DeepSpeed, Data Efficiency.
    assert changes == [("deepspeed2022b", "smith2022deepspeeda"),
                       ("deepspeed2022", "smith2022deepspeed")]
    assert aliases(seeded) == {"deepspeed2022b": "smith2022deepspeeda",
                               "deepspeed2022": "smith2022deepspeed"}


def test_cli_rekey_prints_old_new(runner, db_url):
    assert run_cli(runner, db_url, "import", str(SEED)).exit_code == 0
    assert run_cli(runner, db_url, "import", str(DATA / "dblp-sample.bib")).exit_code == 0
    res = run_cli(runner, db_url, "rekey", "--dry-run")
    assert res.exit_code == 0
    assert "zero2020 → rajbhandari2020zero\n" in res.stdout
    assert "would change 6 citation key(s)" in res.stderr
    res = run_cli(runner, db_url, "rekey")
    assert "changed 6 citation key(s)" in res.stderr
    res = run_cli(runner, db_url, "sql", "select citation_key from papers where id = "
                  "(select id from papers where title like 'ZeRO: memory%')", "--no-headers")
    assert res.stdout.strip() == "rajbhandari2020zero"


def test_old_keys_stay_as_aliases_and_export_bib_resolves_them(runner, db_url, tmp_path):
    run_cli(runner, db_url, "import", str(SEED))
    run_cli(runner, db_url, "import", str(DATA / "dblp-sample.bib"))
    run_cli(runner, db_url, "rekey")
    from lmsdb.store.db import make_engine

    engine = make_engine(db_url)
    assert aliases(engine)["zero2020"] == "rajbhandari2020zero"
    assert len(aliases(engine)) == 6
    # A second rekey changes nothing and keeps the aliases.
    run_cli(runner, db_url, "rekey")
    assert len(aliases(engine)) == 6
    engine.dispose()
    bib = run_cli(runner, db_url, "export", "bib", "--year", "2020", "--venue", "SC").stdout
    assert bib.startswith("@inproceedings{rajbhandari2020zero,\n  ids = {zero2020},\n  author = ")
    aux = tmp_path / "paper.aux"
    aux.write_text("\\citation{zero2020}\n\\citation{1bit2021,nokey}\n", encoding="utf-8")
    res = run_cli(runner, db_url, "export", "bib", "--keys", str(aux))
    assert res.exit_code == 0
    assert [line for line in res.stdout.splitlines() if line.startswith("@")] == [
        "@inproceedings{1bit2021,", "@inproceedings{rajbhandari2020zero,"]
    assert (f"{aux}: note: 'zero2020' is an old key of rajbhandari2020zero (lmsdb rekey): "
            "exported as rajbhandari2020zero, with 'zero2020' in its ids (biblatex finds it; "
            "cite rajbhandari2020zero for BibTeX)") in res.stderr
    assert f"{aux}: warning: 'nokey' is cited but is no paper's key" in res.stderr
    assert "'zero2020' is cited but" not in res.stderr
    # show lists the old keys, and finds the paper by one.
    import json

    shown = json.loads(run_cli(runner, db_url, "show", "zero2020", "--format", "json").stdout)
    assert (shown["citation_key"], shown["aliases"]) == ("rajbhandari2020zero", ["zero2020"])
    assert "  aliases        zero2020\n" in run_cli(runner, db_url, "show",
                                                     "rajbhandari2020zero").stdout
    # Commands that take a key accept an old one, with a note.
    res = run_cli(runner, db_url, "edit", "zero2020", "--set", "note=x", "--dry-run")
    assert res.exit_code == 0
    assert "'zero2020' is an old key of rajbhandari2020zero: using rajbhandari2020zero" in res.stderr


def test_an_old_key_is_never_given_to_a_new_paper(runner, db_url, tmp_path):
    run_cli(runner, db_url, "import", str(SEED))
    run_cli(runner, db_url, "import", str(DATA / "dblp-sample.bib"))
    run_cli(runner, db_url, "rekey")
    # A new paper whose key would be zero2020 (an old key of ZeRO) gets zero2020a.
    res = run_cli(runner, db_url, "add", "https://example.org/zero", "--offline", "--title",
                  "ZeRO again", "--year", "2020")
    assert res.stdout.startswith("+ zero2020a  ZeRO again")
    listed = tmp_path / "more.md"
    listed.write_text(SEED.read_text(encoding="utf-8").replace(
        "| 2020 |         | [Megatron-LM",
        "| 2020 |         | [ZeRO once more](https://example.org/zero3) |  |\n"
        "| 2020 |         | [Megatron-LM"), encoding="utf-8")
    res = run_cli(runner, db_url, "import", "--dry-run", str(listed))
    assert "+ zero2020b  ZeRO once more" in res.stdout
