"""Citation keys: readable, deterministic, and stable once given.

Scheme (in the spirit of Better BibTeX): ``<family><year><word>`` when the first author is
known (``rajbhandari2020zero``), else ``<word><year>`` (``zero2020``), where ``<word>`` is the
first significant word of the title, ASCII-folded, lower-cased, punctuation removed
(``DeepSpeed-MoE:`` gives ``deepspeedmoe``). A clash gets a suffix a, b, ..., z, aa, ...
in title order (:func:`lmsdb.sync.identity.key_order`), not in the order of the list's rows, so that
reordering a list changes no key. Keys are stored: nothing recomputes a key that was given.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

from lmsdb.domain.html import html_to_plain

# Function words that make poor keys ("the2022" says nothing); as in Better BibTeX's
# shorttitle, they are skipped when they start a title.
STOPWORDS = frozenset(
    "a an the on of for in to with and or at by from via using towards toward is are "
    "how what when why do does can we our your its into over under".split()
)
_WORD = re.compile(r"[^\s:;,/.?!()\[\]{}\"'`]+")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """ASCII-fold and lower-case: ``Größe`` gives ``grosse``.

    >>> fold("Größe Ünder")
    'grosse under'
    """
    text = text.replace("ß", "ss").replace("ø", "o").replace("Ø", "O").replace("ł", "l")
    text = unicodedata.normalize("NFKD", text)
    return text.encode("ascii", "ignore").decode("ascii").lower()


def title_word(title: str) -> str:
    """The first significant word of a title, as it goes into a key.

    >>> title_word("The Stability-Efficiency Dilemma")
    'stabilityefficiency'
    >>> title_word("ZeRO: memory optimizations")
    'zero'
    """
    text = html_to_plain(title)
    text = text.lower() if text.isascii() else fold(text)
    first = ""
    for m in _WORD.finditer(text):  # lazily: most titles stop at the first word
        w = m.group()
        if not w.isalnum():
            w = _NON_ALNUM.sub("", w)
            if not w:
                continue
        if w not in STOPWORDS:
            return w
        first = first or w
    return first or "paper"


def base_key(title: str, year: int | None, family: str | None = None) -> str:
    """The key before any clash suffix.

    >>> base_key("ZeRO: memory optimizations", 2020)
    'zero2020'
    >>> base_key("ZeRO: memory optimizations", 2020, "Rajbhandari")
    'rajbhandari2020zero'
    """
    y = str(year) if year else ""
    word = title_word(title)
    if family:
        fam = _NON_ALNUM.sub("", fold(family)) or "anon"
        return f"{fam}{y}{word}"
    return f"{word}{y}"


def _suffixes() -> Iterable[str]:
    yield ""
    letters = "abcdefghijklmnopqrstuvwxyz"
    yield from letters
    for a in letters:
        for b in letters:
            yield a + b
    n = 0
    while True:  # beyond 702 clashes of one base key: numbers, never an exception
        n += 1
        yield f"n{n}"


class KeyAllocator:
    """Hands out unique keys given the keys already taken."""

    def __init__(self, taken: Iterable[str] = ()):
        self.taken = set(taken)
        # Per base key, the suffixes not yet tried: a base shared by thousands of papers
        # (large lists) resumes where it stopped instead of rescanning a, b, c, ...
        self._next: dict[str, Iterator[str]] = {}

    def allocate(self, base: str) -> str:
        suffixes = self._next.get(base)
        if suffixes is None:
            suffixes = self._next[base] = _suffixes()
        for suffix in suffixes:
            key = base + suffix
            if key not in self.taken:
                self.taken.add(key)
                return key
        raise AssertionError("unreachable")  # pragma: no cover
