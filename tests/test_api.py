"""The Python API (lmsdb.open -> Database): the same results as the command, errors as
lmsdb's exceptions, nothing printed, nothing created by reading."""

from __future__ import annotations

import doctest
import io
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

import lmsdb
from lmsdb.api import database, errors, options
from lmsdb.diagnostics import Diagnostics, LmsdbError, SourceError, UsageError
from lmsdb.exporters.bibtex import UnknownName
from lmsdb.query.adhoc import QueryError
from lmsdb.query.show import UnknownKey

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "awesome-lm-system.md"
DATA = ROOT / "tests" / "data"
V1 = DATA / "md" / "sync_v1.md"


def command_output(url: str, *args: str) -> str:
    """What ``lmsdb --db URL ARGS`` prints on stdout (exit code 0)."""
    from lmsdb.cli.app import cli

    result = CliRunner().invoke(cli, ["--db", url, *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("module", [lmsdb.api, database, options, errors])
def test_doctests(module, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # lmsdb.open("papers.sqlite") must create nothing, anywhere
    result = doctest.testmod(module)
    assert result.failed == 0
    assert list(tmp_path.iterdir()) == []


def test_the_examples_of_docs_api_md(tmp_path, monkeypatch) -> None:
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / SEED.name).write_bytes(SEED.read_bytes())
    monkeypatch.chdir(tmp_path)
    result = doctest.testfile(str(ROOT / "docs" / "api.md"), module_relative=False)
    assert result.failed == 0 and result.attempted >= 15


def test_open_takes_a_path_or_a_url_or_the_environment(tmp_path, monkeypatch) -> None:
    assert lmsdb.open(tmp_path / "a.sqlite").url == f"sqlite:///{tmp_path / 'a.sqlite'}"
    assert lmsdb.open(str(tmp_path / "b.sqlite")).url == f"sqlite:///{tmp_path / 'b.sqlite'}"
    assert lmsdb.open("sqlite:///c.sqlite").url == "sqlite:///c.sqlite"
    monkeypatch.setenv("LMSDB_DATABASE_URL", "sqlite:///from-env.sqlite")
    assert lmsdb.open().url == "sqlite:///from-env.sqlite"
    with pytest.raises(UsageError, match="is empty"):
        lmsdb.open("")
    with pytest.raises(UsageError, match="not a database URL"):
        lmsdb.open("nosuchdriver://x")
    assert not list(tmp_path.iterdir())  # opening creates nothing


def test_a_round_trip_prints_nothing_and_matches_the_command(tmp_path, capsys) -> None:
    path = tmp_path / "p.sqlite"
    with lmsdb.open(path) as db:
        report = db.import_list(SEED)
        assert report.changed and len(report.added) == 25
        md = db.export_md()
        bib = db.export_bib()
        found = db.search(["parallelism"], limit=3)
        stats = db.stats()
        paper = db.show("alpa2022")
        relations = db.schema()
    assert capsys.readouterr() == ("", "")
    # The command prints what the API returns, byte for byte.
    url = f"sqlite:///{path}"
    assert command_output(url, "export", "md") == md
    assert command_output(url, "export", "bib") == bib
    assert md.splitlines()[0] == SEED.read_text(encoding="utf-8").splitlines()[0]
    assert found.columns[:2] == ["citation_key", "year"] and len(found.rows) == 3
    assert all("[" in row[3] for row in found.rows)  # matches marked
    assert stats.papers == len(report.added) and stats.as_json()["papers"] == stats.papers
    assert paper["venue"]["name"] == "OSDI"
    assert {"papers", "paper_view"} <= {r.name for r in relations}


def test_exports_write_to_a_file_object_and_return_the_count(tmp_path) -> None:
    with lmsdb.open(tmp_path / "p.sqlite") as db:
        db.import_list(V1)
        out = io.StringIO()
        n = db.export_bib(out, venues=["OSDI"], years="2022-2023")
        assert n == 2 and out.getvalue() == db.export_bib(venues="OSDI", years=(2022, 2023))
        assert out.getvalue().count("@inproceedings{") == 2
        out = io.StringIO()
        assert db.export_md(out) == 6  # paper rows: 4 in Training, 2 in Inference
        assert out.getvalue() == db.export_md()


def test_cited_keys_select_papers_and_leave_notes(tmp_path) -> None:
    with lmsdb.open(tmp_path / "p.sqlite") as db:
        db.import_list(V1)
        diags = Diagnostics()
        text = db.export_bib(keys={"zero2020", "zreo2020"}, keys_source="paper.aux",
                             diags=diags)
        assert text.count("@") == 1 and "{zero2020," in text
        assert [str(d) for d in diags.items] == [
            "paper.aux: warning: 'zreo2020' is cited but is no paper's key "
            "(closest: zero2020)"]


def test_errors_are_lmsdb_exceptions_with_the_commands_exit_codes(tmp_path) -> None:
    with lmsdb.open(tmp_path / "p.sqlite") as db:
        with pytest.raises(UsageError, match="no database at") as e:
            db.stats()
        assert e.value.exit_code == 2
        with pytest.raises(UsageError, match="no database at"):
            db.rekey()
        assert not (tmp_path / "p.sqlite").exists()  # reading (or refusing) creates nothing
        db.import_list(V1)
        with pytest.raises(QueryError, match="refused") as q:
            db.sql("delete from papers")
        assert q.value.exit_code == 2
        with pytest.raises(UnknownName, match="no venue named 'Nowhere'"):
            db.export_bib(venues="Nowhere")
        with pytest.raises(UnknownKey):
            db.show("nosuch2099")
        with pytest.raises(UsageError, match="years"):
            db.export_bib(years="20x")
        with pytest.raises(UsageError, match="wait"):
            db.import_list(V1, wait=float("nan"))
        with pytest.raises(UsageError, match="max_delete applies to prune"):
            db.import_list(V1, max_delete=3)
        with pytest.raises(UsageError, match="exclude each other"):
            db.enrich(refresh=True, offline=True)
        with pytest.raises(UsageError, match="choose among"):
            db.enrich(sources=["bogus"], offline=True)
        assert db.sql("select count(*) from papers").rows == [(6,)]


def test_a_bad_list_is_a_source_error_and_changes_nothing(tmp_path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_text(V1.read_text(encoding="utf-8").replace("| 2022 | OSDI |", "| 20x2 | OSDI |"),
                   encoding="utf-8")
    with lmsdb.open(tmp_path / "p.sqlite") as db:
        db.import_list(V1)
        before = db.export_md()
        with pytest.raises(SourceError) as e:
            db.import_list(bad)
        assert str(e.value).startswith(f"{bad}:")
        assert db.export_md() == before


def test_a_database_that_refuses_is_a_database_error(tmp_path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database file" * 100)
    with lmsdb.open(junk) as db, pytest.raises(lmsdb.DatabaseError) as e:
        db.stats()
    assert isinstance(e.value, LmsdbError) and e.value.exit_code == 1
    assert str(e.value) == f"database sqlite:///{junk}: file is not a database"


def test_a_newer_schema_is_read_with_a_warning(tmp_path) -> None:
    with lmsdb.open(tmp_path / "p.sqlite") as db:
        db.import_list(V1)
        db.sql("update alembic_version set version_num = '0099'", write=True)
        with pytest.warns(lmsdb.LmsdbWarning, match="'0099', which this lmsdb"):
            assert db.stats().papers == 6
        with pytest.raises(LmsdbError, match="does not know"):
            db.rekey()


def test_dry_runs_and_merges(tmp_path) -> None:
    path = tmp_path / "p.sqlite"
    with lmsdb.open(path) as db:
        assert db.import_list(V1, dry_run=True).changed
        assert not path.exists()  # a dry run creates nothing
        db.import_list(V1)
        assert not db.import_list(V1).changed
        authors = "select count(*) from paper_authors"
        dry = db.merge_bib(DATA / "dblp-sample.bib", dry_run=True)
        assert dry.changed and db.sql(authors).rows == [(0,)]
        merged = db.merge_bib(DATA / "dblp-sample.bib")
        assert merged.summary() == dry.summary().replace("would ", "")
        assert db.sql(authors).rows[0][0] > 0
        renames = db.rekey(dry_run=True)
        assert renames and all(old != new for _, old, new in renames)
        assert db.migrate().before == db.migrate().after  # already at the newest revision


def test_the_api_leaves_warnings_filters_alone(tmp_path) -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with lmsdb.open(tmp_path / "p.sqlite") as db:
            db.import_list(V1)
            db.stats()
    assert seen == []


def test_the_command_imports_the_api_lazily() -> None:
    """`lmsdb --help` loads the command's modules and click, not the library behind them."""
    import subprocess
    import sys

    code = "import sys, lmsdb.cli.app; print(' '.join(sorted(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.split()
    ours = [m for m in loaded if m.startswith("lmsdb.")]
    assert ours and all(m.startswith("lmsdb.cli.") or m == "lmsdb.cli" for m in ours)
    assert not [m for m in loaded if m.split(".")[0] in {"sqlalchemy", "pydantic", "alembic"}]
    assert "lmsdb.cli.read" in ours and "lmsdb.cli.io" in ours  # the commands are there


def test_show_returns_plain_data(tmp_path) -> None:
    with lmsdb.open(Path(tmp_path) / "p.sqlite") as db:
        db.import_list(V1)
        p = db.show("alpa2022")
    assert p["fields"]["title"].startswith("Alpa:") and p["fields"]["year"] == 2022
    assert [f["slug"] for f in p["frameworks"]] == ["alpa"]
