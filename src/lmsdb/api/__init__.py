"""lmsdb as a library: open a database, import a list, merge a ``.bib``, export, query.

The ``lmsdb`` command is a thin layer over this module: each command parses its
arguments, calls one method of :class:`Database` (or the function that method calls) and
prints what it returns. The methods never print or exit: failures are exceptions,
subclasses of :class:`~lmsdb.diagnostics.LmsdbError` (``exit_code`` is what the
command-line tool exits with), and warnings about the database itself are
:class:`LmsdbWarning`.

>>> import pathlib, tempfile
>>> import lmsdb
>>> tmp = pathlib.Path(tempfile.mkdtemp())
>>> _ = (tmp / "list.md").write_text('''# Papers on training
...
... ## Papers
...
... ### Training
...
... | Year | Publisher | Title | Framework |
... |:----:|:---------:|:------|:---------:|
... | 2022 | OSDI | [Alpa: Auto Parallelism](https://arxiv.org/abs/2201.12023) | [Alpa](#alpa) |
... | 2020 | SC | [ZeRO: Memory Optimizations](https://arxiv.org/abs/1910.02054) |  |
...
... ## Frameworks
...
... | Year | Name | Training | Inference | Serving | Comments |
... |:----:|:----:|:--------:|:---------:|:-------:|:---------|
... | 2022 | <span id="alpa"></span>[Alpa](https://github.com/alpa-projects/alpa) | ✔ | ✔ | ✔ | |
... ''', encoding="utf-8")
>>> with lmsdb.open(tmp / "papers.sqlite") as db:
...     report = db.import_list(tmp / "list.md")
...     print(report.summary())
...     print(db.sql("select citation_key, year from papers order by year").rows)
papers: added 2, updated 0, unchanged 0, reordered 0, not in the list 0
frameworks: added 1, updated 0
categories: added Training
[('zero2020', 2020), ('alpa2022', 2022)]

A :class:`Database` can be opened again; exports return text, or write to a file object:

>>> db = lmsdb.open(tmp / "papers.sqlite")
>>> print(db.export_bib(venues="OSDI"))
@inproceedings{alpa2022,
  title = {Alpa: Auto Parallelism},
  booktitle = {{USENIX} Symposium on Operating Systems Design and Implementation},
  year = {2022},
  url = {https://arxiv.org/abs/2201.12023}
}
<BLANKLINE>
>>> [row[:4] for row in db.search("parallel*").rows]
[('alpa2022', 2022, 'OSDI', 'Alpa: Auto [Parallelism]')]
>>> db.stats().as_json()["per_year"]
[{'year': 2020, 'papers': 1}, {'year': 2022, 'papers': 1}]
>>> db.sql("delete from papers")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
lmsdb.query.adhoc.QueryError: refused: a statement that changes papers in a read-only query; ...
>>> db.export_bib(venues="Nowhere")
Traceback (most recent call last):
...
lmsdb.exporters.bibtex.UnknownName: no venue named 'Nowhere'; the database has: OSDI, SC
>>> db.close()
>>> import shutil; shutil.rmtree(tmp)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lmsdb.api.database import Database, database_exists, open
    from lmsdb.api.errors import DatabaseError, LmsdbWarning, database_error

__all__ = ["Database", "DatabaseError", "LmsdbWarning", "database_error", "database_exists",
           "open"]

# Loaded when first used: the command imports lmsdb.api.errors for every command, and the
# Database (SQLAlchemy and the rest behind it) only for the commands that open one.
_FROM = {"Database": "database", "database_exists": "database", "open": "database",
         "DatabaseError": "errors", "LmsdbWarning": "errors", "database_error": "errors"}


def __getattr__(name: str) -> Any:
    if name not in _FROM:
        raise AttributeError(f"module 'lmsdb.api' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"lmsdb.api.{_FROM[name]}"), name)
