r"""Inline HTML and markdown escapes in titles: the one place that strips them.

Titles in the curated lists are markdown table cells: plain text with the odd bit of inline
HTML (``H<sub>2</sub>O``), character entities (``Q&amp;A``) and markdown backslash escapes
(``C\_1``). :func:`html_to_plain` gives the text a reader sees; the search index
(:mod:`lmsdb.store.searchtext`), cite keys, title matching and the LaTeX conversions of
:mod:`lmsdb.domain.latex` all read titles through it (or through :func:`tags`).

>>> html_to_plain("H<sub>2</sub>O &amp; C\\_1")
'H2O & C_1'
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import lru_cache

__all__ = ["html_to_plain", "tags", "unescape_entities", "unescape_markdown"]

# Only names of real HTML elements are treated as tags, so that a literal
# "<" in a title ("x<y and z>w", "<5%") survives.
_HTML_ELEMENTS = (
    "a|abbr|acronym|b|bdi|bdo|big|blockquote|br|cite|code|del|dfn|div|em|font|"
    "h[1-6]|hr|i|img|ins|kbd|mark|math|mi|mn|mo|mrow|msub|msup|mtext|p|q|s|samp|"
    "small|span|strike|strong|sub|sup|time|tt|u|var|wbr"
)
# A comment is matched by its opening only; tags finds its end with str.find. Matching
# ``<!--.*?-->`` in the regex rescans to the end of the title from every unclosed ``<!--``:
# a 400 KB title of them never finished.
_TAG_RE = re.compile(
    r"<(?=[!/A-Za-z])(?:!--|(?P<close>/)?(?P<name>"
    + _HTML_ELEMENTS
    + r")(?=[\s/>])[^<>]*?(?P<selfclose>/)?>)",
    re.I | re.S,
)


def unescape_entities(text: str) -> str:
    """Decode the character entities of ``text`` (cheap when it has none)."""
    return html.unescape(text) if "&" in text else text


# Markdown's backslash escapes: a backslash before ASCII punctuation means that character.
_MD_ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescape_markdown(text: str) -> str:
    r"""Resolve markdown backslash escapes (titles come from markdown table cells).

    >>> unescape_markdown(r"\*not emphasis\* and C\_1")
    '*not emphasis* and C_1'
    """
    return _MD_ESCAPE_RE.sub(_escaped, text)


def _escaped(m: re.Match[str]) -> str:
    # A function, not the template r"\1": Python 3.11 expands a template per match in
    # Python, three times slower on a cell of a million backslashes.
    return m.group(1)


def tags(title: str) -> Iterator[re.Match[str] | _Comment]:
    """The HTML tags and comments of a title, left to right, in time linear in its length.

    A ``<!--`` with no ``-->`` after it is text (as the regex ``<!--.*?-->`` had it), and so
    is every later one: the search for an end is made at most once.
    """
    pos, unclosed = 0, False
    while (m := _TAG_RE.search(title, pos)) is not None:
        if m.group("name") is not None:
            yield m
            pos = m.end()
            continue
        end = -1 if unclosed else title.find("-->", m.end())
        if end == -1:
            unclosed = True
            pos = m.start() + 1
            continue
        yield _Comment(m.start(), end + 3)
        pos = end + 3


class _Comment:
    """An HTML comment, shaped like the tag matches of :func:`tags`."""

    __slots__ = ("_start", "_end")

    def __init__(self, start: int, end: int):
        self._start, self._end = start, end

    def start(self) -> int:
        return self._start

    def end(self) -> int:
        return self._end

    def group(self, _name: str) -> None:
        return None


@lru_cache(maxsize=1024)
def html_to_plain(title: str) -> str:
    """Drop inline HTML tags from a title and decode character entities.

    >>> html_to_plain("H<sub>2</sub>O")
    'H2O'
    >>> html_to_plain("<i>Q&amp;A</i> &lt;3")
    'Q&A <3'
    >>> html_to_plain("no markup")
    'no markup'
    """
    if "\\" in title:
        title = unescape_markdown(title)
    if "<" not in title and "&" not in title:
        return title
    if "<" not in title:
        return html.unescape(title)
    # Entities are decoded per text segment, exactly as lmsdb.domain.latex does, so
    # that both agree on (pathological) entities cut by a tag.
    out: list[str] = []
    pos = 0
    for m in tags(title):
        out.append(unescape_entities(title[pos : m.start()]))
        pos = m.end()
    out.append(unescape_entities(title[pos:]))
    return "".join(out)
