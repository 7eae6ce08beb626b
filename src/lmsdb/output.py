"""Print rows as an aligned table, CSV, TSV, JSON (an array of objects) or JSON lines."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import Any, TextIO

FORMATS = ("table", "csv", "tsv", "json", "jsonl")


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bytes):
        return v.hex()
    return str(v)


def _jsonable(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, str | int | float | bool) or v is None:
        return v
    return str(v)


def write_rows(out: TextIO, columns: Sequence[str], rows: Sequence[Sequence[Any]],
               fmt: str = "table", *, headers: bool = True) -> None:
    """Write ``rows`` under ``columns`` in format ``fmt`` (one of :data:`FORMATS`)."""
    if fmt in ("csv", "tsv"):
        w = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        if headers:
            w.writerow(columns)
        w.writerows([[_text(v) for v in r] for r in rows])
    elif fmt == "json":
        json.dump([{c: _jsonable(v) for c, v in zip(columns, r, strict=False)} for r in rows],
                  out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "jsonl":
        for r in rows:
            out.write(json.dumps({c: _jsonable(v) for c, v in zip(columns, r, strict=False)},
                                 ensure_ascii=False) + "\n")
    elif fmt == "table":
        _table(out, columns, rows, headers)
    else:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


def _table(out: TextIO, columns: Sequence[str], rows: Sequence[Sequence[Any]],
           headers: bool) -> None:
    cells = [[" ".join(_text(v).split()) for v in r] for r in rows]
    widths = [len(c) for c in columns] if headers else [0] * len(columns)
    for r in cells:
        for i, v in enumerate(r):
            widths[i] = max(widths[i], len(v))
    numeric = [bool(rows) and all(isinstance(r[i], int | float) or r[i] is None for r in rows)
               for i in range(len(columns))]

    def line(vals: Sequence[str]) -> str:
        parts = [v.rjust(w) if num else v.ljust(w)
                 for v, w, num in zip(vals, widths, numeric, strict=False)]
        return "  ".join(parts).rstrip() + "\n"

    if headers:
        out.write(line(list(columns)))
        out.write("  ".join("-" * w for w in widths) + "\n")
    for r in cells:
        out.write(line(r))
