"""Title conversions between inline HTML, plain Unicode and BibTeX-safe LaTeX.

Titles in the curated lists are plain text with the odd bit of inline HTML
(``H<sub>2</sub>O``).  :func:`title_to_latex` runs once per title in the
BibTeX export (100,000 titles in the benchmark), so the common case -- a
printable-ASCII title with no LaTeX special character -- takes a fast path
of one regex search plus one regex substitution.

:func:`latex_to_plain` is the inverse.  For every title ``t``::

    latex_to_plain(title_to_latex(t)) == lmsdb.domain.html.html_to_plain(t)

>>> title_to_latex("DeepSpeed-MoE: Advancing Mixture-of-Experts Inference")
'{DeepSpeed}-{MoE}: Advancing Mixture-of-Experts Inference'
>>> title_to_latex("H<sub>2</sub>O & Über")
'{H\\\\textsubscript{2}O} \\\\& {\\\\"U}ber'
>>> latex_to_plain('{H\\\\textsubscript{2}O} \\\\& {\\\\"U}ber')
'H2O & Über'
"""

from __future__ import annotations

import codecs
import re

from lmsdb.domain.html import tags as _tags
from lmsdb.domain.html import unescape_entities as _unescape

# The inline HTML of a title is read by lmsdb.domain.html; the LaTeX conversions below use its
# tag scanner and entity decoding under their former local names.
from lmsdb.domain.html import unescape_markdown
from lmsdb.domain.latex_plain import latex_to_plain
from lmsdb.domain.latex_plain import latexcodec_registered as _latexcodec

__all__ = ["name_to_latex", "title_to_latex"]

# --------------------------------------------------------------------------
# Inline HTML -> LaTeX formatting
# --------------------------------------------------------------------------

# HTML formatting that has a LaTeX counterpart; any other tag is dropped.
_FORMAT_COMMANDS = {
    "sub": "textsubscript",
    "sup": "textsuperscript",
    "i": "emph",
    "em": "emph",
    "b": "textbf",
    "strong": "textbf",
}

_TEXT, _OPEN, _CLOSE = 0, 1, 2


def _lex_html(title: str) -> list[tuple[int, str]]:
    """Split a title into text, open-command and close-command items.

    Formatting tags are made well nested (a stray close tag is ignored,
    a close tag closes any inner tags left open, tags still open at the end
    are closed) so that the LaTeX output always has balanced braces.
    Adjacent text items are merged, so that a dropped tag can not hide a
    ligature ("a-<span>-b" still gets "-{}-").
    """
    items: list[tuple[int, str]] = []

    def add_text(text: str) -> None:
        if not text:
            return
        if items and items[-1][0] == _TEXT:
            items[-1] = (_TEXT, items[-1][1] + text)
        else:
            items.append((_TEXT, text))

    if "<" not in title:
        add_text(_unescape(title))
        return items
    stack: list[str] = []
    pos = 0
    for m in _tags(title):
        add_text(_unescape(title[pos : m.start()]))
        pos = m.end()
        name = m.group("name")
        if name is None or m.group("selfclose"):
            continue
        cmd = _FORMAT_COMMANDS.get(name.lower())
        if cmd is None:
            continue
        if m.group("close"):
            if cmd in stack:
                while True:
                    top = stack.pop()
                    items.append((_CLOSE, top))
                    if top == cmd:
                        break
        else:
            stack.append(cmd)
            items.append((_OPEN, cmd))
    add_text(_unescape(title[pos:]))
    while stack:
        items.append((_CLOSE, stack.pop()))
    return items


# --------------------------------------------------------------------------
# Plain text -> LaTeX
# --------------------------------------------------------------------------

# Literal braces become \textbraceleft{} / \textbraceright{} rather than
# \{ \}: BibTeX counts every brace in a field, escaped or not, so a title
# with one "{" would make the .bib file unparseable.  < > | are not
# BibTeX-special but print as inverted !, inverted ? and a dash in LaTeX's
# default OT1 font encoding.
_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
_SPECIALS_TABLE = {ord(k): v for k, v in _SPECIALS.items()}

