"""The schema, documented once: what each table, view and column means, and the README's
example questions. ``lmsdb serve`` turns this into Datasette's metadata; a test checks that
the README's schema table and example queries say the same.
"""

from __future__ import annotations

# table -> (description, {column: description})
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "papers": ("One paper, however many sections of the list mention it.", {
        "id": "integer primary key",
        "citation_key": "unique BibTeX key, stable once given",
        "title": "the title as the list writes it (inline HTML such as H<sub>2</sub>O kept)",
        "url": "the paper's link, cleaned; a peer-reviewed URL wins over a preprint",
        "year": "publication year",
        "venue_id": "→ venues.id; NULL for a preprint (empty Publisher cell)",
        "arxiv_id": "arXiv identifier without version (1909.08053)",
        "doi": "DOI, where the URL carries a registered one",
        "openreview_id": "OpenReview forum id",
        "pages": "pages, merged from a .bib file (stored as 559-578)",
        "publisher": "publisher, merged from a .bib file",
        "volume": "volume, merged from a .bib file",
        "number": "number, merged from a .bib file",
        "primary_class": "arXiv primary class, merged from a .bib file",
        "note": "note, merged from a .bib file",
        "search_title": "the title's words as the search index reads them (accents folded, "
                        "lower case)",
        "search_authors": "the authors' words as the search index reads them",
        "search_vector": "their Porter stems with positions (PostgreSQL's search index; "
                         "NULL on SQLite)",
        "dblp_key": "DBLP's record key (conf/osdi/ZhengLZZCHWXZXG22), from lmsdb enrich",
        "s2_id": "Semantic Scholar's paper id, from lmsdb enrich",
    }),
    "venues": ("Where a paper appeared: a conference, journal, workshop or tutorial.", {
        "id": "integer primary key",
        "name": "canonical short name, unique (NeurIPS, OSDI)",
        "full_name": "the venue's full name (used as BibTeX booktitle/journal)",
        "kind": "conference, journal, workshop, tutorial, or unknown",
        "known": "1 if the venue is in lmsdb's catalogue or defined with `lmsdb venue add`, 0 "
                 "if imported as written",
        "user_defined": "1 for a venue defined with `lmsdb venue add`",
    }),
    "venue_aliases": ("Spellings of the venues defined with `lmsdb venue add`.", {
        "key": "the spelling as looked up (case, spacing and a trailing year ignored)",
        "venue_id": "→ venues.id", "alias": "the spelling as given",
    }),
    "frameworks": ("A system from the list's Frameworks table.", {
        "id": "integer primary key",
        "slug": "the list's anchor id (ds for <span id=\"ds\">), unique",
        "name": "as in the Frameworks table", "url": "as in the Frameworks table",
        "year": "as in the Frameworks table",
        "training": "capability flag (✔ = 1, ✗ = 0)",
        "inference": "capability flag (✔ = 1, ✗ = 0)",
        "serving": "capability flag (✔ = 1, ✗ = 0)",
        "comments": "free text", "position": "order in the list's Frameworks table",
        "listed": "0 once the list no longer has the framework (kept until import --prune; "
                  "not written by export md)",
        "cells": "cells of columns lmsdb does not know, as written (a JSON list), or NULL",
    }),
    "paper_frameworks": ("A paper's framework links (many-to-many).", {
        "paper_id": "→ papers.id", "framework_id": "→ frameworks.id",
        "position": "order of the link within the paper's Framework cell",
        "label": "the link's text as the list wrote it (TorchGpipe in [TorchGpipe](#gpipe))",
    }),
    "categories": ("The list's ### sections, in order.", {
        "id": "integer primary key", "name": "section name, unique",
        "position": "order in the list",
    }),
    "paper_categories": ("A paper listed in a section (many-to-many).", {
        "paper_id": "→ papers.id", "category_id": "→ categories.id",
        "position": "the paper's row within that section (0-based)",
        "cells": "that row's cells of columns lmsdb does not know (a JSON list), or NULL",
    }),
    "paper_urls": ("Other links to a paper (a preprint beside the proceedings page).", {
        "paper_id": "→ papers.id", "url": "the other link",
    }),
    "authors": ("People, one row per name.", {
        "id": "integer primary key", "family": "family name", "given": "given names",
        "key": "the folded family|given, unique",
    }),
    "paper_authors": ("A paper's authors in order.", {
        "paper_id": "→ papers.id", "position": "0-based place in the author list",
        "author_id": "→ authors.id",
        "orcid": "the author's ORCID where a metadata service gave one (lmsdb enrich)",
    }),
    "field_provenance": ("Where each field that lmsdb enrich wrote came from.", {
        "paper_id": "→ papers.id", "field": "the field (authors, doi, pages, venue, ...)",
        "source": "dblp, crossref, arxiv or s2", "source_id": "the source's id of the record",
        "value": "the value enrichment wrote", "retrieved_at": "when (ISO 8601, UTC)",
    }),
    "enrich_lookups": ("Which source was asked about which paper, so enrich can resume.", {
        "paper_id": "→ papers.id", "source": "dblp, crossref, arxiv or s2",
        "query": "what was asked (doi:..., arxiv:..., title:...)",
        "outcome": "found, not found or rejected",
        "source_id": "the source's id of the record found",
        "looked_up_at": "when (ISO 8601, UTC)",
    }),
    "list_meta": ("The list's title line, introduction and layout, for regeneration.", {
        "key": "title, intro, extra or layout (the list's text and table layouts, JSON)",
        "value": "the text",
    }),
    "list_sync": ("The digest and report of the last list import, replayed by a repeat "
                  "import; emptied by triggers on any change to the tables the sync reads.", {
        "key": "digest or report", "value": "the digest (hex), or the report (JSON)",
    }),
    "paper_aliases": ("Old citation keys kept by `lmsdb rekey` (biblatex ids).", {
        "alias": "the old key, unique", "paper_id": "→ papers.id",
    }),
    "paper_base": ("What the list said about a paper at its last import (the base of the "
                   "three-way sync); no row for a paper never in the list.", {
        "paper_id": "→ papers.id", "title": "the list's title", "url": "the list's link",
        "year": "the list's year", "venue": "the venue's name as the list gave it",
        "frameworks": "the list's framework anchors, newline-joined",
        "categories": "the list's sections for the paper, newline-joined",
    }),
    "removed_papers": ("Listed papers removed with `lmsdb rm`: an import does not bring them "
                       "back.", {
        "id": "integer primary key", "citation_key": "the key it had", "title": "its title",
        "keys": "its identity keys (arXiv id, DOI, URL, title), newline-joined",
    }),
    "paper_view": ("One row per paper with its venue, frameworks, categories and authors.", {
        "venue": "venues.name; NULL for a preprint",
        "venue_kind": "venues.kind",
        "frameworks": "the paper's framework names, comma-joined in the cell's order",
        "categories": "its sections, comma-joined in the list's order",
        "authors": "Given Family, comma-joined in order",
        "venue_full_name": "venues.full_name",
        "pages": "as in papers",
    }),
    "paper_author_view": ("One row per paper and author (authors with the most papers: "
                          "GROUP BY author).", {
        "author": "Given Family", "position": "0-based place in the author list",
    }),
    "framework_view": ("One row per framework with its number of papers.", {
        "papers": "the number of papers linked to the framework",
    }),
}

