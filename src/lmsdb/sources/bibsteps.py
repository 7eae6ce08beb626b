"""lmsdb's steps in bibtexparser's parse pipeline: what a ``.bib`` entry needs after the split.

Each step is a bibtexparser middleware (:class:`~bibtexparser.middlewares.BlockMiddleware` or
:class:`~bibtexparser.middlewares.LibraryMiddleware`), run by ``bibtexparser.parse_string``
in the order of :func:`parse_stack`:

1. :class:`UndefinedStrings` notes each field that is a bare word no ``@string`` defines
   (it must see the values before bibtexparser resolves the macros);
2. bibtexparser's own steps resolve ``@string`` macros, drop the enclosing braces and
   lower-case the field names;
3. :class:`ResolveCrossrefs` copies the fields an entry lacks from the entry its ``crossref``
   names, as BibTeX does (DBLP's "standard" export puts the booktitle in an ``@proceedings``);
4. :class:`ScreenFields` leaves out every field that holds a dangerous TeX command, a control
   character or a malformed page range, DOI, URL or volume (with a warning);
5. :class:`DecodeLatex` gives the plain Unicode of the text fields;
6. the names: the author field as one line (:class:`SqueezeAuthors`), split at ``and``
   (bibtexparser's ``SeparateCoAuthors``), DBLP's homonym numbers ("Hao Zhang 0001") and
   ``others`` dropped (:class:`DropDblpHomonyms`), each name split into its parts (bibtexparser's
   ``SplitNameParts``) and decoded to (family, given) (:class:`PlainNames`).

The steps keep what they find in each entry's parser metadata (the ``META_*`` keys), so
that :mod:`lmsdb.domain.bibrecords` reports it entry by entry, in the file's order.
"""

from __future__ import annotations

import re
from typing import Any

from bibtexparser import Library
from bibtexparser.middlewares import (
    BlockMiddleware,
    LibraryMiddleware,
    NormalizeFieldKeys,
    SeparateCoAuthors,
    SplitNameParts,
    default_parse_stack,
)
from bibtexparser.model import Entry, Field

from lmsdb.domain import identifiers
from lmsdb.domain.checks import CONTROL, normalise_pages, shorten
from lmsdb.domain.latex_plain import latex_to_plain

META_UNDEFINED = "lmsdb_undefined_strings"  # [(line, message)]
META_SCREENED = "lmsdb_screened"  # [(line, message)] fields left out
META_SKIP = "lmsdb_skip"  # True: the entry is skipped (its title is unsafe)
META_PLAIN = "lmsdb_plain"  # {field: plain text} for the TEXT_FIELDS present
META_AUTHOR_RAW = "lmsdb_author_raw"  # the author field as written
META_AUTHORS = "lmsdb_authors"  # ((family, given or None), ...)

# Entry types that hold a volume of papers rather than a paper (DBLP's crossref targets).
CONTAINER_TYPES = frozenset({"proceedings", "mvproceedings", "periodical", "collection"})
# The fields read as text, decoded from LaTeX.
TEXT_FIELDS = ("title", "journal", "booktitle", "publisher", "volume", "number", "primaryclass")
_AUTHOR = ("author",)

# The month macros BibTeX's standard styles define; any other bare word is an @string.
_MONTHS = frozenset("jan feb mar apr may jun jul aug sep oct nov dec".split())


def _line(f: Field) -> int:
    return f.start_line + 1


class UndefinedStrings(LibraryMiddleware):
    """Fields whose value is a bare word that no ``@string`` defines (before resolution):
    bibtexparser keeps the word itself as the text, where BibTeX prints nothing."""

    def transform(self, library: Library) -> Library:
        defined = {s.key.lower() for s in library.strings}
        for e in library.entries:
            found: list[tuple[int, str]] = []
            for f in e.fields:
                raw = str(f.value).strip()
                if not raw or raw[0] in '{"' or raw.isdigit() or "#" in raw:
                    continue
                if raw.lower() not in defined and raw.lower() not in _MONTHS:
                    found.append((_line(f), f"{e.key}: field {f.key} is {raw!r}, an @string "
                                  "macro that no @string defines: taken as the text itself"))
            if found:
                e.set_parser_metadata(META_UNDEFINED, found)
        return library


class ResolveCrossrefs(LibraryMiddleware):
    """Copy the fields an entry lacks from the entry its ``crossref`` names, as BibTeX does:
    the parent's ``title`` becomes the ``booktitle``; a copied field keeps the parent's line."""

    def transform(self, library: Library) -> Library:
        entries = library.entries
        by_key = {e.key.lower(): e for e in entries}
        for e in entries:
            own = e.fields_dict
            ref = own.get("crossref")
            target = str(ref.value).strip().lower() if ref is not None else ""
            parent = by_key.get(target) if target else None
            if parent is None or parent is e:
                continue
            for f in parent.fields:
                if f.key == "title" and "booktitle" not in own:
                    own["booktitle"] = Field("booktitle", f.value, f.start_line)
                    e.fields.append(own["booktitle"])
                elif f.key not in own and f.key not in ("title", "key", "crossref"):
                    own[f.key] = Field(f.key, f.value, f.start_line)
                    e.fields.append(own[f.key])
        return library


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


