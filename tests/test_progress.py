"""Progress reporting: the counts add up to the announced total; nothing off a terminal."""

from __future__ import annotations

import io
import sys

from lmsdb.exporters import bibtex, markdown
from lmsdb.progress import NoProgress, terminal_bar
from lmsdb.sync.importer import import_markdown

from .generate import generate
from .helpers import fresh


class Recorder:
    def __init__(self):
        self.total = None
        self.n = 0
        self.calls = 0

    def update(self, n=1):
        self.n += n
        self.calls += 1


def test_import_and_exports_count_to_their_totals(tmp_path):
    f = tmp_path / "l.md"
    f.write_text(generate(9000, seed=5), encoding="utf-8")  # > 2 progress steps per pass
    engine = fresh(tmp_path, "p.sqlite")
    rec = Recorder()
    import_markdown(engine, f, progress=rec)
    assert rec.total == rec.n > 3 * 9000  # validation, planning, writing of every row
    assert rec.calls > 3
    for exporter in (bibtex, markdown):
        rec = Recorder()
        with engine.connect() as c:
            exporter.write(c, io.StringIO(), progress=rec)
        assert rec.n >= 9000 and (rec.total is None or rec.total == rec.n)


def test_no_bar_off_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    bar = terminal_bar("import")
    assert isinstance(bar, NoProgress)
    bar.update(5)
    bar.close()
    assert sys.stderr.getvalue() == ""
