"""Counts over the database (papers per year, venue, framework, category; frameworks by
capability) and the terminal bar charts that draw them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TextIO

from lmsdb.query.output import write_rows

if TYPE_CHECKING:
    from sqlalchemy import Connection

PREPRINT = "(preprint)"
CAPABILITIES = ("training", "inference", "serving")

# Each section: (name, columns, query). Ties are broken by name so the output is stable.
_SECTIONS: list[tuple[str, tuple[str, ...], str]] = [
    ("papers", ("papers",), "SELECT count(*) FROM papers"),
    # Papers the list no longer has (or never had: added from a .bib), kept until --prune.
    ("unlisted", ("papers",), "SELECT count(*) FROM papers p WHERE NOT EXISTS "
     "(SELECT 1 FROM paper_categories pc WHERE pc.paper_id = p.id)"),
    ("per_year", ("year", "papers"),
     "SELECT year, count(*) FROM papers GROUP BY year ORDER BY year"),
    ("per_venue", ("venue", "papers"),
     f"SELECT coalesce(v.name, '{PREPRINT}') AS venue, count(*) AS n FROM papers p "
     "LEFT JOIN venues v ON v.id = p.venue_id GROUP BY v.name ORDER BY n DESC, venue"),
    ("per_framework", ("framework", "papers"),
     "SELECT f.name, count(pf.paper_id) AS n FROM frameworks f "
     "LEFT JOIN paper_frameworks pf ON pf.framework_id = f.id "
     "GROUP BY f.id, f.name, f.position ORDER BY n DESC, f.position"),
    ("per_category", ("category", "papers"),
     "SELECT c.name, count(pc.paper_id) FROM categories c "
     "LEFT JOIN paper_categories pc ON pc.category_id = c.id "
     "GROUP BY c.id, c.name, c.position ORDER BY c.position"),
]
# Which sections get a bar chart in the terminal.
CHARTED = ("per_year", "per_framework")


@dataclass
class Stats:
    papers: int = 0
    unlisted: int = 0  # papers in no section of the list
    sections: dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]] = field(
        default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """Plain data: {"papers": 25, "per_year": [{"year": 2020, "papers": 4}, ...], ...}."""
        out: dict[str, Any] = {"papers": self.papers, "unlisted": self.unlisted}
        for name, (columns, rows) in self.sections.items():
            out[name] = [dict(zip(columns, r, strict=True)) for r in rows]
        return out


def collect(conn: Connection) -> Stats:
    """Run every count."""
    from sqlalchemy import text

    stats = Stats()
    for name, columns, sql in _SECTIONS:
        rows = [tuple(r) for r in conn.execute(text(sql))]
        if name == "papers":
            stats.papers = rows[0][0]
        elif name == "unlisted":
            stats.unlisted = rows[0][0]
        else:
            stats.sections[name] = (columns, rows)
    stats.sections["by_capability"] = (("capability", "frameworks", "names"),
                                       _capabilities(conn))
    return stats


def _capabilities(conn: Connection) -> list[tuple[Any, ...]]:
    from sqlalchemy import text

    fws = conn.execute(text("SELECT name, training, inference, serving FROM frameworks "
                            "ORDER BY position")).all()
    rows = []
    for i, cap in enumerate(CAPABILITIES, start=1):
        names = [f[0] for f in fws if f[i]]
        rows.append((cap, len(names), ", ".join(names)))
    return rows


TITLES = {
    "per_year": "Papers per year",
    "per_venue": "Papers per venue",
    "per_framework": "Papers per framework",
    "per_category": "Papers per category",
    "by_capability": "Frameworks by capability",
}


def write_text(out: TextIO, stats: Stats, width: int) -> None:
    """Every section as a table; the charted ones as bar charts ``width`` columns wide."""
    out.write(f"{stats.papers} papers")
    if stats.unlisted:
        out.write(f", {stats.unlisted} of them unlisted (in no section of the list; "
                  "`lmsdb import --prune LIST` deletes them)")
    out.write("\n")
    for name, (columns, rows) in stats.sections.items():
        out.write(f"\n{TITLES[name]}\n\n")
        if name in CHARTED:
            out.write(bar_chart([(str(r[0]), r[1]) for r in rows], width))
        else:
            write_rows(out, columns, rows, "table")


_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: float, scale: float) -> str:
    """A bar ``value * scale`` cells long, to an eighth of a cell.

    >>> bar(3, 1.5)
    '████▌'
    """
    eighths = round(value * scale * 8)
    full, part = divmod(eighths, 8)
    return "█" * full + (_EIGHTHS[part] if part else "")


def bar_chart(items: list[tuple[str, int]], width: int) -> str:
    """Label, bar and count on one line per item, the longest bar filling ``width``.

    >>> print(bar_chart([("2020", 4), ("2021", 2)], 20), end="")
    2020  ████████████ 4
    2021  ██████ 2
    """
    if not items:
        return "(none)\n"
    label_w = max(len(label) for label, _ in items)
    num_w = max(len(str(n)) for _, n in items)
    room = max(width - label_w - num_w - 3, 10)
    top = max(n for _, n in items)
    scale = room / top if top else 0.0
    lines = []
    for label, n in items:
        b = bar(n, scale)
        lines.append(f"{label.ljust(label_w)}  {b}{' ' if b else ''}{n}")
    return "\n".join(lines) + "\n"
