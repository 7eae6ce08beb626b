"""lmsdb: a curated list of research papers, kept as a real database.

The Python API (docs/api.md): ``lmsdb.open(url_or_path)`` returns a
:class:`~lmsdb.api.Database` with ``import_list``, ``merge_bib``, ``export_bib``,
``export_md``, ``sql``, ``search``, ``stats``, ``show``, ``enrich``, ``rekey`` and
``migrate``; errors are :class:`LmsdbError` and its subclasses.

The names below are loaded when first used, so that ``import lmsdb`` (which the ``lmsdb``
command does before anything else) stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lmsdb.api import Database, DatabaseError, LmsdbWarning, open
    from lmsdb.diagnostics import LmsdbError, SourceError, UsageError

__version__ = "0.1.0"
__all__ = ["Database", "DatabaseError", "LmsdbError", "LmsdbWarning", "SourceError",
           "UsageError", "open"]

_FROM = {"Database": "api.database", "open": "api.database",
         "DatabaseError": "api.errors", "LmsdbWarning": "api.errors",
         "LmsdbError": "diagnostics", "SourceError": "diagnostics", "UsageError": "diagnostics"}


def __getattr__(name: str) -> Any:
    if name not in _FROM:
        raise AttributeError(f"module 'lmsdb' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"lmsdb.{_FROM[name]}"), name)