# The README's example questions ("Ask the data in SQL"), as canned queries: name ->
# (title, SQL as the README writes it; a test finds each in the README).
QUERIES: dict[str, tuple[str, str]] = {
    "osdi_2022_alpa": (
        "Which 2022 OSDI papers use Alpa?",
        "select citation_key, title from paper_view\n"
        "    where year = 2022 and venue = 'OSDI' and frameworks like '%Alpa%'"),
    "papers_per_year": (
        "Papers per year",
        "select year, count(*) as papers from papers group by year order by year"),
    "top_venues": (
        "The five venues with the most papers",
        "select coalesce(venue, '(preprint)') as venue, count(*) as papers from paper_view\n"
        "    group by venue order by papers desc, venue limit 5"),
    "frameworks_by_papers": (
        "Frameworks by number of papers",
        "select name, papers, training, inference, serving from framework_view\n"
        "    order by papers desc, position"),
    "in_several_categories": (
        "Papers listed in more than one section",
        "select citation_key, year, categories from paper_view where categories like '%,%'"),
    "papers_per_year_with_word": (
        "Papers per year whose title has a word (e.g. %quantization%)",
        "select year, count(*) as papers from paper_view where title like :word "
        "group by year"),
}

FACETS = ["venue", "year", "categories", "frameworks"]
