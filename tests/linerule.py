"""The line rule of issue 9: every line where the regenerated list differs from the imported
one, cell padding aside, is a line that the import named in a note or a warning."""

from __future__ import annotations

import difflib
import re

from lmsdb.diagnostics import Diagnostics
from lmsdb.sources.markdown_rows import is_separator, split_cells

_DASHES = re.compile(r"-+")


def unpadded(line: str) -> str:
    """A line with its table cells stripped (and alignment rows reduced to their kind)."""
    if "|" not in line:
        return line
    cells = split_cells(line)
    if is_separator(cells):
        cells = [_DASHES.sub("-", c) for c in cells]
    return " | ".join(cells)


def unnamed_differences(source: str, exported: str, diags: Diagnostics) -> list[str]:
    """The differing lines no diagnostic names: ``-N: text`` for a source line N changed
    or dropped, ``+: text`` for a line the export adds."""
    named = {d.line for d in diags.items}
    src = [unpadded(x) for x in source.removeprefix("\ufeff").splitlines()]
    out = [unpadded(x) for x in exported.splitlines()]
    # Of two identical rows, the diff may drop either; the import names the second. And a
    # named row may move (written into its section's first table).
    twins = {src[n - 1] for n in named if n is not None and 0 < n <= len(src)}
    bad: list[str] = []
    matcher = difflib.SequenceMatcher(None, src, out, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        bad += [f"-{i + 1}: {src[i]}" for i in range(i1, i2)
                if i + 1 not in named and src[i] not in twins]
        if tag == "insert" or (tag == "replace" and i2 - i1 < j2 - j1):
            # A line the export adds: only a named row that moved (its text is the same).
            bad += [f"+: {out[j]}" for j in range(j1 + (i2 - i1), j2) if out[j] not in twins]
    return bad
