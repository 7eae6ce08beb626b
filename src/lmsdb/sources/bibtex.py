"""Read a ``.bib`` file into raw entries, with the line each entry and field came from.

bibtexparser (v2) splits the file; this module turns its failed blocks (unbalanced braces,
duplicate keys, duplicate fields) into :class:`SourceError` naming the file and line, and
resolves ``crossref`` within the file (DBLP's "standard" export puts the booktitle in a
referenced ``@proceedings`` entry). Validation of field contents happens in
:mod:`lmsdb.domain.records`, as for the markdown source.
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
    """One entry as written: lower-cased field names, values without enclosing braces."""

    line: int  # 1-based line of the ``@type{key,``
    key: str
    entry_type: str  # lower-cased
    fields: dict[str, str]
    field_lines: dict[str, int] = field(default_factory=dict)


@dataclass
class ParsedBib:
    file: str
    entries: list[BibEntry]
    warnings: list[tuple[int, str]] = field(default_factory=list)  # (line, message)


# The month macros BibTeX's standard styles define; any other bare word is an @string.
_MONTHS = frozenset("jan feb mar apr may jun jul aug sep oct nov dec".split())
# A field assignment (``name = ``) in text outside any entry: an entry closed too early.
_STRAY_FIELD = re.compile(r"^\s*,?\s*[A-Za-z][\w-]*\s*=", re.S)


def _undefined_macros(lib: Any) -> list[tuple[int, str]]:
    """Fields whose value is a bare word that no ``@string`` defines (before resolution):
    bibtexparser keeps the word itself as the text, where BibTeX prints nothing."""
    defined = {s.key.lower() for s in lib.strings}
    out: list[tuple[int, str]] = []
    for e in lib.entries:
        for f in e.fields:
            raw = str(f.value).strip()
            if not raw or raw[0] in '{"' or raw.isdigit() or "#" in raw:
                continue
            if raw.lower() not in defined and raw.lower() not in _MONTHS:
                out.append((f.start_line + 1, f"{e.key}: field {f.key} is {raw!r}, an @string "
                            "macro that no @string defines: taken as the text itself"))
    return out


def _extra_brace(file: str, lib: Any) -> SourceError | None:
    """An entry closed by one '}' too many leaves its last fields outside it, as text."""
    from bibtexparser.model import Entry, ImplicitComment

    blocks = lib.blocks
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


def parse_text(text: str, file: str) -> ParsedBib:
    """Split BibTeX text into entries; the first malformed block raises :class:`SourceError`."""
    import bibtexparser
    from bibtexparser.middlewares.parsestack import default_parse_stack

    splitter_log = logging.getLogger("bibtexparser.splitter")
    level = splitter_log.level
    splitter_log.setLevel(logging.CRITICAL)  # its failures are reported as SourceError below
    try:
        lib = bibtexparser.parse_string(text, parse_stack=[])
    finally:
        splitter_log.setLevel(level)
    if lib.failed_blocks:
        first = min(lib.failed_blocks, key=lambda b: b.start_line)
        raise _failure(file, first)
    brace = _extra_brace(file, lib)
    if brace is not None:
        raise brace
    warnings = _undefined_macros(lib)
    for middleware in default_parse_stack():  # resolve @string macros, drop the braces
        lib = middleware.transform(lib)
    entries = [
        BibEntry(
            line=e.start_line + 1,
            key=e.key,
            entry_type=e.entry_type.lower(),
            fields={f.key.lower(): str(f.value) for f in e.fields},
            field_lines={f.key.lower(): f.start_line + 1 for f in e.fields},
        )
        for e in lib.entries
    ]
    seen: dict[str, int] = {}
    for e in entries:
        if not e.key.strip():
            raise SourceError(file, e.line, f"@{e.entry_type} entry without a citation key")
        # BibTeX compares keys without regard to case: Abc and abc are one key to it.
        first = seen.setdefault(e.key.lower(), e.line)
        if first != e.line:
            raise SourceError(file, e.line, f"duplicate entry key {e.key!r} (first used, in "
                              f"another case, at line {first}): BibTeX ignores case in keys")
    _resolve_crossrefs(entries)
    return ParsedBib(file, entries, warnings)


def _resolve_crossrefs(entries: list[BibEntry]) -> None:
    """Copy fields an entry lacks from the entry its ``crossref`` names, as BibTeX does."""
    by_key = {e.key.lower(): e for e in entries}
    for e in entries:
        ref = e.fields.get("crossref", "").strip().lower()
        parent = by_key.get(ref) if ref else None
        if parent is None or parent is e:
            continue
        for name, value in list(parent.fields.items()):
            if name == "title" and "booktitle" not in e.fields:
                e.fields["booktitle"] = value
                e.field_lines["booktitle"] = parent.field_lines.get(name, parent.line)
            elif name not in e.fields and name not in ("title", "key", "crossref"):
                e.fields[name] = value
                e.field_lines[name] = parent.field_lines.get(name, parent.line)


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
