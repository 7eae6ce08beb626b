"""The search text of a paper, computed once in Python and stored beside it.

Both engines index the same token stream, so that a search finds the same papers on SQLite
and PostgreSQL:

- :func:`tokens` folds accents (NFKD, combining marks dropped), removes inline HTML,
  case-folds, and splits on everything that is not a letter or a digit: ``LLM.int8``,
  ``0/1`` and ``10-100`` are two tokens each on both engines;
- the tokens are stored joined by single spaces (``papers.search_title`` and
  ``papers.search_authors``); SQLite's FTS5 index reads those columns with the ``porter``
  tokenizer, which stems them;
- :func:`stem` is the Porter stemmer as SQLite's FTS5 ``porter`` tokenizer implements it
  (Martin Porter's C version, with its ``bli``/``logi`` departures, on UTF-8 bytes, words
  under 3 or over 64 bytes left alone); :func:`tsvector` writes the stems with their
  positions as a PostgreSQL ``tsvector`` literal (``papers.search_vector``, left NULL on
  SQLite), which PostgreSQL indexes as it is, with no parser or dictionary in between.

A test compares :func:`stem` with the stems SQLite's index holds (``fts5vocab``) for every
word of the reference list and of generated lists.

>>> tokens("LLM.int8(): 8-bit Matrix Multiplication for 0/1 Adam, 10-100x Müller")
['llm', 'int8', '8', 'bit', 'matrix', 'multiplication', 'for', '0', '1', 'adam', '10', '100x', 'muller']
>>> [stem(w) for w in ("quantization", "quantize", "llms", "parallelism", "ds")]
['quantiz', 'quantiz', 'llm', 'parallel', 'ds']
"""  # noqa: E501

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from lmsdb.domain.html import html_to_plain

WORD = re.compile(r"[^\W_]+")  # a token: letters and digits (no underscore)
SEARCH_COLUMNS = ("search_title", "search_authors", "search_vector")

# Gap between the title's positions and the authors' in the tsvector, so that a phrase
# never runs from the end of the title into the first author (FTS5 columns never do).
AUTHORS_OFFSET = 10_000
_MAX_POSITION = 16_383  # PostgreSQL keeps positions up to this


# Latin letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans({"ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ł": "l", "Ł": "l",
                          "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "þ": "th", "Þ": "th",
                          "ð": "d", "Ð": "d", "ı": "i"})


