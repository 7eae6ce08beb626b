"""Validated records: the one boundary where input is checked (pydantic models).

A source (markdown today, BibTeX later) yields raw rows; :func:`from_markdown` turns them into
records or raises :class:`SourceError` naming the file, line and column of the bad cell.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field, replace
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError
from pydantic.dataclasses import dataclass as pydantic_dataclass

from lmsdb.diagnostics import Diagnostics, SourceError
from lmsdb.domain import identifiers
from lmsdb.domain.latex import html_to_plain
from lmsdb.progress import STEP, Progress
from lmsdb.sources.bibtex import BibEntry, ParsedBib
from lmsdb.sources.markdown import (
    FrameworkRow,
    PaperRow,
    ParsedList,
    column_of,
    framework_links,
    parse_link,
    span_anchor,
)

MIN_YEAR = 1900


def max_year() -> int:
    """Papers may be dated up to next year (camera-ready versions of accepted papers)."""
    return _dt.date.today().year + 1


# The checks are constraints that pydantic-core evaluates itself (no Python validator is
# called per row): a list of 100,000 papers validates in a fraction of a second.
# Strict: a year cell is turned into an int only when it is plain digits (_year_cell);
# pydantic's lax mode would otherwise read "2_023", "+2023" or "2023.0" as 2023.
Year = Annotated[int, Field(ge=MIN_YEAR, le=max_year(), strict=True)]
OptionalYear = Annotated[int | None, Field(ge=MIN_YEAR, le=max_year(), strict=True)]
WebUrl = Annotated[str, StringConstraints(pattern=r"^https?://\S+$")]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]


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


_DIGITS = re.compile(r"[0-9]+")


YEAR_DIGITS = 9  # more digits than this cannot be a year (and int() refuses 4,300 and up)


def _year_cell(text: str) -> str | int:
    """A year cell as an int when it is plain ASCII digits; otherwise the text as written,
    which pydantic then rejects as "not a number" (its lax mode would take "2_023" or "+2023"
    or "2023.0"). A run of more than :data:`YEAR_DIGITS` digits stays text too: :func:`_message`
    reports it as out of range without converting it."""
    return int(text) if len(text) <= YEAR_DIGITS and _DIGITS.fullmatch(text) else text


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


def _clean_url(url: str | None) -> str | None:
    return (identifiers.clean_url(url) or None) if url else None


_ASCII_SPACE = re.compile(r"[ \t\n\r\f\v]+")


def _squeeze(text: str) -> str:
    """Collapse runs of ASCII whitespace (cheap when there are none). A non-breaking space
    is a character the author chose, not layout: it is kept."""
    if "  " in text or "\t" in text or "\n" in text:
        return _ASCII_SPACE.sub(" ", text).strip(" ")
    return text


# Characters no title may hold: C0 and C1 controls but the tab, and the line and paragraph
# separators (markdown does not end a line there; a title holding one is a broken paste).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


class RowError(SourceError):
    """An error confined to one row: ``--lenient`` skips the row with a warning instead."""


def _control_character(file: str, line: int, text: str) -> SourceError | None:
    """An error at the first control character of a table row, if it has one."""
    m = _CONTROL.search(text)
    if m is None:
        return None
    return SourceError(file, line, f"control character U+{ord(m.group()):04X} in the row "
                       "(a title or cell cannot hold one)", m.start() + 1)


def _link_problem(cell: str) -> str | None:
    """Why a title cell that tries to be a link ``[title](URL)`` is not one (None if fine or
    if it is plain text). A cell is a link attempt if it starts with ``[`` and holds ``](``
    or ``://``, or holds ``](`` anywhere."""
    attempt = "](" in cell or (cell.startswith("[") and "://" in cell)
    if not attempt:
        return None
    if not cell.startswith("["):
        return "text before the link's '['"
    if "](" not in cell:
        return "the '[' of the link is never closed by '](URL)'"
    if not cell.endswith(")"):
        return "the link's '(' is never closed by ')' (or text follows it)"
    url = cell[cell.rfind("](") + 2 : -1].strip()
    if any(c.isspace() for c in url):
        return f"the URL {shorten(url)} contains whitespace"
    return "not a well-formed [title](URL) link"


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
    col = None
    if column is not None and column in row.cells_index:
        col = column_of(row.text, row.cells_index[column])
    return SourceError(file, row.line, message, col)


def _message(first: Any) -> str:
    """A pydantic error in the words of the list's author."""
    name = str(first["loc"][0]) if first["loc"] else ""
    value = first.get("input")
    kind = first["type"]
    if kind in ("int_parsing", "int_type"):
        if isinstance(value, str) and _DIGITS.fullmatch(value):
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


#: For other callers of the checks (``lmsdb add``/``edit``): the same words as an import.
validation_message = _message


def _validation_error(file: str, row: PaperRow | FrameworkRow, err: ValidationError,
                      columns: dict[str, str]) -> SourceError:
    first = err.errors(include_url=False)[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    return _fail(file, row, columns.get(name), _message(first))


def _check_title(file: str, row: PaperRow, title: str, url: str | None) -> None:
    """A title cell must be plain text or one well-formed link, and hold visible text."""
    if url is None:
        problem = _link_problem(row.title_cell)
        if problem is not None:
            err = _fail(file, row, "title", f"title cell is not a well-formed link: {problem}")
            raise RowError(file, row.line, err.diagnostic.message, err.diagnostic.column)
    if not html_to_plain(title).strip():
        raise _fail(file, row, "title", f"the title {shorten(title)} is empty once its HTML "
                    "is removed")


def _paper(file: str, row: PaperRow, position: int, known: set[str], lenient: bool,
           diags: Diagnostics) -> PaperRecord:
    bad = _control_character(file, row.line, row.text)
    if bad is not None:
        raise bad
    title, url = parse_link(row.title_cell)
    if title:
        _check_title(file, row, title, url)
    links = framework_links(row.framework_cell) if row.framework_cell else []
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
            year=_year_cell(row.year),  # type: ignore[arg-type]
            venue=row.venue or None,
            title=_squeeze(title),
            url=_clean_url(url),
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
    bad = _control_character(file, row.line, row.text)
    if bad is not None:
        raise bad
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
            year=_year_cell(row.year) or None,  # type: ignore[arg-type]
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
        # The whole line served to point errors at a column; the rows are kept (to name the
        # rows `export md` rewrites) but a 100,000-row list need not be held twice.
        row.text = ""
    return ListRecords(file, parsed.title, parsed.intro, list(parsed.categories), papers,
                       frameworks, diags, parsed.extra, parsed.layout, skipped,
                       {r.line: r for r in parsed.papers},
                       {r.line: r for r in parsed.frameworks})


def _skip(diags: Diagnostics, err: SourceError) -> None:
    """--lenient: a row's error is a warning naming its line (the row is not kept)."""
    d = err.diagnostic
    diags.warn_not_kept(d.file, d.line, f"{d.message}: row skipped (--lenient)", d.column)


# ----------------------------------------------------------------------------- BibTeX


class Person(BaseModel):
    """An author as ``family`` (with any "von" and ", Jr." parts) and ``given`` names."""

    model_config = ConfigDict(frozen=True)

    family: str
    given: str | None = None


class BibRecord(BaseModel):
    """One ``.bib`` entry, decoded from LaTeX to plain Unicode and checked."""

    model_config = ConfigDict(frozen=True, str_strip_whitespace=True)

    line: int
    key: str
    entry_type: str
    title: str
    year: Year
    authors: tuple[Person, ...] = ()
    venue: str | None = None  # booktitle or journal, plain text; None for a preprint
    doi: str | None = None
    arxiv_id: str | None = None
    url: WebUrl | None = None
    pages: str | None = None
    publisher: str | None = None
    volume: str | None = None
    number: str | None = None
    primary_class: str | None = None




# Entry types that hold a volume of papers rather than a paper (DBLP's crossref targets).
BIB_CONTAINER_TYPES = frozenset({"proceedings", "mvproceedings", "periodical", "collection"})
# "journal" values that mean "a preprint on arXiv", as DBLP and Google Scholar write them.
_PREPRINT_JOURNALS = frozenset({"corr", "arxiv", "arxiv.org", "arxiv e-prints", "e-print arxiv"})
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_ARXIV_DOI = re.compile(r"^10\.48550/arxiv\.(.+)$", re.I)
_ARXIV_BARE = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$",
                         re.I)
_CORR_VOLUME = re.compile(r"^abs/(.+)$")
_DBLP_HOMONYM = re.compile(r"\s+\d{4}$")  # DBLP tells namesakes apart: "Hao Zhang 0001"
_DASHES = re.compile(r"\s*(?:-+|\u2013|\u2014)\s*")


def normalise_doi(value: str) -> str | None:
    """A DOI without resolver prefix; ``None`` for an empty value or ACM's placeholders.

    >>> normalise_doi("https://doi.org/10.1145/3458817.3476205")
    '10.1145/3458817.3476205'
    """
    d = _DOI_PREFIX.sub("", value.strip())
    if not d.startswith("10.") or d.startswith("10.5555/"):
        return None
    return d


def normalise_pages(value: str) -> str:
    """Page ranges with one ASCII hyphen, however the source dashed them.

    >>> normalise_pages("559--578"), normalise_pages("12 – 34"), normalise_pages("20")
    ('559-578', '12-34', '20')
    """
    return _DASHES.sub("-", " ".join(value.split()))


def split_authors(raw: str) -> tuple[Person, ...]:
    """``A and B`` in any BibTeX name form, decoded to plain Unicode; ``others`` dropped."""
    from bibtexparser.middlewares.names import (
        parse_single_name_into_parts,
        split_multiple_persons_names,
    )

    from lmsdb.domain.latex import latex_to_plain

    people: list[Person] = []
    seen: dict[str, Person] = {}  # a name written twice is split once
    for name in split_multiple_persons_names(" ".join(raw.split())):
        name = _DBLP_HOMONYM.sub("", name.strip())
        if not name or name.lower() == "others":
            continue
        if name in seen:
            people.append(seen[name])
            continue
        parts = parse_single_name_into_parts(name)
        family = latex_to_plain(" ".join(parts.von + parts.last)).strip()
        if parts.jr:
            family += ", " + latex_to_plain(" ".join(parts.jr)).strip()
        given = latex_to_plain(" ".join(parts.first)).strip() or None
        seen[name] = Person(family=family, given=given)
        people.append(seen[name])
    return tuple(people)


def _bib_arxiv_id(f: dict[str, str], doi: str | None) -> str | None:
    """arXiv id from ``eprint``, DBLP's CoRR ``volume = {abs/...}``, an arXiv DOI, or the URL."""
    prefix = (f.get("archiveprefix") or f.get("eprinttype") or "").lower()
    eprint = f.get("eprint", "").strip()
    if eprint and prefix in ("", "arxiv"):
        m = _ARXIV_BARE.match(eprint)
        if m:
            return m.group(1)
    if f.get("journal", "").strip().lower() == "corr":
        m = _CORR_VOLUME.match(f.get("volume", "").strip())
        if m and _ARXIV_BARE.match(m.group(1)):
            return _ARXIV_BARE.match(m.group(1)).group(1)  # type: ignore[union-attr]
    if doi:
        m = _ARXIV_DOI.match(doi)
        if m and _ARXIV_BARE.match(m.group(1)):
            return _ARXIV_BARE.match(m.group(1)).group(1)  # type: ignore[union-attr]
    url = f.get("url", "")
    return identifiers.arxiv_id(url) if url else None


def _authors(file: str, entry: BibEntry) -> tuple[Person, ...]:
    """The entry's authors; a name BibTeX cannot split (``a, b, c, d``) is a SourceError."""
    from bibtexparser.middlewares.names import InvalidNameError

    raw = entry.fields.get("author", "")
    if not raw.strip():
        return ()
    try:
        return split_authors(raw)
    except InvalidNameError:
        raise SourceError(file, entry.field_lines.get("author", entry.line),
                          f"{entry.key}: author {shorten(raw)} holds a name with more than "
                          "two commas, which BibTeX cannot split") from None


_BIB_FIELD_SOURCE = {"title": "title", "year": "year", "url": "url", "authors": "author"}


def from_bib_entry(file: str, entry: BibEntry) -> BibRecord:
    """Validate one entry; a missing or bad field raises :class:`SourceError` at its line."""
    from lmsdb.domain.latex import latex_to_plain

    f = entry.fields

    def plain(name: str) -> str | None:
        v = f.get(name)
        return " ".join(latex_to_plain(v).split()) or None if v is not None else None

    for required in ("title", "year"):
        if not f.get(required, "").strip():
            raise SourceError(file, entry.line, f"@{entry.entry_type}{{{entry.key}: missing "
                              f"field {required!r}")
    year_text = f["year"].strip()
    if not _DIGITS.fullmatch(year_text):
        raise SourceError(file, entry.field_lines.get("year", entry.line),
                          f"{entry.key}: year {shorten(year_text)} is not a number")
    if len(year_text) > YEAR_DIGITS:
        raise SourceError(file, entry.field_lines.get("year", entry.line),
                          f"{entry.key}: year of {len(year_text)} digits is outside "
                          f"{MIN_YEAR}..{max_year()}")
    doi = normalise_doi(f.get("doi", "")) or identifiers.doi(f.get("url", "") or "x")
    venue = plain("journal") if entry.entry_type == "article" else plain("booktitle")
    if venue and venue.lower() in _PREPRINT_JOURNALS:
        venue = None
    arxiv = _bib_arxiv_id(f, doi)
    is_corr = f.get("journal", "").strip().lower() == "corr"
    try:
        return BibRecord(
            line=entry.line,
            key=entry.key,
            entry_type=entry.entry_type,
            title=_squeeze(plain("title") or ""),
            year=int(year_text),
            authors=_authors(file, entry),
            venue=venue,
            doi=doi,
            arxiv_id=arxiv,
            url=_clean_url(f.get("url")),
            pages=normalise_pages(f["pages"]) if f.get("pages", "").strip() else None,
            publisher=plain("publisher"),
            volume=None if is_corr else plain("volume"),
            number=plain("number"),
            primary_class=plain("primaryclass"),
        )
    except ValidationError as e:
        first = e.errors(include_url=False)[0]
        name = str(first["loc"][0]) if first["loc"] else ""
        src = _BIB_FIELD_SOURCE.get(name, name)
        raise SourceError(file, entry.field_lines.get(src, entry.line),
                          f"{entry.key}: {_message(first)}") from None


# TeX primitives and macros that read or write files, run programs or redefine TeX: a .bib
# field holding one would act when LaTeX reads the exported .bbl. lmsdb writes accents and
# formatting commands only; these are never taken from a .bib.
_DANGEROUS_TEX = re.compile(
    r"\\(input|include|InputIfFileExists|write|openout|openin|read|closeout|closein|"
    r"immediate|def|edef|gdef|xdef|let|futurelet|catcode|csname|expandafter|special|"
    r"newcommand|renewcommand|providecommand|DeclareRobustCommand|makeatletter|usepackage|"
    r"RequirePackage|documentclass|endinput|newwrite|newread|jobname|directlua|"
    r"ShellEscape|pdfshellescape|everypar|everyjob|output|afterassignment|uppercase|"
    r"lowercase|scantokens|outer|global|loop|end|dump|batchmode|errmessage|message)"
    r"(?![A-Za-z])"
)
# The fields with a syntax, checked on the way in; a bad value is left out with a warning.
_PAGES = re.compile(r"[\w.:+]+(?:-[\w.:+]+)?(?:, ?[\w.:+]+(?:-[\w.:+]+)?)*", re.A)
_DOI = re.compile(r"10\.\d{4,9}/[\x21-\x7e]+")
_VOLUME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.\-/() ]{0,39}")
_URL_BAD = re.compile(r"[\s\\{}]")
# TeX escapes of characters a URL or DOI may hold, as DBLP writes them (paper\_files).
_URL_ESCAPE = re.compile(r"\\[_%&#$~]")


