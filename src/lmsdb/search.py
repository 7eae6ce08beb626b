"""Full-text search over paper titles and authors, best match first.

The index is ``papers_fts`` (revision 0003): SQLite FTS5 ranked with bm25, or a PostgreSQL
``tsvector`` ranked with ``ts_rank``. Both back-ends read the same small query language,
parsed here and rendered for each engine, so that a search means the same thing on both:

- ``word word``: every word must match (in the title or among the authors);
- ``"a phrase"``: the words in this order;
- ``parallel*`` or ``"model parallel*"``: the last word is a prefix;
- ``a OR b``: either; ``-word``: must not match.

Matching is by whole words, case- and accent-insensitive, without stemming.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lmsdb.query import QueryError, Result

if TYPE_CHECKING:
    from sqlalchemy import Engine

FTS_TABLE = "papers_fts"
MARK = ("[", "]")
DEFAULT_LIMIT = 20

_WORD = re.compile(r"[^\W_]+")


def is_derived_table(name: str) -> bool:
    """Tables that the models do not describe: the full-text index, its FTS5 shadow tables
    (``papers_fts_data``, ...) and SQLite's own (``sqlite_stat1``, ...)."""
    return name == FTS_TABLE or name.startswith((FTS_TABLE + "_", "sqlite_"))


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
        words = tuple(w.casefold() for w in _WORD.findall(raw))
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

    def group(g: tuple[Term, ...]) -> str:
        return term(g[0]) if len(g) == 1 else "(" + " OR ".join(map(term, g)) + ")"

    out = " AND ".join(group(g) for g in q.groups)
    if q.excluded:
        out += " NOT (" + " OR ".join(term(t) for t in q.excluded) + ")"
    return out


def to_tsquery(q: Query) -> str:
    """The query in PostgreSQL ``to_tsquery`` syntax.

    >>> to_tsquery(parse('"model parallel*" OR zero -survey'))
    "(('model' <-> 'parallel':*) | 'zero') & !('survey')"
    """

    def term(t: Term) -> str:
        words = [f"'{w}'" for w in t.words]  # _WORD keeps quotes and backslashes out
        if t.prefix:
            words[-1] += ":*"
        return " <-> ".join(words) if len(words) == 1 else "(" + " <-> ".join(words) + ")"

    def group(g: tuple[Term, ...]) -> str:
        return term(g[0]) if len(g) == 1 else "(" + " | ".join(map(term, g)) + ")"

    out = " & ".join(group(g) for g in q.groups)
    if q.excluded:
        out += " & !(" + " | ".join(term(t) for t in q.excluded) + ")"
    return out


_SQLITE = f"""
SELECT p.citation_key AS citation_key, p.year AS year, v.name AS venue,
       highlight({FTS_TABLE}, 0, :open, :close) AS title,
       highlight({FTS_TABLE}, 1, :open, :close) AS authors,
       round(-bm25({FTS_TABLE}), 4) AS score
FROM {FTS_TABLE} JOIN papers p ON p.id = {FTS_TABLE}.rowid
LEFT JOIN venues v ON v.id = p.venue_id
WHERE {FTS_TABLE} MATCH :q
ORDER BY bm25({FTS_TABLE}), p.year DESC, p.citation_key
LIMIT :limit
"""

# ts_rank normalisation 1 divides by 1 + log(document length): like bm25, among papers that
# match equally often the shorter document ranks higher.
_POSTGRESQL = f"""
SELECT p.citation_key AS citation_key, p.year AS year, v.name AS venue,
       {{title}} AS title, {{authors}} AS authors,
       round(ts_rank(s.document, q.q, 1)::numeric, 4)::float AS score
FROM {FTS_TABLE} s JOIN papers p ON p.id = s.paper_id
LEFT JOIN venues v ON v.id = p.venue_id
CROSS JOIN (SELECT to_tsquery('simple', :q) AS q) q
WHERE s.document @@ q.q
ORDER BY ts_rank(s.document, q.q, 1) DESC, p.year DESC, p.citation_key
LIMIT :limit
"""


def search(engine: Engine, text: str, *, limit: int = DEFAULT_LIMIT,
           highlight: bool = True) -> Result:
    """Papers matching ``text``, best first: key, year, venue, title and authors (the
    matched words between ``[`` and ``]`` unless ``highlight`` is false), and a score
    (higher is better; comparable within one search only)."""
    from sqlalchemy import text as sql_text
    from sqlalchemy.exc import DBAPIError

    q = parse(text)
    open_, close = MARK if highlight else ("", "")
    if engine.dialect.name == "sqlite":
        stmt, params = _SQLITE, {"q": to_fts5(q), "open": open_, "close": close}
    else:
        title, authors = "s.title", "s.authors"
        if highlight:
            title = "ts_headline('simple', s.title, q.q, :opts)"
            authors = "ts_headline('simple', s.authors, q.q, :opts)"
        stmt = _POSTGRESQL.replace("{title}", title).replace("{authors}", authors)
        params = {"q": to_tsquery(q),
                  "opts": f"StartSel={open_}, StopSel={close}, HighlightAll=true"}
    params["limit"] = limit if limit > 0 else -1 if engine.dialect.name == "sqlite" else None
    try:
        with engine.connect() as conn:
            res = conn.execute(sql_text(stmt), params)
            columns = list(res.keys())
            rows = [tuple(r) for r in res]
    except DBAPIError as e:
        raise QueryError(f"search failed: {e.orig}\n  search: {text}") from None
    return Result(columns, rows)