def syntax_problem(name: str, value: str) -> str | None:
    """Why a pages/doi/url/volume value is not one (None if it is)."""
    v = value.strip()
    if not v:
        return None
    if name in ("doi", "url"):
        v = _URL_ESCAPE.sub("", v)
    if name == "pages" and not _PAGES.fullmatch(normalise_pages(v)):
        return "is not a page or page range"
    if name == "doi":
        d = identifiers.strip_doi_resolver(v)
        if not _DOI.fullmatch(d) or "\\" in d or "{" in d or "}" in d:
            return "is not a DOI (10.NNNN/...)"
    if name == "url" and _URL_BAD.search(v):
        return "is not a URL (it holds whitespace, a backslash or a brace)"
    if name == "volume" and not v.lower().startswith("abs/") and not _VOLUME.fullmatch(v):
        return "is not a volume"
    return None


class ScreenFields(BlockMiddleware):
    """Leave out, with a warning naming its line, every field of a paper entry that holds a
    dangerous TeX command or a control character, or breaks its syntax; an entry whose title
    holds such a command is marked skipped (volumes, :data:`CONTAINER_TYPES`, are not
    screened: they serve only through ``crossref``)."""

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        if entry.entry_type.lower() in CONTAINER_TYPES:
            return entry
        found: list[tuple[int, str]] = []
        for f in list(entry.fields):
            value, name = str(f.value), f.key
            m = _DANGEROUS_TEX.search(value)
            c = CONTROL.search(value)
            if m is not None or c is not None:
                what = (f"the TeX command \\{m.group(1)}, which lmsdb never takes from a .bib"
                        if m is not None else f"the control character U+{ord(c.group()):04X}")
                if name == "title":
                    found.append((_line(f), f"{entry.key}: the title holds {what}: entry "
                                  "skipped"))
                    entry.set_parser_metadata(META_SKIP, True)
                    break
                found.append((_line(f), f"{entry.key}: field {name} holds {what}: field left "
                              "out"))
                entry.fields.remove(f)
                continue
            problem = syntax_problem(name, value)
            if problem is not None:
                found.append((_line(f), f"{entry.key}: {name} {shorten(value)} {problem}: "
                              "field left out"))
                entry.fields.remove(f)
        if found:
            entry.set_parser_metadata(META_SCREENED, found)
        return entry


def plain_text(latex: str) -> str | None:
    """A text field's value as plain Unicode on one line (None if nothing is left)."""
    return " ".join(latex_to_plain(latex).split()) or None


class DecodeLatex(BlockMiddleware):
    """The plain Unicode of the entry's :data:`TEXT_FIELDS` (the values as written stay:
    the identifiers are read from them)."""

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        entry.set_parser_metadata(META_PLAIN, {f.key: plain_text(str(f.value))
                                               for f in entry.fields if f.key in TEXT_FIELDS})
        return entry


class SqueezeAuthors(BlockMiddleware):
    """The author field on one line, single-spaced (and as written, in the metadata)."""

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        f = entry.fields_dict.get("author")
        if f is not None:
            entry.set_parser_metadata(META_AUTHOR_RAW, str(f.value))
            f.value = " ".join(str(f.value).split())
        return entry


_DBLP_HOMONYM = re.compile(r"\s+\d{4}$")  # DBLP tells namesakes apart: "Hao Zhang 0001"


class DropDblpHomonyms(BlockMiddleware):
    """Names without DBLP's homonym number ("Hao Zhang 0001" is Hao Zhang); empty names and
    ``others`` dropped. Runs on the names ``SeparateCoAuthors`` split."""

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        f = entry.fields_dict.get("author")
        if f is not None and isinstance(f.value, list):
            names = (_DBLP_HOMONYM.sub("", n.strip()) for n in f.value)
            f.value = [n for n in names if n and n.lower() != "others"]
        return entry


class PlainNames(BlockMiddleware):
    """Each name's parts, decoded from LaTeX, as (family with any "von" and ", Jr.", given)."""

    def transform_entry(self, entry: Entry, library: Library) -> Entry:
        f = entry.fields_dict.get("author")
        people: list[tuple[str, str | None]] = []
        for parts in (f.value if f is not None else ()):
            family = latex_to_plain(" ".join(parts.von + parts.last)).strip()
            if parts.jr:
                family += ", " + latex_to_plain(" ".join(parts.jr)).strip()
            people.append((family, latex_to_plain(" ".join(parts.first)).strip() or None))
        entry.set_parser_metadata(META_AUTHORS, tuple(people))
        return entry


def name_steps() -> list[Any]:
    """The steps that read the author field into (family, given) pairs."""
    return [SqueezeAuthors(), SeparateCoAuthors(name_fields=_AUTHOR), DropDblpHomonyms(),
            SplitNameParts(name_fields=_AUTHOR), PlainNames()]


def split_names(raw: str) -> tuple[tuple[str, str | None], ...]:
    """(family, given) of each name of ``A and B`` (an author field, or a name a service
    gave), through :func:`name_steps`; a name BibTeX cannot split raises its
    ``InvalidNameError``.

    >>> split_names('Hao Zhang 0001 and M{\\\\"u}ller, Jr., J. and others')
    (('Zhang', 'Hao'), ('Müller, Jr.', 'J.'))
    """
    from bibtexparser.model import MiddlewareErrorBlock

    library = Library([Entry("misc", "names", [Field("author", raw)])])
    for step in name_steps():
        library = step.transform(library)
    block = library.blocks[0]
    if isinstance(block, MiddlewareErrorBlock):
        raise block.error
    return block.get_parser_metadata(META_AUTHORS)


def parse_stack() -> list[Any]:
    """The whole pipeline, in order (see the module's docstring)."""
    return [UndefinedStrings(), *default_parse_stack(), NormalizeFieldKeys(), ResolveCrossrefs(),
            ScreenFields(), DecodeLatex(), *name_steps()]