def _syntax_problem(name: str, value: str) -> str | None:
    """Why a pages/doi/url/volume value is not one (None if it is)."""
    v = value.strip()
    if not v:
        return None
    if name in ("doi", "url"):
        v = _URL_ESCAPE.sub("", v)
    if name == "pages" and not _PAGES.fullmatch(normalise_pages(v)):
        return "is not a page or page range"
    if name == "doi":
        d = _DOI_PREFIX.sub("", v)
        if not _DOI.fullmatch(d) or "\\" in d or "{" in d or "}" in d:
            return "is not a DOI (10.NNNN/...)"
    if name == "url" and _URL_BAD.search(v):
        return "is not a URL (it holds whitespace, a backslash or a brace)"
    if name == "volume" and not v.lower().startswith("abs/") and not _VOLUME.fullmatch(v):
        return "is not a volume"
    return None


def screen_entry(file: str, entry: BibEntry, diags: Diagnostics) -> bool:
    """Drop, with a warning naming its line, every field of ``entry`` that holds a dangerous
    TeX command or breaks its syntax. Returns False if the entry must be skipped (its title
    holds such a command)."""
    for name, value in list(entry.fields.items()):
        line = entry.field_lines.get(name, entry.line)
        m = _DANGEROUS_TEX.search(value)
        c = _CONTROL.search(value)
        if m is not None or c is not None:
            what = (f"the TeX command \\{m.group(1)}, which lmsdb never takes from a .bib"
                    if m is not None else f"the control character U+{ord(c.group()):04X}")
            if name == "title":
                diags.warn(file, line, f"{entry.key}: the title holds {what}: entry skipped")
                return False
            diags.warn(file, line, f"{entry.key}: field {name} holds {what}: field left out")
            del entry.fields[name]
            continue
        problem = _syntax_problem(name, value)
        if problem is not None:
            diags.warn(file, line, f"{entry.key}: {name} {shorten(value)} {problem}: field "
                       "left out")
            del entry.fields[name]
    return True


def from_bibtex(parsed: ParsedBib, diags: Diagnostics) -> list[BibRecord]:
    """Validate every entry of a parsed ``.bib``; container entries are skipped with a note,
    fields that are unsafe or malformed are left out with a warning (:func:`screen_entry`)."""
    out: list[BibRecord] = []
    for line, message in parsed.warnings:
        diags.warn(parsed.file, line, message)
    for entry in parsed.entries:
        if entry.entry_type in BIB_CONTAINER_TYPES:
            diags.note(parsed.file, entry.line, f"@{entry.entry_type}{{{entry.key}}} is a "
                       "volume, not a paper: used only through crossref")
            continue
        if screen_entry(parsed.file, entry, diags):
            out.append(from_bib_entry(parsed.file, entry))
    return out
