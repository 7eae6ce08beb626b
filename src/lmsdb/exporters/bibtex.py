"""Write the database as BibTeX, one DBLP-like entry per paper that passes a filter.

A library function, rows in and text out: it pauses no garbage collector and forks no
process unless its caller asks. ``workers=2`` (what the ``lmsdb`` command passes) formats
the second half of a large export in a forked child, with :mod:`lmsdb.cli.forkjoin`.

The work is split by job: :mod:`.selection` (which papers: filters, ``--keys``),
:mod:`.bibrows` (the rows, in four statements whatever the number of papers) and
:mod:`.bibentry` (one entry's text). Their names that callers use are importable from here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, TextIO

from sqlalchemy import Connection

from lmsdb.exporters.bibentry import PREPRINT_STYLES, entry, format_entry, with_ids
from lmsdb.exporters.bibrows import INDEX, BibRow, fetch, old_keys, rows
from lmsdb.exporters.selection import (
    Filter,
    UnknownName,
    aux_keys,
    closest_keys,
    parse_years,
    read_keys,
    resolve_aliases,
)
from lmsdb.progress import STEP, NoProgress, Progress

__all__ = ["PREPRINT_STYLES", "BibRow", "Filter", "UnknownName", "aux_keys", "closest_keys",
           "format_entry", "parse_years", "read_keys", "resolve_aliases", "rows", "write"]

_ID = INDEX["id"]


def write(conn: Connection, out: TextIO, *, unicode: bool = False,
          where: Filter | None = None, progress: Progress | None = None,
          preprint_style: str = "eprint", workers: int = 1) -> int:
    """Write every paper that passes ``where`` as a BibTeX entry; returns the count.

    ``workers=2`` formats the second half of a large export (20,000 entries or more) in a
    forked child process, on the second core; the text is the same either way.
    """
    progress = NoProgress() if progress is None else progress
    papers, by_paper, published = fetch(conn, where)
    ids = old_keys(conn)
    progress.total = len(papers)
    owner = os.getpid()  # only this process draws the progress bar, not a forked child
    reported = [0]

    def entries(part: Sequence[tuple[Any, ...]]) -> str:
        texts: list[str] = []
        report = os.getpid() == owner
        authors, link = by_paper.get, published.get
        for start in range(0, len(part), STEP):
            chunk = part[start:start + STEP]
            for r in chunk:
                pid = r[_ID]
                text = entry(r, authors(pid), link(pid), unicode, preprint_style)
                if pid in ids:
                    text = with_ids(text, ids[pid])
                texts.append(text)
            if report and len(chunk) == STEP:
                progress.update(STEP)
                reported[0] += STEP
        return "\n".join(texts)

    if workers > 1:
        from lmsdb.cli.forkjoin import two_way

        head, tail = two_way(entries, papers)
    else:
        head, tail = entries(papers), ""
    progress.update(len(papers) - reported[0])
    out.write(head)
    if head and tail:
        out.write("\n")
    out.write(tail)
    return len(papers)
