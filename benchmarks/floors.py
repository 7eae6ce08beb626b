#!/usr/bin/env python3
"""Raw floors for the lmsdb benchmark: the least work that does the same job.

Each floor is meant to be run as a whole process of the same interpreter as lmsdb, so
its time includes interpreter start-up just like ``python -m lmsdb ...`` does:

    python benchmarks/floors.py import FILE.md DB        # (a) import floor
    python benchmarks/floors.py export DB OUT.bib        # (b) export floor
    python benchmarks/floors.py bibtexparser DB OUT.bib  # (c) bibtexparser v2, for reference
    python benchmarks/floors.py bibtexparser-copy DB OUT.bib  # (c) with the default stack

(a) import: stdlib only. Reads the list, keeps the lines starting with "|", splits cells
    with ``str.split("|")``, takes year/venue/title/url/framework anchor with plain string
    operations, creates its own tables with plain ``CREATE TABLE`` statements mirroring
    lmsdb's schema and fills papers, venues, frameworks, categories, paper_categories and
    paper_frameworks with ``sqlite3`` ``executemany`` in one transaction. Papers listed in
    two sections are deduplicated by title (a dict).
(b) export: stdlib only. Opens a database written by ``lmsdb import`` (or by (a): same
    tables), selects papers LEFT JOIN venues and formats BibTeX entries with f-strings.
(c) bibtexparser: the same rows turned into ``bibtexparser.Library`` of ``Entry`` objects
    and written with ``bibtexparser.write_string``, with the middlewares allowed to work in
    place (the library is not needed afterwards). ``bibtexparser-copy`` uses the default
    unparse stack, which deep-copies every block first (about 3x slower at 100,000).

Each prints one summary line (counts) to stdout.
"""

from __future__ import annotations

import os
import sqlite3
import sys

# Mirrors lmsdb's tables (src/lmsdb/store/schema.py: names, columns, unique constraints and
# indexes), so the floor pays for the same index maintenance. lmsdb's extra bookkeeping
# tables (list_meta, paper_urls, alembic_version) are left out.
SCHEMA = """
CREATE TABLE venues (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    full_name TEXT,
    kind TEXT
);
CREATE TABLE papers (
    id INTEGER PRIMARY KEY,
    citation_key TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    url TEXT,
    year INTEGER,
    venue_id INTEGER REFERENCES venues(id),
    arxiv_id TEXT,
    doi TEXT,
    openreview_id TEXT
);
CREATE TABLE frameworks (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    url TEXT,
    year INTEGER,
    training BOOLEAN,
    inference BOOLEAN,
    serving BOOLEAN,
    comments TEXT,
    position INTEGER
);
CREATE TABLE paper_frameworks (
    paper_id INTEGER NOT NULL REFERENCES papers(id),
    framework_id INTEGER NOT NULL REFERENCES frameworks(id),
    position INTEGER,
    PRIMARY KEY (paper_id, framework_id)
);
CREATE TABLE categories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    position INTEGER
);
CREATE TABLE paper_categories (
    paper_id INTEGER NOT NULL REFERENCES papers(id),
    category_id INTEGER NOT NULL REFERENCES categories(id),
    position INTEGER,
    PRIMARY KEY (paper_id, category_id)
);
CREATE INDEX ix_papers_year ON papers (year);
CREATE INDEX ix_papers_venue_id ON papers (venue_id);
CREATE INDEX ix_papers_arxiv_id ON papers (arxiv_id);
CREATE INDEX ix_papers_doi ON papers (doi);
CREATE INDEX ix_paper_frameworks_framework_id ON paper_frameworks (framework_id);
CREATE INDEX ix_paper_categories_category_id ON paper_categories (category_id);
"""

# A dict lookup is the floor's whole venue normalisation.
VENUE_ALIASES = {
    "NeuraIPS": "NeurIPS",
    "NIPS": "NeurIPS",
    "Neurips": "NeurIPS",
    "MLsys": "MLSys",
    "USENIX ATC": "ATC",
    "SIGKDD Tutorial": "KDD",
    "Eurosys": "EuroSys",
    "Sosp": "SOSP",
    "ICML Workshop": "ICML",
}


def _link(cell: str) -> tuple[str, str]:
    """'[text](target)' -> (text, target); ('', '') if the cell is not a link."""
    s = cell.strip()
    if not s.startswith("["):
        return "", ""
    k = s.rfind("](")
    if k < 0 or not s.endswith(")"):
        return "", ""
    return s[1:k], s[k + 2 : -1]


