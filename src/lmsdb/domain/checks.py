"""The checks both kinds of record share: years, URLs, titles, page ranges, and pydantic's
errors in the words of the list's (or the ``.bib`` file's) author.

:mod:`lmsdb.domain.records` (the rows of a list) and :mod:`lmsdb.domain.bibrecords` (the
entries of a ``.bib`` file) validate with the field types of :mod:`lmsdb.domain.fieldtypes`
and these helpers; ``lmsdb add``/``edit`` report with :func:`validation_message`. This module
does not import pydantic: the sources use it too, and ``export md`` reads cells with them.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any

from lmsdb.diagnostics import SourceError

MIN_YEAR = 1900


def max_year() -> int:
    """Papers may be dated up to next year (camera-ready versions of accepted papers)."""
    return _dt.date.today().year + 1


DIGITS = re.compile(r"[0-9]+")
YEAR_DIGITS = 9  # more digits than this cannot be a year (and int() refuses 4,300 and up)

# Characters no title may hold: C0 and C1 controls but the tab, and the line and paragraph
# separators (markdown does not end a line there; a title holding one is a broken paste).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


class RowError(SourceError):
    """An error confined to one row: ``--lenient`` skips the row with a warning instead."""


def year_cell(text: str) -> str | int:
    """A year cell as an int when it is plain ASCII digits; otherwise the text as written,
    which pydantic then rejects as "not a number" (its lax mode would take "2_023" or "+2023"
    or "2023.0"). A run of more than :data:`YEAR_DIGITS` digits stays text too:
    :func:`validation_message` reports it as out of range without converting it."""
    return int(text) if len(text) <= YEAR_DIGITS and DIGITS.fullmatch(text) else text


def shorten(value: object, limit: int = 60) -> str:
    """``repr(value)``, cut in the middle when long: a 1 MB cell must not flood a message.

    >>> shorten("x" * 100, 20)
    "'xxxxxxx…xxxxxxx' (100 characters)"
    """
    text = repr(value)
    if len(text) <= limit:
        return text
    half = (limit - 4) // 2
    n = len(value) if isinstance(value, str) else len(text)
    return f"{text[:half]}…{text[-half:]} ({n} characters)"


_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")


def squeeze(text: str) -> str:
    """Collapse runs of ASCII whitespace (cheap when there are none). A non-breaking space
    is a character the author chose, not layout: it is kept."""
    if "  " in text or "\t" in text or "\n" in text:
        return _ASCII_SPACE.sub(" ", text).strip(" ")
    return text


_DASHES = re.compile(r"\s*(?:-+|\u2013|\u2014)\s*")


def normalise_pages(value: str) -> str:
    """Page ranges with one ASCII hyphen, however the source dashed them.

    >>> normalise_pages("559--578"), normalise_pages("12 – 34"), normalise_pages("20")
    ('559-578', '12-34', '20')
    """
    return _DASHES.sub("-", " ".join(value.split()))


def validation_message(first: Any) -> str:
    """A pydantic error (the first of ``ValidationError.errors()``) in the words of the
    list's author; ``lmsdb add``/``edit`` use the same words as an import."""
    name = str(first["loc"][0]) if first["loc"] else ""
    value = first.get("input")
    kind = first["type"]
    if kind in ("int_parsing", "int_type"):
        if isinstance(value, str) and DIGITS.fullmatch(value):
            return f"{name} of {len(value)} digits is outside {MIN_YEAR}..{max_year()}"
        return f"{name} {shorten(value)} is not a number"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"{name} {value} is outside {MIN_YEAR}..{max_year()}"
    if kind == "string_pattern_mismatch":
        broken = any(c.isspace() for c in str(value))
        return f"URL {shorten(value)} " + ("contains whitespace" if broken else "is not http(s)")
    if kind == "string_too_short":
        return f"the {name} is empty"
    return f"{name}: {first['msg']}"
