"""Properties that keep lmsdb fast on large lists, checked on small generated ones.

(No timings here: the benchmark in benchmarks/ measures speed; these tests pin down the
shape of the work, which does not flake on a busy machine.)
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import event

from lmsdb.exporters import bibtex, markdown
from lmsdb.sync.importer import import_markdown

from .generate import generate
from .helpers import content, fresh


def loaded(tmp_path, n: int, name: str = "db.sqlite"):
    f = tmp_path / f"list{n}.md"
    f.write_text(generate(n, seed=7), encoding="utf-8")
    engine = fresh(tmp_path, name)
    import_markdown(engine, f)
    return engine, f


class StatementCounter:
    def __init__(self, engine):
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._on)

    def _on(self, *args, **kwargs) -> None:
        self.count += 1


def count_statements(engine, work) -> int:
    counter = StatementCounter(engine)
    work()
    return counter.count


def export_bib(engine):
    with engine.connect() as c:
        bibtex.write(c, io.StringIO())


def export_md(engine):
    with engine.connect() as c:
        markdown.write(c, io.StringIO())


@pytest.mark.parametrize("exporter", [export_bib, export_md], ids=["bib", "md"])
def test_export_statements_do_not_grow_with_n(tmp_path, exporter):
    small, _ = loaded(tmp_path, 100, "small.sqlite")
    large, _ = loaded(tmp_path, 1000, "large.sqlite")
    n_small = count_statements(small, lambda: exporter(small))
    n_large = count_statements(large, lambda: exporter(large))
    assert n_small == n_large
    assert n_small <= 10


def test_import_writes_in_bulk(tmp_path):
    """No per-row statements: rows go 500 to a statement, so 10x the papers costs a few
    more statements, not 10x."""
    counts = []
    for n in (100, 1000):
        f = tmp_path / f"l{n}.md"
        f.write_text(generate(n, seed=3), encoding="utf-8")
        engine = fresh(tmp_path, f"i{n}.sqlite")
        counts.append(count_statements(engine, lambda e=engine, f=f: import_markdown(e, f)))
    # 1000 papers: 2 chunks of papers, 3 of category links, 2 of framework links (and, for
    # the three-way sync of issue 14, 2 of the list's base).
    assert counts[1] - counts[0] <= 7
    # A constant: the schema check, one read per table (issue 14 reads four more: the base,
    # old keys, removed papers and user venues), the writes.
    assert counts[1] < 46


def test_generated_list_round_trips(tmp_path):
    engine, _ = loaded(tmp_path, 500)
    out = io.StringIO()
    with engine.connect() as c:
        rows = markdown.write(c, out)
    assert rows > 500  # some papers are listed in two sections
    exported = tmp_path / "exported.md"
    exported.write_text(out.getvalue(), encoding="utf-8")
    again = fresh(tmp_path, "again.sqlite")
    import_markdown(again, exported)
    assert content(again) == content(engine)
    out2 = io.StringIO()
    with again.connect() as c:
        markdown.write(c, out2)
    assert out2.getvalue() == out.getvalue()
    # And re-importing the regenerated list into the first database changes nothing.
    assert not import_markdown(engine, exported).changed


def test_generator_is_deterministic():
    assert generate(50, seed=1) == generate(50, seed=1)
    assert generate(50, seed=1) != generate(50, seed=2)