def floor_import(md_path: str, db_path: str) -> None:
    with open(md_path, encoding="utf-8") as f:
        lines = f.read().split("\n")

    categories: dict[str, int] = {}
    venues: dict[str, int] = {}
    frameworks: list[tuple] = []
    papers: dict[str, list] = {}  # title -> [id, key, title, url, year, venue_id, ax, doi, or]
    keys: set[str] = set()
    key_next: dict[str, int] = {}  # citation-key base -> next numeric suffix to try
    paper_cats: list[tuple[int, int, int]] = []
    paper_fws: list[tuple[int, str, int]] = []  # framework by slug, resolved at the end
    cat_pos: dict[int, int] = {}
    section = None  # category name, or "" inside ## Frameworks

    for line in lines:
        if not line.startswith("|"):
            if line.startswith("### ") and section != "":
                section = line[4:].strip()
                if section not in categories:
                    categories[section] = len(categories) + 1
            elif line.startswith("## "):
                section = "" if line[3:].strip() == "Frameworks" else None
            continue
        if section is None:
            continue
        cells = line.split("|")
        if section == "":  # | Year | Name | Training | Inference | Serving | Comments |
            if len(cells) < 8:
                continue
            name_cell = cells[2]
            i = name_cell.find('id="')
            if i < 0:
                continue
            slug = name_cell[i + 4 : name_cell.find('"', i + 4)]
            name, url = _link(name_cell[name_cell.find("</span>") + 7 :])
            year = cells[1].strip()
            frameworks.append(
                (
                    slug,
                    name,
                    url,
                    int(year) if year.isdigit() else None,
                    cells[3].strip() == "✔",
                    cells[4].strip() == "✔",
                    cells[5].strip() == "✔",
                    cells[6].strip() or None,
                )
            )
            continue
        if len(cells) < 6:
            continue
        title, url = _link(cells[3])
        if not title:
            continue  # header, separator or placeholder row
        cat_id = categories[section]
        p = papers.get(title)
        if p is None:
            year_s = cells[1].strip()
            year = int(year_s) if year_s.isdigit() else None
            venue = cells[2].strip()
            venue_id = None
            if venue:
                venue = VENUE_ALIASES.get(venue, venue)
                venue_id = venues.get(venue)
                if venue_id is None:
                    venue_id = venues[venue] = len(venues) + 1
            arxiv_id = doi = openreview_id = None
            if url.startswith("https://arxiv.org/abs/"):
                arxiv_id = url[22:]
            elif "/doi/" in url:
                doi = url.split("/doi/", 1)[1]
                if doi.startswith("abs/"):
                    doi = doi[4:]
            elif "openreview.net/forum?id=" in url:
                openreview_id = url.split("?id=", 1)[1]
            word = ""
            for ch in title.split(" ", 1)[0].lower():
                if ch.isalnum():
                    word += ch
            key = base = f"{word or 'paper'}{year or ''}"
            n = key_next.get(base)
            if n is None and key not in keys:
                key_next[base] = 2
            else:
                n = n or 2
                while (key := f"{base}{n}") in keys:
                    n += 1
                key_next[base] = n + 1
            keys.add(key)
            p = papers[title] = [
                len(papers) + 1,
                key,
                title,
                url,
                year,
                venue_id,
                arxiv_id,
                doi,
                openreview_id,
            ]
            _, anchor = _link(cells[4])
            if anchor.startswith("#"):
                paper_fws.append((p[0], anchor[1:], 0))
        pos = cat_pos.get(cat_id, 0)
        cat_pos[cat_id] = pos + 1
        paper_cats.append((p[0], cat_id, pos))

    if os.path.exists(db_path):
        os.remove(db_path)
    con = sqlite3.connect(db_path)
    con.executescript(SCHEMA)
    with con:  # one transaction
        con.executemany(
            "INSERT INTO categories (id, name, position) VALUES (?, ?, ?)",
            [(i, name, i - 1) for name, i in categories.items()],
        )
        con.executemany(
            "INSERT INTO venues (id, name) VALUES (?, ?)", [(i, name) for name, i in venues.items()]
        )
        con.executemany(
            "INSERT INTO frameworks (id, slug, name, url, year, training, inference, serving,"
            " comments, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(k + 1, *fw, k) for k, fw in enumerate(frameworks)],
        )
        fw_ids = {fw[0]: k + 1 for k, fw in enumerate(frameworks)}
        con.executemany(
            "INSERT INTO papers (id, citation_key, title, url, year, venue_id, arxiv_id, doi,"
            " openreview_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            papers.values(),
        )
        con.executemany(
            "INSERT INTO paper_categories (paper_id, category_id, position) VALUES (?, ?, ?)",
            paper_cats,
        )
        con.executemany(
            "INSERT INTO paper_frameworks (paper_id, framework_id, position) VALUES (?, ?, ?)",
            [(pid, fw_ids[slug], pos) for pid, slug, pos in paper_fws if slug in fw_ids],
        )
    con.close()
    print(
        f"floor import: {len(papers)} papers, {len(venues)} venues, {len(frameworks)} "
        f"frameworks, {len(categories)} categories, {len(paper_cats)} paper_categories, "
        f"{len(paper_fws)} paper_frameworks -> {db_path}"
    )