# latexcodec writes these in forms that do not come back as the same
# character ("'" for U+2019 reads back as an ASCII apostrophe, ",," is a
# ligature only in T1), so they get an unambiguous text command instead.
_ENCODE_OVERRIDES = {
    "\u2018": r"\textquoteleft{}",
    "\u2019": r"\textquoteright{}",
    "\u201a": r"\quotesinglbase{}",
    "\u201e": r"\quotedblbase{}",
    "\u00ab": r"\guillemotleft{}",
    "\u00bb": r"\guillemotright{}",
    "\u2039": r"\guilsinglleft{}",
    "\u203a": r"\guilsinglright{}",
}


def _encode_non_ascii(ch: str) -> str:
    """LaTeX for one non-ASCII character, wrapped in braces.

    The braces make it a BibTeX "special character" and keep it from
    fusing with its neighbours (an en dash "--" next to a "-").  Every
    candidate is checked to read back as ``ch`` through latex_to_plain;
    a character with no such form (CJK, emoji, ...) is kept as Unicode,
    which BibTeX passes through untouched.
    """
    candidates = []
    if ch in _ENCODE_OVERRIDES:
        candidates.append(_ENCODE_OVERRIDES[ch])
    try:
        _latexcodec()
        candidates.append(codecs.encode(ch, "ulatex+ascii"))
    except UnicodeEncodeError:
        pass
    for latex in candidates:
        wrapped = "{" + latex + "}"
        if latex_to_plain(wrapped) == ch:
            return wrapped
    return ch


class _AsciiTable(dict[int, str]):
    """str.translate table: LaTeX specials plus every non-ASCII character.

    Entries are computed on first use and cached, so the latexcodec call
    and its round-trip check happen once per distinct character per
    process, and the per-title work stays inside str.translate.
    """

    def __missing__(self, cp: int) -> str:
        value = chr(cp) if cp < 128 else _encode_non_ascii(chr(cp))
        self[cp] = value
        return value


_ASCII_TABLE = _AsciiTable(_SPECIALS_TABLE)

# TeX ligatures that would turn ASCII input into other characters
# (-- en dash, `` and '' curly quotes, !` and ?` inverted marks) are broken
# with an empty group.
_LIGATURE_RE = re.compile(r"--|``|''|[!?]`")
_LIGATURE_SPLIT_RE = re.compile(r"(?<=-)(?=-)|(?<=`)(?=`)|(?<=')(?=')|(?<=[!?])(?=`)")

# Anything that needs more than brace protection sends a title to the
# slow path: non-printable-ASCII, LaTeX/HTML specials (\ { } & % $ # _ ~ ^ < > | `),
# ligature sequences. The characters are one negated class of the printable ASCII that
# needs nothing, which re scans three times faster than the alternation
# [^\x20-\x7e]|[\\{}&%$#_~^<>|`]|--|'' it replaces; the ligatures are substring tests.
_SLOW_CHAR_RE = re.compile(r"[^ !\"'()*+,\-./0-9:;=?@A-Z\[\]a-z]")


def _takes_fast_path(title: str) -> bool:
    return _SLOW_CHAR_RE.search(title) is None and "--" not in title and "''" not in title


# Fast-path brace protection, one part of a word at a time: words are split at spaces,
# each word's parts at hyphens, and a part whose first letter or digit is followed somewhere
# by a capital is wrapped ("DeepSpeed-MoE" -> "{DeepSpeed}-{MoE}", "Large-Scale" stays).
# Leading punctuation ("(", '"') does not count as the first character, so "(Deep" stays
# unprotected like "Deep"; a word's last part is wrapped minus its trailing : , . ; ? !
# (an inner part keeps its punctuation: "{FoO:}-Bar"). The regex finds exactly the parts to
# wrap, and wraps them without a Python call (the earlier form matched whole words and
# split them at hyphens in Python); checked equal to it on 100,000 generated titles and
# 300,000 random punctuation-heavy ones. With the slow-path test above, title_to_latex
# takes 0.40-0.44 s of CPU on the benchmark's 105,000 titles, against 0.59-0.77 s before.
_FAST_PROTECT_RE = re.compile(
    r"(?<![^\s-])[^\sA-Za-z0-9-]*+[A-Za-z0-9][^\sA-Z-]*+[A-Z]"
    r"(?:[^\s-]*+(?=-)|(?:[^\s-]*[^\s:,.;?!-])?(?=[:,.;?!]*(?!\S)))"
)
_TRAILING_PUNCT = ":,.;?!"
_HYPHENS_RE = re.compile(r"(-+)")
_WS_SPLIT_RE = re.compile(r"([ \t\n\r\f\v]+)")  # ASCII whitespace separates words
_FIRST_ALNUM_RE = re.compile(r"[^\W_]")
_INNER_GROUP_RE = re.compile(r"\{[^{}]*\}")


