"""Read a ``.bib`` file into entries, with the line each entry and field came from.

bibtexparser (v2) splits the file and runs lmsdb's steps in its own pipeline
(:mod:`lmsdb.sources.bibsteps`: ``@string`` macros, ``crossref``, unsafe or malformed fields,
LaTeX decoding, the authors' names); this module turns its failed blocks (unbalanced braces,
duplicate keys, duplicate fields) into :class:`SourceError` naming the file and line, and
gives each entry as a :class:`BibEntry`. Validation of the entries happens in
:mod:`lmsdb.domain.bibrecords`, as for the markdown source.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lmsdb.diagnostics import SourceError


@dataclass(slots=True)
class BibEntry:
    """One entry as read: lower-cased field names, values as written without enclosing
    braces (the fields :class:`~lmsdb.sources.bibsteps.ScreenFields` left out are gone),
    and what the pipeline made of them."""

    line: int  # 1-based line of the ``@type{key,``
    key: str
    entry_type: str  # lower-cased
    fields: dict[str, str]
    field_lines: dict[str, int] = field(default_factory=dict)
    plain: dict[str, str | None] = field(default_factory=dict)  # TEXT_FIELDS decoded
    # (family, given) of each author; None: a name BibTeX cannot split (more than 2 commas)
    authors: tuple[tuple[str, str | None], ...] | None = ()
    screened: list[tuple[int, str]] = field(default_factory=list)  # (line, warning)
    skip: bool = False  # the title holds an unsafe command: the entry is left out


@dataclass
class ParsedBib:
    file: str
    entries: list[BibEntry]
    warnings: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


# A field assignment (``name = ``) in text outside any entry: an entry closed too early.
_STRAY_FIELD = re.compile(r"^\s*,?\s*[A-Za-z][\w-]*\s*=", re.S)


def _extra_brace(file: str, lib: Any) -> SourceError | None:
    """An entry closed by one '}' too many leaves its last fields outside it, as text."""
    from bibtexparser.model import Entry, ImplicitComment, MiddlewareErrorBlock

    blocks = [b.ignore_error_block if isinstance(b, MiddlewareErrorBlock) else b
              for b in lib.blocks]
    for before, block in zip(blocks, blocks[1:], strict=False):
        if isinstance(block, ImplicitComment) and isinstance(before, Entry) and \
                _STRAY_FIELD.match(block.raw or ""):
            line = before.start_line + 1 + (before.raw or "").rstrip().count("\n")
            return SourceError(file, line, f"@{before.entry_type}{{{before.key}: an extra '}}' "
                               "ends the entry on this line; the fields after it are outside "
                               "any entry")
    return None


def unclosed_brace_line(raw: str, start_line: int) -> int | None:
    """The 1-based line of the innermost ``{`` left open in ``raw`` (BibTeX counts every brace).

    >>> unclosed_brace_line("@a{k,\\n t = {x,\\n y = {2}\\n", 1)
    2
    >>> unclosed_brace_line("@a{k, t = {x}}", 1) is None
    True
    """
    opened: list[int] = []
    line = start_line
    for ch in raw:
        if ch == "\n":
            line += 1
        elif ch == "{":
            opened.append(line)
        elif ch == "}" and opened:
            opened.pop()
    return opened[-1] if opened else None


def _failure(file: str, block: object) -> SourceError:
    from bibtexparser.model import DuplicateBlockKeyBlock, DuplicateFieldKeyBlock

    start = getattr(block, "start_line", 0) + 1
    raw: str = getattr(block, "raw", "") or ""
    head = raw.split(",", 1)[0].strip()[:60]
    if isinstance(block, DuplicateBlockKeyBlock):
        first = block.previous_block.start_line + 1
        return SourceError(file, start, f"duplicate entry key {block.key!r} (first used at line "
                           f"{first}): keys must be unique in a .bib file")
    if isinstance(block, DuplicateFieldKeyBlock):
        dups = ", ".join(sorted(block.duplicate_keys))
        return SourceError(file, start, f"{head}: field {dups} given twice")
    line = unclosed_brace_line(raw, start)
    reason = getattr(getattr(block, "error", None), "abort_reason", "") or "syntax error"
    if line is not None:
        return SourceError(file, line, f"{head}: unbalanced braces (a '{{' opened on this line "
                           f"is never closed; {reason.strip()})")
    return SourceError(file, start, f"{head}: cannot parse the entry ({reason.strip()})")


# bibtexparser's loggers: their messages are reported as SourceError or warnings instead.
_QUIET = ("bibtexparser.splitter", "bibtexparser.middlewares.fieldkeys")


def parse_text(text: str, file: str) -> ParsedBib:
    """Split BibTeX text into entries; the first malformed block raises :class:`SourceError`."""
    import bibtexparser  # imported on first need: a list import does not read .bib files
    from bibtexparser.model import Entry, MiddlewareErrorBlock

    from lmsdb.sources import bibsteps

    loggers = [logging.getLogger(name) for name in _QUIET]
    levels = [log.level for log in loggers]
    for log in loggers:
        log.setLevel(logging.CRITICAL)
    try:
        lib = bibtexparser.parse_string(text, parse_stack=bibsteps.parse_stack())
    finally:
        for log, level in zip(loggers, levels, strict=True):
            log.setLevel(level)
    failed = [b for b in lib.failed_blocks if not isinstance(b, MiddlewareErrorBlock)]
    if failed:
        raise _failure(file, min(failed, key=lambda b: b.start_line))
    brace = _extra_brace(file, lib)
    if brace is not None:
        raise brace
    entries = [_entry(b) for b in lib.blocks if isinstance(b, MiddlewareErrorBlock | Entry)]
    seen: dict[str, int] = {}
    for e in entries:
        if not e.key.strip():
            raise SourceError(file, e.line, f"@{e.entry_type} entry without a citation key")
        # BibTeX compares keys without regard to case: Abc and abc are one key to it.
        first = seen.setdefault(e.key.lower(), e.line)
        if first != e.line:
            raise SourceError(file, e.line, f"duplicate entry key {e.key!r} (first used, in "
                              f"another case, at line {first}): BibTeX ignores case in keys")
    warnings = [w for b in lib.blocks
                for w in _entry_block(b).get_parser_metadata(bibsteps.META_UNDEFINED) or ()]
    return ParsedBib(file, entries, warnings)


def _entry_block(block: Any) -> Any:
    """The entry of a block (a name error leaves it wrapped in a MiddlewareErrorBlock)."""
    inner = getattr(block, "ignore_error_block", None)
    return block if inner is None else inner


def _entry(block: Any) -> BibEntry:
    """A :class:`BibEntry` of a parsed entry, or of one whose authors could not be split."""
    from lmsdb.sources import bibsteps

    e = _entry_block(block)
    meta = e.parser_metadata
    failed = e is not block
    fields = {f.key: str(f.value) for f in e.fields}
    if "author" in fields:
        fields["author"] = meta[bibsteps.META_AUTHOR_RAW]
    return BibEntry(
        line=e.start_line + 1,
        key=e.key,
        entry_type=e.entry_type.lower(),
        fields=fields,
        field_lines={f.key: f.start_line + 1 for f in e.fields},
        plain=meta.get(bibsteps.META_PLAIN, {}),
        authors=None if failed else meta.get(bibsteps.META_AUTHORS, ()),
        screened=meta.get(bibsteps.META_SCREENED, []),
        skip=bool(meta.get(bibsteps.META_SKIP)),
    )


def parse_file(path: str | Path) -> ParsedBib:
    """Read and split a ``.bib`` file; a file that is not UTF-8 is a :class:`SourceError`."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise SourceError(str(path), None, "no such file") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise SourceError(str(path), line, f"not UTF-8 text ({e.reason})") from None
    return parse_text(text, str(path))