def fold(text: str) -> str:
    """Accents off, case folded: ``Müller`` is ``muller``, ``Østergaard`` ``ostergaard``."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def tokens(text: str) -> list[str]:
    """The words of ``text`` (inline HTML removed) as both engines index them."""
    return WORD.findall(fold(html_to_plain(text) if "<" in text or "&" in text else text))


def normalise(text: str | None) -> str | None:
    """The tokens of ``text`` joined by spaces (``None`` for no text)."""
    if text is None:
        return None
    return " ".join(tokens(text))


def authors_text(names: Iterable[tuple[str | None, str]]) -> str | None:
    """``Given Family, ...`` for (given, family) pairs in order, normalised; None if none."""
    joined = ", ".join(f"{g} {f}" if g else f for g, f in names)
    return normalise(joined) if joined else None


def search_columns(title: str, authors: str | None, *, vector: bool = False
                   ) -> dict[str, str | None]:
    """The three stored search columns of a paper, from its title and ``authors_text``.
    ``search_vector`` serves only PostgreSQL's index: computed when ``vector`` (a
    PostgreSQL database), else NULL, which spares a SQLite import the stemming."""
    st = normalise(title) or ""
    return {"search_title": st, "search_authors": authors,
            "search_vector": tsvector(st, authors) if vector else None}


def stale_search_rows(papers: Iterable[Sequence[object]], names: Iterable[Sequence[object]],
                      *, vector: bool = False) -> list[tuple[object, ...]]:
    """(search_title, search_authors, search_vector, id) for each paper whose stored search
    text no longer matches its title and authors; ``papers`` are (id, title, search_title,
    search_authors) rows, ``names`` (paper_id, given, family) rows in author order."""
    people: dict[object, list[tuple[str | None, str]]] = {}
    for pid, given, family in names:
        people.setdefault(pid, []).append((given, family))  # type: ignore[arg-type]
    out = []
    for pid, title, old_title, old_authors in papers:
        cols = search_columns(str(title), authors_text(people.get(pid, ())), vector=vector)
        if (cols["search_title"], cols["search_authors"]) != (old_title, old_authors):
            out.append((*cols.values(), pid))
    return out


def refresh_cursor(cur: Any, placeholder: str) -> int:
    """Recompute the stored search text of every paper whose title or authors changed
    behind lmsdb's back (``lmsdb sql --write``, another tool), with a DB-API cursor;
    ``placeholder`` is its driver's (``?`` sqlite3, ``%s`` psycopg, which means PostgreSQL
    and so the stems too). Returns the number of papers updated."""
    cur.execute("SELECT pa.paper_id, a.given, a.family FROM paper_authors pa "
                "JOIN authors a ON a.id = pa.author_id ORDER BY pa.paper_id, pa.position")
    names = cur.fetchall()
    cur.execute("SELECT id, title, search_title, search_authors FROM papers")
    stale = stale_search_rows(cur.fetchall(), names, vector=placeholder == "%s")
    if stale:
        p = placeholder
        cur.executemany(f"UPDATE papers SET search_title = {p}, search_authors = {p}, "
                        f"search_vector = {p} WHERE id = {p}", stale)
    return len(stale)


def refresh(conn: Any) -> int:
    """:func:`refresh_cursor` inside a SQLAlchemy connection's transaction: for code that
    writes titles or authors with its own statements."""
    placeholder = "?" if conn.dialect.name == "sqlite" else "%s"
    return refresh_cursor(conn.connection.dbapi_connection.cursor(), placeholder)


def refresh_papers(conn: Any, pids: Iterable[int]) -> None:
    """Store anew the search text of the papers ``pids`` (after lmsdb itself changed their
    title or authors), inside ``conn``'s (a SQLAlchemy connection's) transaction."""
    from sqlalchemy import select, update

    from lmsdb.store.schema import Author, Paper, PaperAuthor

    papers, authors, pa = Paper.__table__, Author.__table__, PaperAuthor.__table__
    vector = conn.dialect.name == "postgresql"
    for pid in pids:
        title = conn.execute(select(papers.c.title).where(papers.c.id == pid)).scalar_one()
        names = conn.execute(select(authors.c.given, authors.c.family)
                             .join(pa, pa.c.author_id == authors.c.id)
                             .where(pa.c.paper_id == pid).order_by(pa.c.position)).all()
        cols = search_columns(title, authors_text([tuple(n) for n in names]), vector=vector)
        conn.execute(update(papers).where(papers.c.id == pid).values(**cols))


def tsvector(title: str, authors: str | None) -> str:
    """Stems with positions (1-based; the authors' from ``AUTHORS_OFFSET`` on) and weights
    (A title, B authors) as a PostgreSQL ``tsvector`` literal.

    >>> tsvector("model parallel models", "jeff dean")
    "'dean':10002B 'jeff':10001B 'model':1A,3A 'parallel':2A"
    """
    where: dict[str, list[str]] = {}
    for offset, weight, text in ((0, "A", title), (AUTHORS_OFFSET, "B", authors or "")):
        for i, word in enumerate(text.split(), start=1):
            where.setdefault(stem(word), []).append(f"{min(offset + i, _MAX_POSITION)}{weight}")
    return " ".join(f"'{w}':{','.join(p)}" for w, p in sorted(where.items()))


def stems(words: Sequence[str]) -> list[str]:
    return [stem(w) for w in words]


# -- Porter, as sqlite/ext/fts5/fts5_tokenize.c (and Martin Porter's C version) -----------

_VOWELS = frozenset(b"aeiou")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Porter stem of one lower-case token, exactly as SQLite's FTS5 computes it."""
    b = word.encode()
    if len(b) < 3 or len(b) > 64:
        return word
    return _Porter(b).run().decode()


class _Porter:
    """The algorithm on a byte string ``b``; ``k`` is the index of its last byte."""

    def __init__(self, b: bytes):
        self.b = bytearray(b)
        self.k = len(b) - 1
        self.j = 0

    def cons(self, i: int) -> bool:
        c = self.b[i]
        if c in _VOWELS:
            return False
        if c == ord("y"):
            return True if i == 0 else not self.cons(i - 1)
        return True

    def m(self) -> int:
        """The number of vowel-consonant sequences in b[0..j]."""
        n, i, j = 0, 0, self.j
        while True:
            if i > j:
                return n
            if not self.cons(i):
                break
            i += 1
        i += 1
        while True:
            while True:
                if i > j:
                    return n
                if self.cons(i):
                    break
                i += 1
            i += 1
            n += 1
            while True:
                if i > j:
                    return n
                if not self.cons(i):
                    break
                i += 1
            i += 1

    def vowel_in_stem(self) -> bool:
        return any(not self.cons(i) for i in range(self.j + 1))

    def doublec(self, j: int) -> bool:
        return j >= 1 and self.b[j] == self.b[j - 1] and self.cons(j)

    def cvc(self, i: int) -> bool:
        if i < 2 or not self.cons(i) or self.cons(i - 1) or not self.cons(i - 2):
            return False
        return self.b[i] not in b"wxy"

    def ends(self, s: bytes) -> bool:
        n = len(s)  # SQLite never strips a suffix that is the whole word
        if n >= self.k + 1 or self.b[self.k - n + 1:self.k + 1] != s:
            return False
        self.j = self.k - n
        return True

    def setto(self, s: bytes) -> None:
        self.b[self.j + 1:] = s
        self.k = self.j + len(s)

    def r(self, s: bytes) -> None:
        if self.m() > 0:
            self.setto(s)

    def run(self) -> bytes:
        self.step1ab()
        if self.k > 0:
            self.step1c()
            self.step2()
            self.step3()
            self.step4()
            self.step5()
        return bytes(self.b[:self.k + 1])

    def step1ab(self) -> None:
        b = self.b
        if b[self.k] == ord("s"):
            if self.ends(b"sses"):
                self.k -= 2
            elif self.ends(b"ies"):
                self.setto(b"i")
            elif b[self.k - 1] != ord("s"):
                self.k -= 1
            del b[self.k + 1:]
        if self.ends(b"eed"):
            if self.m() > 0:
                self.k -= 1
                del b[self.k + 1:]
        elif (self.ends(b"ed") or self.ends(b"ing")) and self.vowel_in_stem():
            self.k = self.j
            del b[self.k + 1:]
            if self.ends(b"at"):
                self.setto(b"ate")
            elif self.ends(b"bl"):
                self.setto(b"ble")
            elif self.ends(b"iz"):
                self.setto(b"ize")
            elif self.doublec(self.k):
                if b[self.k] not in b"lsz":
                    self.k -= 1
                    del b[self.k + 1:]
            else:
                self.j = self.k
                if self.m() == 1 and self.cvc(self.k):
                    self.setto(b"e")

    def step1c(self) -> None:
        if self.ends(b"y") and self.vowel_in_stem():
            self.b[self.k] = ord("i")

    _STEP2 = {
        ord("a"): ((b"ational", b"ate"), (b"tional", b"tion")),
        ord("c"): ((b"enci", b"ence"), (b"anci", b"ance")),
        ord("e"): ((b"izer", b"ize"),),
        ord("l"): ((b"bli", b"ble"), (b"alli", b"al"), (b"entli", b"ent"), (b"eli", b"e"),
                   (b"ousli", b"ous")),
        ord("o"): ((b"ization", b"ize"), (b"ation", b"ate"), (b"ator", b"ate")),
        ord("s"): ((b"alism", b"al"), (b"iveness", b"ive"), (b"fulness", b"ful"),
                   (b"ousness", b"ous")),
        ord("t"): ((b"aliti", b"al"), (b"iviti", b"ive"), (b"biliti", b"ble")),
        ord("g"): ((b"logi", b"log"),),
    }
    _STEP3 = {
        ord("e"): ((b"icate", b"ic"), (b"ative", b""), (b"alize", b"al")),
        ord("i"): ((b"iciti", b"ic"),),
        ord("l"): ((b"ical", b"ic"), (b"ful", b"")),
        ord("s"): ((b"ness", b""),),
    }

    def _replace(self, table: dict[int, tuple[tuple[bytes, bytes], ...]], at: int) -> None:
        for suffix, repl in table.get(self.b[at], ()):
            if self.ends(suffix):
                self.r(repl)
                return

    def step2(self) -> None:
        if self.k >= 1:
            self._replace(self._STEP2, self.k - 1)

    def step3(self) -> None:
        self._replace(self._STEP3, self.k)

    _STEP4 = {
        ord("a"): (b"al",), ord("c"): (b"ance", b"ence"), ord("e"): (b"er",),
        ord("i"): (b"ic",), ord("l"): (b"able", b"ible"),
        ord("n"): (b"ant", b"ement", b"ment", b"ent"), ord("s"): (b"ism",),
        ord("t"): (b"ate", b"iti"), ord("u"): (b"ous",), ord("v"): (b"ive",),
        ord("z"): (b"ize",),
    }

    def step4(self) -> None:
        if self.k < 1:
            return
        c = self.b[self.k - 1]
        if c == ord("o"):
            if not ((self.ends(b"ion") and self.j >= 0 and self.b[self.j] in b"st")
                    or self.ends(b"ou")):
                return
        elif not any(self.ends(s) for s in self._STEP4.get(c, ())):
            return
        if self.m() > 1:
            self.k = self.j
            del self.b[self.k + 1:]

    def step5(self) -> None:
        self.j = self.k
        if self.b[self.k] == ord("e"):
            a = self.m()
            if a > 1 or (a == 1 and not self.cvc(self.k - 1)):
                self.k -= 1
                del self.b[self.k + 1:]
        self.j = self.k
        if self.b[self.k] == ord("l") and self.doublec(self.k) and self.m() > 1:
            self.k -= 1
            del self.b[self.k + 1:]