def _escape(text: str, table: dict[int, str]) -> str:
    if _LIGATURE_RE.search(text):
        return "{}".join(p.translate(table) for p in _LIGATURE_SPLIT_RE.split(text))
    return text.translate(table)


def _needs_protection(plain: str) -> bool:
    m = _FIRST_ALNUM_RE.search(plain)
    if m is None:
        return False
    rest = plain[m.end() :]
    # Cheaper than a per-character isupper() loop: only cased capitals
    # change under lower().
    return rest != rest.lower()


def _protect(latex: str) -> str:
    # "{\..." at brace depth 0 is a BibTeX special character whose letters
    # *are* case-changed; an extra group keeps "{{\emph{GPT}}}" intact.
    if latex.startswith("\\"):
        return "{{" + latex + "}}"
    return "{" + latex + "}"


def _render(word: list[tuple[int, str]], table: dict[int, str], wrap_text: bool = False) -> str:
    out = []
    for kind, value in word:
        if kind == _TEXT:
            text = _escape(value, table)
            out.append(_protect(text) if wrap_text else text)
        elif kind == _OPEN:
            out.append("\\" + value + "{")
        else:
            out.append("}")
    return "".join(out)


def _self_balanced(word: list[tuple[int, str]]) -> bool:
    depth = 0
    for kind, _ in word:
        if kind == _OPEN:
            depth += 1
        elif kind == _CLOSE:
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _render_parts(value: str, table: dict[int, str]) -> str:
    """One word of plain text: each hyphen-separated part protected on its own, so that
    ``Large-Scale`` is lower-cased whole by a style and ``DeepSpeed-MoE`` kept whole."""
    core = value.rstrip(_TRAILING_PUNCT)
    out = []
    for i, piece in enumerate(_HYPHENS_RE.split(core)):
        if i & 1:  # the hyphens between parts
            out.append(_escape(piece, table))
        elif piece:
            text = _escape(piece, table)
            out.append(_protect(text) if _needs_protection(piece) else text)
    return "".join(out) + _escape(value[len(core):], table)


def _render_word(word: list[tuple[int, str]], table: dict[int, str]) -> str:
    plain = "".join(value for kind, value in word if kind == _TEXT)
    if not _needs_protection(plain):
        return _render(word, table)
    if len(word) == 1:  # no inline HTML in this word
        return _render_parts(word[0][1], table)
    punct = ""
    kind, last = word[-1]
    if kind == _TEXT:
        core = last.rstrip(_TRAILING_PUNCT)
        if len(core) != len(last):
            punct = last[len(core) :]
            word = word[:-1] + ([(_TEXT, core)] if core else [])
    if _self_balanced(word):
        return _protect(_render(word, table)) + _escape(punct, table)
    # The word opens or closes a tag that spans other words: protecting it
    # whole would cross braces, so protect each of its text pieces instead.
    return _render(word, table, wrap_text=True) + _escape(punct, table)


def _check_balanced(latex: str) -> None:
    # Counted the way BibTeX counts: every brace, escaped or not.
    if latex.count("{") != latex.count("}"):
        raise ValueError(f"unbalanced braces in {latex!r}")
    s = latex
    while "{" in s:
        reduced = _INNER_GROUP_RE.sub("", s)
        if reduced == s:
            break
        s = reduced
    if "{" in s or "}" in s:
        raise ValueError(f"unbalanced braces in {latex!r}")


