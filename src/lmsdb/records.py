"""Validated records: the one boundary where input is checked (pydantic models).

A source (markdown today, BibTeX later) yields raw rows; :func:`from_markdown` turns them into
records or raises :class:`SourceError` naming the file, line and column of the bad cell.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from lmsdb import identifiers
from lmsdb.diagnostics import Diagnostics, SourceError
from lmsdb.progress import STEP, Progress
from lmsdb.sources.markdown import (
    FrameworkRow,
    PaperRow,
    ParsedList,
    column_of,
    framework_anchors,
    parse_link,
    span_anchor,
)

MIN_YEAR = 1900


def max_year() -> int:
    """Papers may be dated up to next year (camera-ready versions of accepted papers)."""
    return _dt.date.today().year + 1


# The checks are constraints that pydantic-core evaluates itself (no Python validator is
# called per row): a list of 100,000 papers validates in a fraction of a second.
Year = Annotated[int, Field(ge=MIN_YEAR, le=max_year())]
OptionalYear = Annotated[int | None, Field(ge=MIN_YEAR, le=max_year())]
WebUrl = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


class PaperRecord(BaseModel):
    """One row of a paper table."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    line: int
    category: str
    position: int
    year: Year
    venue: str | None
    title: NonEmpty
    url: WebUrl | None
    frameworks: tuple[str, ...] = ()


class FrameworkRecord(BaseModel):
    """One row of the Frameworks table."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    line: int
    slug: NonEmpty
    name: NonEmpty
    url: WebUrl | None
    year: OptionalYear
    training: bool
    inference: bool
    serving: bool
    comments: str | None


def _clean_url(url: str | None) -> str | None:
    return (identifiers.clean_url(url) or None) if url else None


def _squeeze(text: str) -> str:
    """Collapse runs of whitespace (cheap when there are none)."""
    return " ".join(text.split()) if "  " in text or "\t" in text or "\n" in text else text


@dataclass
class ListRecords:
    """A whole list, validated."""

    file: str
    title: str | None
    intro: str
    categories: list[str]
    papers: list[PaperRecord]
    frameworks: list[FrameworkRecord]
    diagnostics: Diagnostics = field(default_factory=Diagnostics)


# Which table column a record field came from, to point error messages at the cell.
_PAPER_FIELD_COLUMN = {"year": "year", "venue": "venue", "title": "title", "url": "title",
                       "frameworks": "framework"}
_FRAMEWORK_FIELD_COLUMN = {"year": "year", "name": "name", "slug": "name", "url": "name",
                           "training": "training", "inference": "inference",
                           "serving": "serving", "comments": "comments"}

_TRUE = frozenset({"✔", "✔️", "✓", "✅", "yes", "y", "true", "x", "☑"})
_FALSE = frozenset({"", "✗", "✘", "❌", "✖", "no", "n", "false", "-", "—"})


def _fail(file: str, row: PaperRow | FrameworkRow, column: str | None, message: str) -> SourceError:
    col = None
    if column is not None and column in row.cells_index:
        col = column_of(row.text, row.cells_index[column])
    return SourceError(file, row.line, message, col)


def _validation_error(file: str, row: PaperRow | FrameworkRow, err: ValidationError,
                      columns: dict[str, str]) -> SourceError:
    first = err.errors(include_url=False)[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    value = first.get("input")
    kind = first["type"]
    if kind == "int_parsing":
        msg = f"{name} {value!r} is not a number"
    elif kind in ("greater_than_equal", "less_than_equal"):
        msg = f"{name} {value} is outside {MIN_YEAR}..{max_year()}"
    elif kind == "string_pattern_mismatch":
        broken = any(c.isspace() for c in str(value))
        msg = f"URL {value!r} " + ("contains whitespace" if broken else "is not http(s)")
    elif kind == "string_too_short":
        msg = f"the {name} is empty"
    else:
        msg = f"{name}: {first['msg']}"
    return _fail(file, row, columns.get(name), msg)


def _paper(file: str, row: PaperRow, position: int, known: set[str], lenient: bool,
           diags: Diagnostics) -> PaperRecord:
    title, url = parse_link(row.title_cell)
    anchors = framework_anchors(row.framework_cell)
    if row.framework_cell and not anchors:
        diags.warn(file, row.line, f"framework cell {row.framework_cell!r} has no #anchor link: "
                   "no framework linked")
    missing = [a for a in anchors if a not in known]
    if missing:
        if not lenient:
            raise _fail(file, row, "framework",
                        f"framework link #{missing[0]} matches no <span id=...> in the Frameworks "
                        "table (use --lenient to import the paper without it)")
        diags.warn(file, row.line, f"framework link #{missing[0]} matches no framework: "
                   "imported without it (--lenient)")
        anchors = [a for a in anchors if a in known]
    try:
        return PaperRecord(
            line=row.line,
            category=row.category,
            position=position,
            year=row.year,  # type: ignore[arg-type]
            venue=row.venue or None,
            title=_squeeze(title),
            url=_clean_url(url),
            frameworks=tuple(dict.fromkeys(anchors)),
        )
    except ValidationError as e:
        raise _validation_error(file, row, e, _PAPER_FIELD_COLUMN) from None


def _flag(file: str, row: FrameworkRow, column: str, value: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise _fail(file, row, column, f"{column} cell {value!r} is not ✔ or ✗")


def _framework(file: str, row: FrameworkRow) -> FrameworkRecord:
    slug, rest = span_anchor(row.name_cell)
    if slug is None:
        raise _fail(file, row, "name", "framework name has no <span id=\"...\"> anchor")
    name, url = parse_link(rest)
    try:
        return FrameworkRecord(
            line=row.line,
            slug=slug,
            name=name,
            url=_clean_url(url),
            year=row.year or None,  # type: ignore[arg-type]
            training=_flag(file, row, "training", row.training),
            inference=_flag(file, row, "inference", row.inference),
            serving=_flag(file, row, "serving", row.serving),
            comments=" ".join(row.comments.split()) or None,
        )
    except ValidationError as e:
        raise _validation_error(file, row, e, _FRAMEWORK_FIELD_COLUMN) from None


def from_markdown(parsed: ParsedList, diags: Diagnostics, *, lenient: bool = False,
                  progress: Progress | None = None) -> ListRecords:
    """Validate every row of a scanned list; the first bad cell raises :class:`SourceError`."""
    file = parsed.file
    frameworks: list[FrameworkRecord] = []
    seen: dict[str, FrameworkRecord] = {}
    for row in parsed.frameworks:
        rec = _framework(file, row)
        first = seen.get(rec.slug)
        if first is None:
            seen[rec.slug] = rec
            frameworks.append(rec)
        elif first.model_dump(exclude={"line"}) != rec.model_dump(exclude={"line"}):
            diags.warn(file, rec.line, f"framework #{rec.slug} is defined again, differently, "
                       f"at line {first.line}: the first definition (line {first.line}) is kept")
    known = set(seen)
    papers: list[PaperRecord] = []
    positions: dict[str, int] = {}
    for k, row in enumerate(parsed.papers, 1):
        pos = positions.get(row.category, 0)
        positions[row.category] = pos + 1
        papers.append(_paper(file, row, pos, known, lenient, diags))
        if progress is not None and k % STEP == 0:
            progress.update(STEP)
    if progress is not None:
        progress.update(len(parsed.papers) % STEP)
    return ListRecords(file, parsed.title, parsed.intro, list(parsed.categories), papers,
                       frameworks, diags)
