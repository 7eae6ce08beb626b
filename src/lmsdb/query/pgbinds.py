"""``:name`` parameters of an ad-hoc query, found as PostgreSQL reads SQL: outside string
literals, quoted names, dollar-quoted strings and comments, and rewritten for psycopg."""

from __future__ import annotations

import re


def pg_placeholders(sql: str) -> tuple[str, list[str]]:
    """``sql`` for psycopg: ``:name`` outside literals, quoted names and comments becomes
    ``%(name)s``, and every ``%`` is doubled; also returns the names, in order.

    >>> pg_placeholders("select ':x' as s, y::text, 10 % 3 from t where a = :x -- :c")
    ("select ':x' as s, y::text, 10 %% 3 from t where a = %(x)s -- :c", ['x'])
    >>> pg_placeholders('select $q$ :x $q$, "a:b" /* :z /* */ */ from t')
    ('select $q$ :x $q$, "a:b" /* :z /* */ */ from t', [])
    """
    out: list[str] = []
    names: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        j = _skip_literal(sql, i)
        if j > i:
            out.append(sql[i:j].replace("%", "%%"))
            i = j
            continue
        c = sql[i]
        if c == ":" and i + 1 < n and sql[i + 1] == ":":
            out.append("::")
            i += 2
            continue
        m = _BIND.match(sql, i) if c == ":" else None
        if m:
            names.append(m.group(1))
            out.append(f"%({m.group(1)})s")
            i = m.end()
            continue
        out.append("%%" if c == "%" else c)
        i += 1
    return "".join(out), names


_BIND = re.compile(r":([A-Za-z_][A-Za-z0-9_]*)")
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def _skip_literal(sql: str, i: int) -> int:
    """The end of the string literal, quoted name or comment that starts at ``i`` (``i``
    itself when none starts there); an unterminated one runs to the end."""
    c, n = sql[i], len(sql)
    if c in "'\"":
        backslash = c == "'" and i > 0 and sql[i - 1] in "eE" and (
            i < 2 or not (sql[i - 2].isalnum() or sql[i - 2] == "_"))
        j = i + 1
        while j < n:
            if backslash and sql[j] == "\\":
                j += 2
                continue
            if sql[j] == c:
                if j + 1 < n and sql[j + 1] == c:
                    j += 2
                    continue
                return j + 1
            j += 1
        return n
    if sql.startswith("--", i):
        j = sql.find("\n", i)
        return n if j < 0 else j + 1
    if sql.startswith("/*", i):
        depth, j = 0, i
        while j < n:
            if sql.startswith("/*", j):
                depth, j = depth + 1, j + 2
            elif sql.startswith("*/", j):
                depth, j = depth - 1, j + 2
                if depth == 0:
                    return j
            else:
                j += 1
        return n
    if c == "$" and (i == 0 or not (sql[i - 1].isalnum() or sql[i - 1] == "_")):
        m = _DOLLAR.match(sql, i)
        if m:
            end = sql.find(m.group(), m.end())
            return n if end < 0 else end + len(m.group())
    return i
