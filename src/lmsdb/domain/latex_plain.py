"""LaTeX (a BibTeX field's value) to plain Unicode: the reading direction.

:func:`latex_to_plain` decodes what a ``.bib`` file holds (``{\\"U}ber`` is ``Über``) and is
the inverse of :func:`lmsdb.domain.latex.title_to_latex`. Accents and symbols are decoded by
latexcodec, which is imported on first need only.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

__all__ = ["latex_to_plain", "latexcodec_registered"]


@lru_cache(maxsize=1)
def latexcodec_registered() -> None:
    """Register latexcodec's "latex"/"ulatex" codecs, on first need only: most titles are
    ASCII, and importing it costs every command that merely formats them."""
    import latexcodec  # noqa: F401


# Formatting commands whose argument is kept (the braces go later).
_DROP_COMMANDS = frozenset(
    "textsubscript textsuperscript emph textbf textit textsl textsc textrm textsf "
    "texttt textup textmd textnormal mbox text mathrm mathit mathbf mathsf mathtt "
    "ensuremath em bf it sl sc rm sf tt upshape itshape bfseries scshape normalfont "
    "protect relax".split()
)
# Text commands latexcodec does not decode.
_TEXT_SYMBOLS = {
    "textbackslash": "\\",
    "textbraceleft": "{",
    "textbraceright": "}",
    "textasciitilde": "~",
    "textasciicircum": "^",
    "textasciigrave": "`",
    "textless": "<",
    "textgreater": ">",
    "textbar": "|",
    "textunderscore": "_",
    "textdollar": "$",
    "textquotesingle": "'",
    "textquotedbl": '"',
    "textquoteleft": "\u2018",
    "textquoteright": "\u2019",
    "textquotedblleft": "\u201c",
    "textquotedblright": "\u201d",
    "quotesinglbase": "\u201a",
    "quotedblbase": "\u201e",
    "guillemotleft": "\u00ab",
    "guillemotright": "\u00bb",
    "guilsinglleft": "\u2039",
    "guilsinglright": "\u203a",
    "textendash": "\u2013",
    "textemdash": "\u2014",
    "TeX": "TeX",
    "LaTeX": "LaTeX",
    "BibTeX": "BibTeX",
}
# Control symbols: escaped specials and spacing commands.
_CONTROL_SYMBOLS = {
    "&": "&",
    "%": "%",
    "$": "$",
    "#": "#",
    "_": "_",
    "{": "{",
    "}": "}",
    " ": " ",
    "\\": " ",
    ",": " ",
    ";": " ",
    ":": " ",
    "-": "",
    "/": "",
    "@": "",
    "!": "",
}
_LIGATURES = {
    "---": "\u2014",
    "--": "\u2013",
    "``": "\u201c",
    "''": "\u201d",
    "!`": "\u00a1",
    "?`": "\u00bf",
}
_L2P_RE = re.compile(
    r"""
      \\(?P<acc>['"`^~=.])[ \t\r\n]*(?P<accarg>\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z])
    | \\(?P<lacc>[uvHckbdrt])(?![A-Za-z])[ \t\r\n]*(?P<laccarg>\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z])
    | \\(?P<cmd>[A-Za-z]+)(?:\{\}|[ \t\r\n]*)   # TeX eats the spaces after a control word
    | \\(?P<sym>.)
    | (?P<math>\$[^$]+\$)
    | ---|--|``|''|!`|\?`
    | [{}~]
    """,
    re.X | re.S,
)
_L2P_FAST_RE = re.compile(r"[\\{}$~]|--|``|''|[!?]`")


@lru_cache(maxsize=4096)
def _codec_decode(latex: str) -> str | None:
    """latexcodec's reading of a single accent/symbol/math token, or None
    if it does not know it (the result still holds a command)."""
    try:
        latexcodec_registered()
        text = codecs.decode(latex, "ulatex")
    except (UnicodeDecodeError, ValueError):
        return None
    text = text.replace("{", "").replace("}", "")
    if "\\" in text or "$" in text:
        return None
    return text


def _l2p_token(m: re.Match[str]) -> str:
    token = m.group(0)
    first = token[0]
    if first == "{" or first == "}":
        return ""  # protective or grouping brace
    if first == "~":
        return "\u00a0"  # tie
    if first == "$":
        decoded = _codec_decode(token)
        return decoded if decoded is not None else latex_to_plain(token[1:-1])
    if first != "\\":
        return _LIGATURES[token]
    acc = m.group("acc")
    if acc is not None:
        decoded = _codec_decode("\\" + acc + m.group("accarg"))
        return token if decoded is None else decoded
    lacc = m.group("lacc")
    if lacc is not None:
        arg = m.group("laccarg")
        sep = "" if arg.startswith(("{", "\\")) else " "
        decoded = _codec_decode("\\" + lacc + sep + arg)
        return token if decoded is None else decoded
    cmd = m.group("cmd")
    if cmd is not None:
        if cmd in _DROP_COMMANDS:
            return ""
        symbol = _TEXT_SYMBOLS.get(cmd)
        if symbol is not None:
            return symbol
        decoded = _codec_decode("\\" + cmd)
        if decoded is not None:
            return decoded
        # An unknown command with an argument is most likely a formatting
        # macro (\textsc-like): keep the argument only.  Any other unknown
        # command is kept verbatim rather than silently lost.
        if len(token) == len(cmd) + 1 and m.string.startswith("{", m.end()):
            return ""
        return token
    return _CONTROL_SYMBOLS.get(m.group("sym"), token)


def latex_to_plain(text: str) -> str:
    """Convert a LaTeX (BibTeX field) string to plain Unicode.

    Accents and symbols are decoded with latexcodec (``{\\"U}`` -> ``Ü``),
    escapes and text commands are resolved (``\\&`` -> ``&``,
    ``\\textbackslash{}`` -> ``\\``), formatting commands such as
    ``\\emph``, ``\\textbf``, ``\\textsubscript`` are dropped with their
    braces kept content, the TeX ligatures ``--``, ``---``, ````` ``,
    ``''``, ``!```, ``?``` and the tie ``~`` become the characters they print.
    All other braces are dropped.  Whitespace is kept as is, except the
    spaces TeX itself swallows after a control word.  An unknown command
    directly followed by ``{`` is dropped (its argument kept); other unknown
    commands are kept verbatim.

    >>> latex_to_plain('{GPT-3}: {\\\\"U}ber H\\\\textsubscript{2}O \\\\& more')
    'GPT-3: Über H2O & more'
    >>> latex_to_plain("pages 1--2")
    'pages 1–2'
    """
    if not _L2P_FAST_RE.search(text):
        return text
    return _L2P_RE.sub(_l2p_token, text)
