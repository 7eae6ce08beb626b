"""Full-text search over paper titles and authors, best match first.

Both engines index the same words, computed once in Python (:mod:`lmsdb.store.searchtext`) and
stored with each paper: SQLite's FTS5 index ``papers_fts`` (external content, ``porter``
tokenizer) ranked with bm25; on PostgreSQL the stems in ``papers.search_vector`` (a GIN
index on it as a ``tsvector``) ranked with ``ts_rank``. The small query language is parsed
here and rendered for each engine, so that a search means the same thing on both:

- ``word word``: every word must match (in the title or among the authors);
- ``"a phrase"``: the words in this order;
- ``parallel*`` or ``"model parallel*"``: the last word is a prefix (of the stem);
- ``a OR b``: either; ``-word``: must not match.

Matching is by stemmed words (``quantize`` finds "quantization", ``llm`` finds "LLMs"),
case- and accent-insensitive. The matches are marked in Python, the same way on both.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lmsdb.query.adhoc import QueryError, Result
from lmsdb.store.objects import FTS_TABLE
from lmsdb.store.searchtext import WORD, fold, stem, tokens

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy import Engine

MARK = ("[", "]")
DEFAULT_LIMIT = 20

@dataclass(frozen=True)
class Term:
    """Words that must appear in this order; the last one is a prefix if ``prefix``."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    """All of ``groups`` must match (each group: any of its terms), none of ``excluded``."""

    groups: tuple[tuple[Term, ...], ...]
    excluded: tuple[Term, ...] = ()


def parse(text: str) -> Query:
    """Parse the search language.

    >>> parse('"model parallel*" -survey')
    Query(groups=((Term(words=('model', 'parallel'), prefix=True),),), excluded=(Term(words=('survey',), prefix=False),))
    """  # noqa: E501
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    pending_or = False
    for negated, raw, prefix, is_or in _lex(text):
        if is_or:
            if not groups or pending_or:
                raise QueryError(f"search: OR needs a term on each side: {text}")
            pending_or = True
            continue
        words = tuple(tokens(raw))
        if not words:
            continue
        term = Term(words, prefix)
        if negated:
            if pending_or:
                raise QueryError(f"search: OR cannot join an excluded term (-...): {text}")
            excluded.append(term)
        elif pending_or:
            groups[-1].append(term)
            pending_or = False
        else:
            groups.append([term])
    if pending_or:
        raise QueryError(f"search: OR needs a term on each side: {text}")
    if not groups:
        raise QueryError(f"search: nothing to search for (a word that must match): {text!r}")
    return Query(tuple(tuple(g) for g in groups), tuple(excluded))


def _lex(text: str) -> list[tuple[bool, str, bool, bool]]:
    """(negated, text, prefix, is_or) for each term of ``text``."""
    out: list[tuple[bool, str, bool, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        if negated:
            i += 1
        if text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise QueryError(f"search: unbalanced quote (a phrase is \"...\"): {text}")
            raw, i = text[i + 1:end], end + 1
            prefix = raw.rstrip().endswith("*")
            if i < n and text[i] == "*":
                prefix, i = True, i + 1
        else:
            m = re.compile(r'[^\s"]+').match(text, i)
            assert m is not None
            raw, i = m.group(), m.end()
            prefix = raw.endswith("*")
            if raw == "OR" and not negated:
                out.append((False, raw, False, True))
                continue
        out.append((negated, raw, prefix, False))
    return out


def to_fts5(q: Query) -> str:
    """The query in FTS5 syntax (every term a quoted string, so no word is an operator).

    >>> to_fts5(parse('"model parallel*" OR zero -survey'))
    '("model parallel" * OR "zero") NOT ("survey")'
    """

    def term(t: Term) -> str:
        return '"' + " ".join(t.words) + '"' + (" *" if t.prefix else "")

    return _render(q, term, any_of=" OR ", all_of=" AND ", none_of=" NOT ")


def to_tsquery(q: Query) -> str:
    """The query as a PostgreSQL ``tsquery`` literal, over the Porter stems of its words
    (read with a plain cast, so that PostgreSQL's parser and dictionaries never see it).

    >>> to_tsquery(parse('"model parallel*" OR quantized -survey'))
    "(('model' <-> 'parallel':*) | 'quantiz') & !('survei')"
    """

    def term(t: Term) -> str:
        words = [f"'{stem(w)}'" for w in t.words]  # tokens() keeps quotes and backslashes out
        if t.prefix:
            words[-1] += ":*"
        return " <-> ".join(words) if len(words) == 1 else "(" + " <-> ".join(words) + ")"

    return _render(q, term, any_of=" | ", all_of=" & ", none_of=" & !")


def _render(q: Query, term: Callable[[Term], str], *, any_of: str, all_of: str,
            none_of: str) -> str:
    """Groups (terms joined by ``any_of``) joined by ``all_of``, then ``none_of`` the
    excluded terms: the one shape of both engines' query syntax."""

    def group(g: tuple[Term, ...]) -> str:
        return term(g[0]) if len(g) == 1 else "(" + any_of.join(map(term, g)) + ")"

    out = all_of.join(group(g) for g in q.groups)
    if q.excluded:
        out += none_of + "(" + any_of.join(term(t) for t in q.excluded) + ")"
    return out


_SQLITE = f"""
SELECT p.id AS id, p.citation_key AS citation_key, p.year AS year, v.name AS venue,
       p.title AS title, round(-bm25({FTS_TABLE}), 4) AS score
FROM {FTS_TABLE} JOIN papers p ON p.id = {FTS_TABLE}.rowid
LEFT JOIN venues v ON v.id = p.venue_id
WHERE {FTS_TABLE} MATCH :q
ORDER BY bm25({FTS_TABLE}), p.year DESC, p.citation_key
LIMIT :limit
"""

# ts_rank normalisation 1 divides by 1 + log(document length): like bm25, among papers that
# match equally often the shorter document ranks higher.
_POSTGRESQL = """
SELECT p.id AS id, p.citation_key AS citation_key, p.year AS year, v.name AS venue,
       p.title AS title,
       round(ts_rank(p.search_vector::tsvector, q.q, 1)::numeric, 4)::float AS score
FROM papers p LEFT JOIN venues v ON v.id = p.venue_id
CROSS JOIN (SELECT CAST(:q AS tsquery) AS q) q
WHERE p.search_vector::tsvector @@ q.q
ORDER BY ts_rank(p.search_vector::tsvector, q.q, 1) DESC, p.year DESC, p.citation_key
LIMIT :limit
"""

_AUTHORS = """
SELECT pa.paper_id, a.given, a.family FROM paper_authors pa
JOIN authors a ON a.id = pa.author_id
WHERE pa.paper_id IN ({ids}) ORDER BY pa.paper_id, pa.position
"""

COLUMNS = ["citation_key", "year", "venue", "title", "authors", "score"]


def search(engine: Engine, text: str, *, limit: int = DEFAULT_LIMIT,
           highlight: bool = True) -> Result:
    """Papers matching ``text``, best first: key, year, venue, title and authors (the
    matched words between ``[`` and ``]`` unless ``highlight`` is false), and a score
    (higher is better; comparable within one search only)."""
    from lmsdb.domain.html import html_to_plain

    q = parse(text)
    rows, authors = _fetch(engine, q, text, limit)
    mark = highlight_matches if highlight else (lambda s, _q: s)
    out = []
    for pid, key, year, venue, title, score in rows:
        people = authors.get(pid)
        out.append((key, year, venue, mark(html_to_plain(title), q),
                    mark(people, q) if people else None, score))
    return Result(list(COLUMNS), out)


def matching_ids(engine: Engine, text: str) -> set[int]:
    """The ids of every paper that ``text`` matches (for tests and tools)."""
    rows, _ = _fetch(engine, parse(text), text, 0, with_authors=False)
    return {r[0] for r in rows}


def _fetch(engine: Engine, q: Query, text: str, limit: int, with_authors: bool = True
           ) -> tuple[list[tuple[Any, ...]], dict[int, str]]:
    from sqlalchemy import text as sql_text
    from sqlalchemy.exc import DBAPIError

    sqlite = engine.dialect.name == "sqlite"
    stmt, query = (_SQLITE, to_fts5(q)) if sqlite else (_POSTGRESQL, to_tsquery(q))
    params = {"q": query, "limit": limit if limit > 0 else (-1 if sqlite else None)}
    try:
        with engine.connect() as conn:
            rows = [tuple(r) for r in conn.execute(sql_text(stmt), params)]
            names: dict[int, list[str]] = {}
            ids = ", ".join(str(int(r[0])) for r in rows)
            if with_authors and ids:
                for pid, given, family in conn.execute(sql_text(_AUTHORS.format(ids=ids))):
                    names.setdefault(pid, []).append(f"{given} {family}" if given else family)
    except DBAPIError as e:
        raise QueryError(f"search failed: {e.orig}\n  search: {text}") from None
    return rows, {pid: ", ".join(v) for pid, v in names.items()}


def _spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, token) for each token of ``text``, as :func:`tokens` splits it, with
    offsets into ``text`` itself (folding may change lengths, so fold char by char)."""
    folded: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        f = fold(ch)
        folded.append(f)
        origin += [i] * len(f)
    flat = "".join(folded)
    return [(origin[m.start()], origin[m.end() - 1] + 1, m.group())
            for m in WORD.finditer(flat)]


def highlight_matches(text: str, q: Query) -> str:
    """``text`` with every match of a (non-excluded) term of ``q`` between ``[`` and ``]``;
    a phrase is marked as one span, overlapping matches merge.

    >>> highlight_matches("Quantized LLMs: LLM.int8() and Model Parallelism",
    ...                   parse('llm quantization "model parallel*"'))
    '[Quantized] [LLMs]: [LLM].int8() and [Model Parallelism]'
    """
    toks = _spans(text)
    stems = [stem(t) for _, _, t in toks]
    marked: list[tuple[int, int]] = []
    for group in q.groups:
        for term in group:
            want = [stem(w) for w in term.words]
            n = len(want)
            for i in range(len(toks) - n + 1):
                if all(stems[i + k] == want[k] for k in range(n - 1)) and (
                        stems[i + n - 1].startswith(want[-1]) if term.prefix
                        else stems[i + n - 1] == want[-1]):
                    marked.append((toks[i][0], toks[i + n - 1][1]))
    out, pos = [], 0
    for start, end in _merge(marked):
        out += [text[pos:start], MARK[0], text[start:end], MARK[1]]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