QUERY = """
SELECT p.citation_key, p.title, p.year, p.url, p.arxiv_id, p.doi,
       v.name, v.full_name
FROM papers p LEFT JOIN venues v ON v.id = p.venue_id
ORDER BY p.id
"""


def _rows(db_path: str) -> list[tuple]:
    if not os.path.exists(db_path):
        sys.exit(f"no such database: {db_path}")
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    rows = con.execute(QUERY).fetchall()
    con.close()
    return rows


def floor_export(db_path: str, out_path: str) -> None:
    parts = []
    for key, title, year, url, arxiv_id, _doi, venue, full_name in _rows(db_path):
        if venue:
            parts.append(
                f"@inproceedings{{{key},\n  title = {{{title}}},\n"
                f"  booktitle = {{{full_name or venue}}},\n  year = {{{year}}},\n"
                f"  url = {{{url}}}\n}}\n"
            )
        elif arxiv_id:
            parts.append(
                f"@misc{{{key},\n  title = {{{title}}},\n  year = {{{year}}},\n"
                f"  eprint = {{{arxiv_id}}},\n  archiveprefix = {{arXiv}},\n"
                f"  url = {{{url}}}\n}}\n"
            )
        else:
            parts.append(
                f"@misc{{{key},\n  title = {{{title}}},\n  year = {{{year}}},\n"
                f"  url = {{{url}}}\n}}\n"
            )
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(parts))
    print(f"floor export: {len(parts)} entries -> {out_path}")


def floor_bibtexparser(db_path: str, out_path: str, copy: bool = False) -> None:
    import bibtexparser
    from bibtexparser.model import Entry, Field

    entries = []
    for key, title, year, url, arxiv_id, _doi, venue, full_name in _rows(db_path):
        # Plain values: the default unparse stack adds the enclosing braces itself.
        fields = [Field("title", title)]
        if venue:
            fields.append(Field("booktitle", full_name or venue))
        fields.append(Field("year", str(year)))
        if not venue and arxiv_id:
            fields.append(Field("eprint", arxiv_id))
            fields.append(Field("archiveprefix", "arXiv"))
        fields.append(Field("url", url))
        entries.append(Entry("inproceedings" if venue else "misc", key, fields))
    library = bibtexparser.Library(entries)
    # The library is thrown away after writing, so let the unparse middlewares work in
    # place; with the default stack bibtexparser deep-copies every block first (and warns
    # that this is slow for large libraries) - that variant is `bibtexparser-copy`.
    if copy:
        text = bibtexparser.write_string(library)
    else:
        stack = bibtexparser.middlewares.default_unparse_stack(allow_inplace_modification=True)
        text = bibtexparser.write_string(library, unparse_stack=stack)
    with open(out_path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"floor bibtexparser{'-copy' if copy else ''}: {len(entries)} entries -> {out_path}")


def main(argv: list[str]) -> int:
    usage = (
        "usage: floors.py import FILE.md DB | floors.py export DB OUT.bib | "
        "floors.py bibtexparser[-copy] DB OUT.bib"
    )
    if len(argv) != 3:
        print(usage, file=sys.stderr)
        return 2
    cmd, a, b = argv
    if cmd == "import":
        floor_import(a, b)
    elif cmd == "export":
        floor_export(a, b)
    elif cmd == "bibtexparser":
        floor_bibtexparser(a, b)
    elif cmd == "bibtexparser-copy":
        floor_bibtexparser(a, b, copy=True)
    else:
        print(usage, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
