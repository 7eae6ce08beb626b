"""The exporters are library functions, rows in and text out: a library call leaves the
garbage collector as it found it and forks nothing; the ``lmsdb`` command owns both policies
(it pauses the collector and asks for ``workers=2``). Also: the BibTeX rows are read by
column name, and the published links of a filtered export come from their own statement."""

from __future__ import annotations

import gc
import io
import os

import pytest
from sqlalchemy import text

from lmsdb.cli import forkjoin
from lmsdb.exporters import bibrows, bibtex, markdown

from .conftest import run_cli


class GcSpy:
    """A progress bar that notes whether the collector ran at each update."""

    total = None

    def __init__(self):
        self.enabled: list[bool] = []

    def update(self, n=1):
        self.enabled.append(gc.isenabled())


def _bib(engine, **kw) -> str:
    out = io.StringIO()
    with engine.connect() as c:
        bibtex.write(c, out, **kw)
    return out.getvalue()


@pytest.fixture
def no_fork(monkeypatch):
    """os.fork raises; and two_way would fork for any export of 2 papers or more."""
    def refuse():
        raise AssertionError("a library export forked the process")

    monkeypatch.setattr(os, "fork", refuse)
    monkeypatch.setattr(forkjoin, "MIN_ITEMS", 2)


@pytest.fixture
def counted_forks(monkeypatch):
    real, forks = os.fork, []

    def fork():
        pid = real()
        if pid:
            forks.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    monkeypatch.setattr(forkjoin, "MIN_ITEMS", 2)
    return forks


@pytest.mark.parametrize("enabled", [True, False])
@pytest.mark.parametrize("exporter", [bibtex, markdown], ids=["bib", "md"])
def test_a_library_export_leaves_the_collector_alone(seeded, no_fork, exporter, enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        spy = GcSpy()
        with seeded.connect() as c:
            n = exporter.write(c, io.StringIO(), progress=spy)
        assert n >= 25
        assert spy.enabled and set(spy.enabled) == {enabled}  # during the export
        assert gc.isenabled() is enabled  # and after it
    finally:
        (gc.enable if was else gc.disable)()


def test_workers_2_forks_and_writes_the_same_text(seeded, counted_forks):
    one = _bib(seeded)
    assert counted_forks == []
    two = _bib(seeded, workers=2)
    assert len(counted_forks) == 1
    assert two == one and one.count("\n@") == 24


def test_the_command_pauses_the_collector_and_asks_for_two_workers(
        seeded, db_url, runner, monkeypatch, counted_forks):
    seen = {}
    real_bib, real_md = bibtex.write, markdown.write
    want = _bib(seeded)

    def bib_write(*args, **kw):
        seen["bib"] = (gc.isenabled(), kw.get("workers"))
        return real_bib(*args, **kw)

    def md_write(*args, **kw):
        seen["md"] = gc.isenabled()
        return real_md(*args, **kw)

    monkeypatch.setattr(bibtex, "write", bib_write)
    monkeypatch.setattr(markdown, "write", md_write)
    assert gc.isenabled()
    res = run_cli(runner, db_url, "export", "bib")
    assert res.exit_code == 0 and res.stdout == want
    assert seen["bib"] == (False, 2) and len(counted_forks) == 1
    assert run_cli(runner, db_url, "export", "md").exit_code == 0
    assert seen["md"] is False
    assert gc.isenabled()  # the command gives the collector back


def test_bib_rows_are_read_by_column_name(seeded):
    fields = {"pages": "12-34", "publisher": "ACM", "volume": "7", "number": "2",
              "primary_class": "cs.DC", "note": "Best paper"}
    with seeded.begin() as c:
        c.execute(text("update papers set pages = :pages, publisher = :publisher, "
                       "volume = :volume, number = :number, primary_class = :primary_class, "
                       "note = :note where citation_key = 'alpa2022'"), fields)
        want = c.execute(text("select p.id, p.title, p.year, p.url, p.doi, p.arxiv_id, "
                              "v.name, v.full_name, v.kind from papers p join venues v "
                              "on v.id = p.venue_id where citation_key = 'alpa2022'")).one()
    with seeded.connect() as c:
        row = {r.key: r for r in bibrows.rows(c)}["alpa2022"]
    assert {f: getattr(row, f) for f in fields} == fields
    assert (row.id, row.title, row.year, row.url, row.doi, row.arxiv_id, row.venue,
            row.venue_full, row.venue_kind) == tuple(want)
    entry = bibtex.format_entry(row)
    assert "  pages = {12--34},\n  publisher = {{ACM}},\n" in entry
    assert "  note = {Best paper}\n}\n" in entry


def test_a_filtered_export_finds_the_published_link(seeded):
    with seeded.begin() as c:
        c.execute(text("update papers set url = 'https://arxiv.org/abs/2101.06840' "
                       "where citation_key = 'zerooffload2021'"))
        c.execute(text("insert into paper_urls select id, 'https://www.usenix.org/atc21/ren' "
                       "from papers where citation_key in ('zerooffload2021', 'alpa2022')"))
    only = bibtex.Filter(keys=frozenset({"zerooffload2021"}))
    text_ = _bib(seeded, where=only)
    assert text_.count("@") == 1
    assert "  url = {https://www.usenix.org/atc21/ren}\n" in text_