def _title_to_latex_slow(title: str, unicode: bool) -> str:
    if "\\" in title:
        title = unescape_markdown(title)
    table = _SPECIALS_TABLE if unicode else _ASCII_TABLE
    out: list[str] = []
    word: list[tuple[int, str]] = []
    for kind, value in _lex_html(title):
        if kind != _TEXT:
            word.append((kind, value))
            continue
        for i, part in enumerate(_WS_SPLIT_RE.split(value)):
            if i & 1:  # odd parts are the separators captured by the split
                if word:
                    out.append(_render_word(word, table))
                    word = []
                out.append(part)
            elif part:
                word.append((_TEXT, part))
    if word:
        out.append(_render_word(word, table))
    latex = "".join(out)
    _check_balanced(latex)
    return latex


def title_to_latex(title: str, *, unicode: bool = False) -> str:
    """Convert a title to a BibTeX-safe LaTeX string.

    * inline HTML: ``<sub>``/``<sup>`` become ``\\textsubscript``/
      ``\\textsuperscript``, ``<i>``/``<em>`` ``\\emph``, ``<b>``/``<strong>``
      ``\\textbf``; other tags are dropped and entities decoded;
    * ``& % $ # _`` are backslash-escaped; ``\\ { } ~ ^ < > |`` become
      ``\\textbackslash{}``, ``\\textbraceleft{}``, ``\\textbraceright{}``,
      ``\\textasciitilde{}``, ``\\textasciicircum{}``, ``\\textless{}``,
      ``\\textgreater{}``, ``\\textbar{}``; the TeX ligatures ``--``,
      ````` ``, ``''``, ``!``` and ``?``` are broken with ``{}`` so they
      print as typed;
    * non-ASCII characters are written with latexcodec (``{\\"U}``,
      ``{\\'e}``), each in braces; with ``unicode=True`` they are kept as
      they are.  Characters LaTeX has no form for stay Unicode;
    * every part of a word (words split at whitespace, parts at hyphens) in
      which a character after its first letter or digit is a capital (GPT,
      DeepSpeed, 530B, ZeRO) is braced, minus trailing ``: , . ; ? !``, so
      BibTeX styles keep its case; a part whose only capital is its first
      letter (``Large-Scale``) is left to the style, so that a lower-casing
      style lowers every such part alike (``large-scale``, ``intra-operator``).
      A word with inline HTML is still braced whole.

    Raises ValueError if the result would not have balanced braces (it
    cannot, by construction; the check guards the invariant BibTeX needs).

    >>> title_to_latex("GPT-3: Language Models")
    '{GPT}-3: Language Models'
    >>> title_to_latex("50% of C_1 & {x}")
    '50\\\\% of C\\\\_1 \\\\& \\\\textbraceleft{}x\\\\textbraceright{}'
    >>> title_to_latex("Über café", unicode=True)
    'Über café'
    """
    if _takes_fast_path(title):
        # Printable ASCII without specials or HTML: only brace protection;
        # braces are balanced by construction.
        return _FAST_PROTECT_RE.sub(_brace_word, title)
    return _title_to_latex_slow(title, unicode)


# The match in braces: a bound str.format, which re calls without a Python frame (a Python
# function per match, or the template "{\g<0>}" that re expands again for each, is slower).
_brace_word = "{{{0[0]}}}".format


def name_to_latex(name: str, *, unicode: bool = False) -> str:
    """Convert a person's name (one part: family or given) to BibTeX-safe LaTeX.

    Accents and specials are encoded as in :func:`title_to_latex`, but words are *not*
    brace-protected: BibTeX reads a name's parts from their case ("von" is lower-case) and
    abbreviates given names from their first letter, which a ``{...}`` around a word hides.
    A part that contains the word ``and`` is braced whole, so it is not read as two names.

    >>> name_to_latex("Müller")
    'M{\\\\"u}ller'
    >>> name_to_latex("LeGresley")
    'LeGresley'
    >>> name_to_latex("Müller", unicode=True)
    'Müller'
    """
    table = _SPECIALS_TABLE if unicode else _ASCII_TABLE
    latex = _escape(name, table)
    if " and " in f" {latex.lower()} ":
        latex = "{" + latex + "}"
    _check_balanced(latex)
    return latex
