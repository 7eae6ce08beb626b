"""Faults found by a hostile-input trial (issue 10), each kept fixed by a test here or in the
corpus (test_hostile_corpus.py): a prune that trusted a list it could not read, writes into
other applications' files, odd --db values and file names, a newer lmsdb's database, a full
stdout, a query of a few heavy steps, and a non-breaking space lost on the way round."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from lmsdb.query import adhoc as query
from lmsdb.store.db import make_engine

from .conftest import SEED, run_cli
from .helpers import sql_dump


@pytest.fixture
def seeded_url(runner, db_url):
    assert run_cli(runner, db_url, "import", str(SEED)).exit_code == 0
    return db_url


def _path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


# ------------------------------------------------------------------ 1. import --prune


def _short_list(tmp_path: Path, keep: int) -> Path:
    """The reference list with only the first ``keep`` rows of the Training table."""
    lines = SEED.read_text(encoding="utf-8").splitlines(keepends=True)
    out, rows = [], 0
    for n, line in enumerate(lines, 1):
        if 19 <= n <= 45 and line.startswith("| 20"):  # the Training table's rows
            rows += 1
            if rows > keep:
                continue
        out.append(line)
    f = tmp_path / "short.md"
    f.write_text("".join(out), encoding="utf-8")
    return f


def test_prune_refuses_more_than_the_safe_share(runner, seeded_url, tmp_path):
    """No warning, but the list lost most of its rows: 20+ papers and more than 10%."""
    short = _short_list(tmp_path, keep=1)
    before = sql_dump(_path(seeded_url))
    res = run_cli(runner, seeded_url, "import", "--prune", str(short))
    assert res.exit_code == 1
    # Lines 20-42 go; line 19 and the Inference table's two papers stay: 22 of 25 deleted.
    assert "--prune would delete 22 of 25 papers and 0 of 7 frameworks" in res.stderr
    assert "more than the safe share" in res.stderr and "--max-delete 22" in res.stderr
    assert sql_dump(_path(seeded_url)) == before
    # Without --prune the same list is imported (nothing deleted).
    assert run_cli(runner, seeded_url, "import", str(short)).exit_code == 0


def test_max_delete_allows_a_large_prune_and_no_more(runner, seeded_url, tmp_path):
    short = _short_list(tmp_path, keep=1)
    before = sql_dump(_path(seeded_url))
    res = run_cli(runner, seeded_url, "import", "--prune", "--max-delete", "21", str(short))
    assert res.exit_code == 1 and "more than --max-delete 21" in res.stderr
    assert sql_dump(_path(seeded_url)) == before
    res = run_cli(runner, seeded_url, "import", "--prune", "--max-delete", "22", str(short))
    assert res.exit_code == 0, res.stderr
    assert "deleted 22" in res.stderr


def test_a_small_prune_still_works(runner, seeded_url, tmp_path):
    short = _short_list(tmp_path, keep=23)  # Megatron-LM (line 42) leaves
    res = run_cli(runner, seeded_url, "import", "--prune", str(short))
    assert res.exit_code == 0, res.stderr
    assert "deleted 1" in res.stderr


def test_dry_run_prune_says_it_would_be_refused(runner, seeded_url, tmp_path):
    short = _short_list(tmp_path, keep=1)
    res = run_cli(runner, seeded_url, "import", "--dry-run", "--prune", str(short))
    assert res.exit_code == 0
    assert "warning: the import would be refused: --prune would delete 22" in res.stderr


def test_max_delete_needs_prune(runner, seeded_url):
    res = run_cli(runner, seeded_url, "import", "--max-delete", "3", str(SEED))
    assert res.exit_code == 2 and "--max-delete applies to --prune" in res.stderr


# ------------------------------------------------------------------ 2. other files, --db


@pytest.fixture
def other_app(tmp_path) -> Path:
    f = tmp_path / "other.db"
    con = sqlite3.connect(f)
    con.execute("create table customers (id integer primary key, name text)")
    con.execute("insert into customers values (1, 'Ada')")
    con.commit()
    con.close()
    return f


def test_import_into_another_applications_file_is_refused(runner, other_app):
    before = other_app.read_bytes()
    res = run_cli(runner, f"sqlite:///{other_app}", "import", str(SEED))
    assert res.exit_code == 1
    assert "is not an lmsdb database (it holds the tables customers)" in res.stderr
    assert other_app.read_bytes() == before
    res = run_cli(runner, f"sqlite:///{other_app}", "migrate")
    assert res.exit_code == 1 and other_app.read_bytes() == before


def test_sql_reads_another_applications_file_without_writing(runner, other_app):
    before = other_app.read_bytes()
    res = run_cli(runner, f"sqlite:///{other_app}", "sql", "select name from customers")
    assert res.exit_code == 0 and "Ada" in res.stdout
    assert other_app.read_bytes() == before
    res = run_cli(runner, f"sqlite:///{other_app}", "stats")
    assert res.exit_code == 1 and "not an lmsdb database" in res.stderr
    assert other_app.read_bytes() == before


@pytest.mark.parametrize("args", [["sql", "select 1"], ["stats"], ["search", "zero"],
                                  ["schema"], ["export", "bib"], ["export", "md"],
                                  ["show", "alpa2022"],
                                  ["import", "--dry-run", str(SEED)]])
def test_an_empty_file_stays_empty(runner, tmp_path, args):
    f = tmp_path / "empty.sqlite"
    f.touch()
    res = run_cli(runner, f"sqlite:///{f}", *args)
    assert "Traceback" not in res.stderr
    assert f.stat().st_size == 0
    if args[0] not in ("sql", "import"):
        assert res.exit_code == 2 and "is an empty file, not an lmsdb database" in res.stderr


@pytest.mark.parametrize("url", ["", "  ", "sqlite://", "sqlite:///:memory:"])
def test_db_values_that_would_lose_the_data_are_usage_errors(runner, tmp_path, url,
                                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = run_cli(runner, url, "import", str(SEED))
    assert res.exit_code == 2
    assert res.stderr.startswith("lmsdb: error: --db")
    assert list(tmp_path.iterdir()) == []  # no ./lmsdb.sqlite either


@pytest.mark.parametrize("name", ["papers (copy).sqlite", "100% done.sqlite", "a@b.sqlite",
                                  "x#1.sqlite", "p%(x)s.sqlite"])
def test_odd_file_names(runner, tmp_path, name):
    url = f"sqlite:///{tmp_path / name}"
    res = run_cli(runner, url, "import", str(SEED))
    assert res.exit_code == 0, res.stderr
    assert run_cli(runner, url, "migrate").exit_code == 0
    res = run_cli(runner, url, "sql", "select count(*) from papers", "--format", "csv",
                  "--no-headers")
    assert res.stdout == "25\n"
    assert [p.name for p in tmp_path.iterdir()] == [name]


# ------------------------------------------------------------------ 9. revisions


def _set_revision(url: str, rev: str) -> None:
    con = sqlite3.connect(_path(url))
    con.execute("update alembic_version set version_num = ?", (rev,))
    con.commit()
    con.close()


@pytest.mark.parametrize("args", [["import", str(SEED)], ["import", "--dry-run", str(SEED)],
                                  ["migrate"], ["rekey"], ["sql", "--write", "delete from papers"]])
def test_a_newer_lmsdbs_database_is_not_changed(runner, seeded_url, args):
    _set_revision(seeded_url, "0099")
    before = sql_dump(_path(seeded_url))
    res = run_cli(runner, seeded_url, *args)
    assert res.exit_code == 1
    assert "schema revision '0099'" in res.stderr and "a newer lmsdb wrote it" in res.stderr
    assert "Traceback" not in res.stderr
    assert sql_dump(_path(seeded_url)) == before


def test_reading_commands_read_a_newer_lmsdbs_database(runner, seeded_url):
    _set_revision(seeded_url, "0099")
    res = run_cli(runner, seeded_url, "export", "bib")
    assert res.exit_code == 0 and res.stdout.count("@") == 25
    assert "warning: the database is at schema revision '0099'" in res.stderr
    res = run_cli(runner, seeded_url, "migrate", "--status")
    assert "revision 0099 is unknown to this lmsdb: a newer lmsdb wrote the database" in res.stderr


def test_reading_commands_do_not_migrate_an_older_database(runner, tmp_path):
    from lmsdb.store.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    upgrade(make_engine(url), "0002")
    before = sql_dump(_path(url))
    for args in (["stats"], ["export", "md"], ["schema"]):
        res = run_cli(runner, url, *args)
        assert res.exit_code == 2 and "run `lmsdb migrate` first" in res.stderr
    res = run_cli(runner, url, "sql", "select count(*) from papers")
    assert res.exit_code == 0
    assert sql_dump(_path(url)) == before


# ------------------------------------------------------------------ 10. a full stdout


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["sql", "select * from papers"], ["stats"],
                                  ["search", "parallelism"], ["schema"],
                                  ["stats", "--format", "json"], ["show", "alpa2022"],
                                  ["--help"]])
def test_stdout_on_a_full_device(seeded_url, args):
    with open("/dev/full", "w") as full:
        res = subprocess.run([sys.executable, "-m", "lmsdb", "--db", seeded_url, *args],
                             stdout=full, stderr=subprocess.PIPE, text=True)
    assert res.returncode == 1
    assert res.stderr == "lmsdb: error: No space left on device\n"


def test_a_reader_that_leaves_is_not_an_error(seeded_url):
    p = subprocess.Popen([sys.executable, "-m", "lmsdb", "--db", seeded_url, "sql",
                          "select a.* from papers a, papers b"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    p.stdout.readline()
    p.stdout.close()
    assert p.wait() == 0
    assert p.stderr.read() == b""


# ------------------------------------------------------------------ 6. sql limits

# Forty steps that each take a while but are only a few VM instructions: the progress
# handler (every 10,000 instructions) is never called while they run.
HEAVY_STEPS = ("select sum(length(replace(hex(zeroblob(4000000 + x)), '0', 'ab'))) from "
               "(with recursive c(x) as (select 1 union all select x + 1 from c limit 40) "
               "select x from c)")


def test_timeout_stops_a_query_of_few_heavy_steps(seeded_url):
    with pytest.raises(query.QueryError, match=r"query stopped after 0.2 s \(--timeout\)"):
        query.run(make_engine(seeded_url), HEAVY_STEPS, timeout=0.2)


def test_read_only_queries_have_a_heap_limit_which_is_restored(seeded_url):
    greedy = "select length(replace(hex(zeroblob(300000000)), '0', 'ab'))"
    with pytest.raises(query.QueryError, match="needed more than 512 MB of memory"):
        query.run(make_engine(seeded_url), greedy, timeout=None)
    con = sqlite3.connect(":memory:")
    assert con.execute("pragma hard_heap_limit").fetchone() == (0,)  # restored
    con.close()


def test_plain_vacuum_is_named(runner, seeded_url):
    res = run_cli(runner, seeded_url, "sql", "vacuum")
    assert res.exit_code == 2
    assert "refused: VACUUM (which rewrites the file)" in res.stderr
    res = run_cli(runner, seeded_url, "sql", f"vacuum into '{_path(seeded_url)}.copy'")
    assert "refused: VACUUM INTO" in res.stderr
    res = run_cli(runner, seeded_url, "sql", f"attach '{_path(seeded_url)}.copy' as c")
    assert "refused: ATTACH" in res.stderr


# ------------------------------------------------------------------ 4, 13. text


def test_nbsp_survives_export_md_and_import(runner, tmp_path):
    src = tmp_path / "nbsp.md"
    title = "A\u00a0B  C\u00a0\u00a0D"
    src.write_text("# L\n\n## Papers\n\n### T\n\n| Year | Publisher | Title | Framework |\n"
                   f"|---|---|---|---|\n| 2021 | ICML | [{title}](https://example.org/n) | |\n",
                   encoding="utf-8")
    one, two = f"sqlite:///{tmp_path / 'one.sqlite'}", f"sqlite:///{tmp_path / 'two.sqlite'}"
    assert run_cli(runner, one, "import", str(src)).exit_code == 0
    out = tmp_path / "out.md"
    assert run_cli(runner, one, "export", "md", "-o", str(out)).exit_code == 0
    assert run_cli(runner, two, "import", str(out)).exit_code == 0
    for url in (one, two):
        res = run_cli(runner, url, "sql", "select title from papers", "--format", "json")
        assert '"A\u00a0B C\u00a0\u00a0D"' in res.stdout  # ASCII runs squeezed, NBSP kept


def test_only_newlines_end_markdown_lines():
    from lmsdb.sources.markdown import split_lines

    assert split_lines("a\u2028b\x0cc\x1cd\x85e\r\nf\rg\nh") == [
        "a\u2028b\x0cc\x1cd\x85e", "f", "g", "h"]
    assert split_lines("") == [] and split_lines("\n") == [""]


# ------------------------------------------------------------------ 3. .bib fields


def test_tex_escapes_dblp_writes_in_urls_and_dois_are_not_refused():
    """DBLP escapes '_' in URLs (paper\\_files); that is not a live TeX command."""
    from lmsdb.diagnostics import Diagnostics
    from lmsdb.domain.bibrecords import from_bibtex
    from lmsdb.sources.bibtex import parse_text

    diags = Diagnostics()
    recs = from_bibtex(parse_text(
        "@inproceedings{a,\n  title = {T},\n  year = {2022},\n"
        "  url = {https://proceedings.neurips.cc/paper\\_files/paper/2022/x.html},\n"
        "  doi = {10.5555/a\\_b}\n}\n", "x.bib"), diags)
    assert diags.items == []
    assert "paper\\_files" in recs[0].url


def test_live_tex_in_a_syntax_field_is_left_out_with_the_line():
    from lmsdb.diagnostics import Diagnostics
    from lmsdb.domain.bibrecords import from_bibtex
    from lmsdb.sources.bibtex import parse_text

    diags = Diagnostics()
    recs = from_bibtex(parse_text(
        "@inproceedings{a,\n  title = {T},\n  year = {2022},\n"
        "  pages = {\\input /etc/passwd 1--2},\n  volume = {7}\n}\n", "x.bib"), diags)
    assert [str(d) for d in diags.items] == [
        "x.bib:4: warning: a: field pages holds the TeX command \\input, which lmsdb never "
        "takes from a .bib: field left out"]
    assert recs[0].pages is None and recs[0].volume == "7"
