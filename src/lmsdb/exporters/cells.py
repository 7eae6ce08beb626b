"""The cells of the regenerated list, as plain text (pipes not yet escaped).

Shared by the markdown exporter, which writes them, and by the import, which compares them
with the cells the list wrote to name every row the regenerated list will change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

CHECK, CROSS = "✔", "✗"


# Only ASCII whitespace (and the line breaks a reader splits lines at) is layout: a
# non-breaking space in a title is kept (``str.split`` would take it).
_LAYOUT_SPACE = re.compile("[ \t\n\r\f\v\x85\u2028\u2029]+")


def squeeze(text: str) -> str:
    """One line, single spaces (a table cell cannot hold a newline).

    >>> squeeze(" A  B\u00a0C ")
    'A B\xa0C'
    """
    # Every layout space but " " is unprintable: a printable text without a double space
    # has nothing to squeeze (a test that costs a tenth of the regex's scan).
    if "  " not in text and text.isprintable():
        return text.strip(" ")
    return _LAYOUT_SPACE.sub(" ", text).strip(" ")


def title_cell(title: str, url: str | None) -> str:
    """``[title](url)``, or the bare title for a paper without a link.

    >>> title_cell("Alpa", "https://x.org/alpa"), title_cell("Alpa", None)
    ('[Alpa](https://x.org/alpa)', 'Alpa')
    """
    t = squeeze(title)
    return f"[{t}]({url})" if url else t


def framework_cell(links: Iterable[tuple[str, str]]) -> str:
    """``[text](#slug), ...`` for a paper's framework links (slug, text), in order.

    >>> framework_cell([("gpipe", "TorchGpipe"), ("ds", "DeepSpeed")])
    '[TorchGpipe](#gpipe), [DeepSpeed](#ds)'
    """
    return ", ".join(f"[{squeeze(text)}](#{slug})" for slug, text in links)


def framework_name_cell(slug: str, name: str, url: str | None) -> str:
    """The Name cell of the Frameworks table: the anchor, then the linked name."""
    return f'<span id="{slug}"></span>{title_cell(name, url)}'


def flag(value: bool) -> str:
    return CHECK if value else CROSS


def escape(cell: str) -> str:
    """A cell's text as written between pipes."""
    return cell.replace("|", "\\|")
