"""Print rows as an aligned table, CSV, TSV, JSON (an array of objects) or JSON lines.

JSON is compact, one object per line (``[\n{"year":2022,"papers":1},\n...\n]``), which is
both what ``sqlite3 -json`` prints and what lets ``lmsdb.query.fastjson`` have SQLite write large
results with identical text.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from typing import Any, TextIO

FORMATS = ("table", "csv", "tsv", "json", "jsonl")


def _text(v: Any) -> str:
    """A cell as text: NULL empty, bytes in hex, an array (PostgreSQL) or a JSON value
    as JSON (``["Training", "Inference"]``), anything else as ``str`` gives it."""
    if v is None:
        return ""
    if isinstance(v, bytes):
        return v.hex()
    if isinstance(v, list | dict):
        return json.dumps(v, ensure_ascii=False, default=_json_default)
    return str(v)


def _json_default(v: Any) -> Any:
    """What JSON has no type for: bytes as hex, anything else (a Decimal, a date) as text.
    Called by the C encoder only for such values, so the common row costs no Python call
    per value."""
    if isinstance(v, bytes):
        return v.hex()
    return str(v)


# Compact separators, one object per line: what SQLite's json_object writes, so that
# lmsdb.query.fastjson can let SQLite format large results and print the very same text.
_ROW = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
                        default=_json_default).encode


def _lines(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    cols = list(columns)
    return [_ROW(dict(zip(cols, r, strict=False))) for r in rows]


def _json(out: TextIO, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """An array of objects, one object per line (as ``sqlite3 -json`` prints it)."""
    out.write("[\n" + ",\n".join(_lines(columns, rows)) + "\n]\n" if rows else "[]\n")


def _jsonl(out: TextIO, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """One object per line."""
    out.write("".join([line + "\n" for line in _lines(columns, rows)]))


def write_rows(out: TextIO, columns: Sequence[str], rows: Sequence[Sequence[Any]],
               fmt: str = "table", *, headers: bool = True, width: int | None = None) -> None:
    """Write ``rows`` under ``columns`` in format ``fmt`` (one of :data:`FORMATS`).

    ``width``: the terminal's width, for a table; the widest text columns are then narrowed
    until a line fits, their longer cells cut with an ellipsis. None (output that is not a
    terminal) never cuts anything."""
    if fmt in ("csv", "tsv"):
        w = csv.writer(out, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
        if headers:
            w.writerow(columns)
        w.writerows([[_text(v) for v in r] for r in rows])
    elif fmt == "json":
        _json(out, columns, rows)
    elif fmt == "jsonl":
        _jsonl(out, columns, rows)
    elif fmt == "table":
        _table(out, columns, rows, headers, width)
    else:
        raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


ELLIPSIS = "…"
MIN_CUT = 8  # a text column is never narrowed below this (or its natural width)


def fit(widths: list[int], fixed: list[bool], width: int) -> list[int]:
    """Column widths whose table line (two spaces between columns) fits in ``width``,
    taking from the widest columns that are not ``fixed`` first.

    >>> fit([10, 80, 40], [False, False, False], 60)
    [10, 23, 23]
    """
    out = list(widths)
    excess = sum(out) + 2 * (len(out) - 1) - width
    while excess > 0:
        cut = [i for i, w in enumerate(out) if not fixed[i] and w > MIN_CUT]
        if not cut:
            break
        top = max(out[i] for i in cut)
        widest = [i for i in cut if out[i] == top]
        second = max([out[i] for i in cut if out[i] < top] + [MIN_CUT])
        # Lower the widest columns together, at most to the next width down.
        step = min(top - second, -(-excess // len(widest)))
        for i in widest:
            if excess <= 0:
                break
            take = min(step, excess)
            out[i] -= take
            excess -= take
    return out


def _cut(v: str, w: int) -> str:
    return v if len(v) <= w else v[: max(w - 1, 0)] + ELLIPSIS


def _table(out: TextIO, columns: Sequence[str], rows: Sequence[Sequence[Any]],
           headers: bool, width: int | None = None) -> None:
    cells = [[" ".join(_text(v).split()) for v in r] for r in rows]
    widths = [len(c) for c in columns] if headers else [0] * len(columns)
    for r in cells:
        for i, v in enumerate(r):
            widths[i] = max(widths[i], len(v))
    numeric = [bool(rows) and all(isinstance(r[i], int | float) or r[i] is None for r in rows)
               for i in range(len(columns))]
    if width is not None:
        widths = fit(widths, numeric, width)

    def line(vals: Sequence[str]) -> str:
        parts = [_cut(v, w).rjust(w) if num else _cut(v, w).ljust(w)
                 for v, w, num in zip(vals, widths, numeric, strict=False)]
        return "  ".join(parts).rstrip() + "\n"

    if headers:
        out.write(line(list(columns)))
        out.write("  ".join("-" * w for w in widths) + "\n")
    for r in cells:
        out.write(line(r))
