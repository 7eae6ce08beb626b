"""Validated list records: the one boundary where a list's rows are checked (pydantic).

The markdown source (:mod:`lmsdb.sources.markdown`) yields rows of parsed cells;
:func:`from_markdown` turns them into records or raises :class:`SourceError` naming the
file, line and column of the bad cell. The checks shared with ``.bib`` entries are in
:mod:`lmsdb.domain.checks`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import ConfigDict, ValidationError
from pydantic.dataclasses import dataclass as pydantic_dataclass

from lmsdb.diagnostics import Diagnostics, SourceError
from lmsdb.domain.checks import (
    RowError,
    shorten,
    squeeze,
    validation_message,
    year_cell,
)
from lmsdb.domain.fieldtypes import NonEmpty, OptionalYear, WebUrl, Year, clean_url
from lmsdb.domain.html import html_to_plain
from lmsdb.progress import STEP, Progress
from lmsdb.sources.markdown import ParsedList
from lmsdb.sources.markdown_rows import FrameworkRow, PaperRow

# Records of list rows are pydantic dataclasses with slots rather than BaseModel
# subclasses: the same validation by pydantic-core, but a quarter of the memory per
# instance (a BaseModel carries a __dict__ and a set of fields set), which keeps a
# 100,000-row import under 400 MB.
_RECORD = ConfigDict(str_strip_whitespace=True)


@pydantic_dataclass(frozen=True, slots=True, config=_RECORD)
class PaperRecord:
    """One row of a paper table."""

    line: int
    category: str
    position: int
    year: Year
    venue: str | None
    title: NonEmpty
    url: WebUrl | None
    frameworks: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()  # each framework link's text as written, by frameworks
    extra: tuple[str, ...] = ()  # cells of columns lmsdb does not know, as written


@pydantic_dataclass(frozen=True, slots=True, config=_RECORD)
class FrameworkRecord:
    """One row of the Frameworks table."""

    line: int
    slug: NonEmpty
    name: NonEmpty
    url: WebUrl | None
    year: OptionalYear
    training: bool
    inference: bool
    serving: bool
    comments: str | None
    extra: tuple[str, ...] = ()


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
    extra: str = ""  # the list's other "## " sections, as written
    layout: list[dict[str, Any]] = field(default_factory=list)  # see ParsedList.layout
    skipped: int = 0  # rows skipped with a warning (--lenient)
    # The rows as written, by line, to say where the regenerated list will differ.
    rows: dict[int, PaperRow] = field(default_factory=dict)
    framework_rows: dict[int, FrameworkRow] = field(default_factory=dict)


# Which table column a record field came from, to point error messages at the cell.
_PAPER_FIELD_COLUMN = {"year": "year", "venue": "venue", "title": "title", "url": "title",
                       "frameworks": "framework"}
_FRAMEWORK_FIELD_COLUMN = {"year": "year", "name": "name", "slug": "name", "url": "name",
                           "training": "training", "inference": "inference",
                           "serving": "serving", "comments": "comments"}

_TRUE = frozenset({"✔", "✔️", "✓", "✅", "yes", "y", "true", "x", "☑"})
_FALSE = frozenset({"", "✗", "✘", "❌", "✖", "no", "n", "false", "-", "—"})


def _fail(file: str, row: PaperRow | FrameworkRow, column: str | None, message: str) -> SourceError:
    return SourceError(file, row.line, message, row.column(column))


def _validation_error(file: str, row: PaperRow | FrameworkRow, err: ValidationError,
                      columns: dict[str, str]) -> SourceError:
    first = err.errors(include_url=False)[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    return _fail(file, row, columns.get(name), validation_message(first))


def _control_character(file: str, row: PaperRow | FrameworkRow) -> SourceError | None:
    """An error at the first control character of a table row, if it has one."""
    at = row.control_at
    if at < 0:
        return None
    return SourceError(file, row.line, f"control character U+{ord(row.text[at]):04X} in the "
                       "row (a title or cell cannot hold one)", at + 1)


def _check_title(file: str, row: PaperRow) -> None:
    """A title cell must be plain text or one well-formed link, and hold visible text."""
    if row.link_problem is not None:
        err = _fail(file, row, "title", "title cell is not a well-formed link: "
                    + row.link_problem)
        raise RowError(file, row.line, err.diagnostic.message, err.diagnostic.column)
    if not html_to_plain(row.title).strip():
        raise _fail(file, row, "title", f"the title {shorten(row.title)} is empty once its HTML "
                    "is removed")


def _paper(file: str, row: PaperRow, position: int, known: set[str], lenient: bool,
           diags: Diagnostics) -> PaperRecord:
    bad = _control_character(file, row)
    if bad is not None:
        raise bad
    if row.title:
        _check_title(file, row)
    links = row.links
    if row.framework_cell and not links:
        diags.warn(file, row.line, f"framework cell {shorten(row.framework_cell)} has no "
                   "#anchor link: no framework linked")
    missing = [a for _, a in links if a not in known]
    if missing:
        if not lenient:
            raise _fail(file, row, "framework",
                        f"framework link #{missing[0]} matches no <span id=...> in the Frameworks "
                        "table (use --lenient to import the paper without it)")
        diags.warn(file, row.line, f"framework link #{missing[0]} matches no framework: "
                   "imported without it (--lenient)")
        links = [(t, a) for t, a in links if a in known]
    first: dict[str, str] = {}
    for text, anchor in links:
        first.setdefault(anchor, text)
    try:
        return PaperRecord(
            line=row.line,
            category=row.category,
            position=position,
            year=year_cell(row.year),  # type: ignore[arg-type]
            venue=row.venue or None,
            title=squeeze(row.title),
            url=clean_url(row.url),
            frameworks=tuple(first),
            labels=tuple(first.values()),
            extra=row.extra,
        )
    except ValidationError as e:
        raise _validation_error(file, row, e, _PAPER_FIELD_COLUMN) from None


def _flag(file: str, row: FrameworkRow, column: str, value: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise _fail(file, row, column, f"{column} cell {shorten(value)} is not ✔ or ✗")


def _framework(file: str, row: FrameworkRow) -> FrameworkRecord:
    bad = _control_character(file, row)
    if bad is not None:
        raise bad
    if row.slug is None:
        raise _fail(file, row, "name", "framework name has no <span id=\"...\"> anchor")
    try:
        return FrameworkRecord(
            line=row.line,
            slug=row.slug,
            name=row.name,
            url=clean_url(row.url),
            year=year_cell(row.year) or None,  # type: ignore[arg-type]
            training=_flag(file, row, "training", row.training),
            inference=_flag(file, row, "inference", row.inference),
            serving=_flag(file, row, "serving", row.serving),
            comments=" ".join(row.comments.split()) or None,
            extra=row.extra,
        )
    except ValidationError as e:
        raise _validation_error(file, row, e, _FRAMEWORK_FIELD_COLUMN) from None


def from_markdown(parsed: ParsedList, diags: Diagnostics, *, lenient: bool = False,
                  progress: Progress | None = None) -> ListRecords:
    """Validate every row of a scanned list; the first bad cell raises :class:`SourceError`
    (with ``lenient``, a bad row is a warning naming its line, and is skipped)."""
    file = parsed.file
    skipped = parsed.skipped
    frameworks: list[FrameworkRecord] = []
    seen: dict[str, FrameworkRecord] = {}
    for row in parsed.frameworks:
        try:
            rec = _framework(file, row)
        except SourceError as e:
            if not lenient:
                raise
            _skip(diags, e)
            skipped += 1
            continue
        first = seen.get(rec.slug)
        if first is None:
            seen[rec.slug] = rec
            frameworks.append(rec)
        elif replace(first, line=0) != replace(rec, line=0):
            diags.warn(file, rec.line, f"framework #{rec.slug} was already defined at line "
                       f"{first.line}, differently: the definition at line {first.line} is kept")
        else:
            diags.note(file, rec.line, f"framework #{rec.slug} was already defined at line "
                       f"{first.line}, identically: the regenerated list writes it once")
    known = set(seen)
    papers: list[PaperRecord] = []
    positions: dict[str, int] = {}
    for k, row in enumerate(parsed.papers, 1):
        pos = positions.get(row.category, 0)
        try:
            papers.append(_paper(file, row, pos, known, lenient, diags))
        except SourceError as e:
            if not lenient:
                raise
            _skip(diags, e)
            skipped += 1
        else:
            positions[row.category] = pos + 1
        if progress is not None and k % STEP == 0:
            progress.update(STEP)
    if progress is not None:
        progress.update(len(parsed.papers) % STEP)
    for row in parsed.papers:
        # The whole line served to point errors at a column, and the cells read to build the
        # records; the rows are kept (to name the rows `export md` rewrites) but a
        # 100,000-row list need not be held twice.
        row.text, row.title, row.url, row.links = "", "", None, ()
    return ListRecords(file, parsed.title, parsed.intro, list(parsed.categories), papers,
                       frameworks, diags, parsed.extra, parsed.layout, skipped,
                       {r.line: r for r in parsed.papers},
                       {r.line: r for r in parsed.frameworks})


def _skip(diags: Diagnostics, err: SourceError) -> None:
    """--lenient: a row's error is a warning naming its line (the row is not kept)."""
    d = err.diagnostic
    diags.warn_not_kept(d.file, d.line, f"{d.message}: row skipped (--lenient)", d.column)


