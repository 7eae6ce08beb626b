"""The tables the exporters read, as lightweight Core constructs (``table``/``column``).

An export needs SQL, not the ORM: importing ``lmsdb.store.schema`` pulls in ``sqlalchemy.orm``,
which costs every export command about 0.09 s (measured), a third of the raw floor of a
100,000-paper BibTeX export. ``tests/test_exporters_tables.py`` checks that every column
named here exists in the models' tables, so the two cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import column, table

papers = table(
    "papers", column("id"), column("citation_key"), column("title"), column("url"),
    column("year"), column("venue_id"), column("arxiv_id"), column("doi"), column("pages"),
    column("publisher"), column("volume"), column("number"), column("primary_class"),
    column("note"),
)
venues = table("venues", column("id"), column("name"), column("full_name"), column("kind"))
authors = table("authors", column("id"), column("family"), column("given"))
paper_authors = table("paper_authors", column("paper_id"), column("position"),
                      column("author_id"))
categories = table("categories", column("id"), column("name"), column("position"))
paper_categories = table("paper_categories", column("paper_id"), column("category_id"),
                         column("position"), column("cells"))
frameworks = table(
    "frameworks", column("id"), column("slug"), column("name"), column("url"), column("year"),
    column("training"), column("inference"), column("serving"), column("comments"),
    column("position"), column("listed"), column("cells"),
)
paper_frameworks = table("paper_frameworks", column("paper_id"), column("framework_id"),
                         column("position"), column("label"))
list_meta = table("list_meta", column("key"), column("value"))
paper_urls = table("paper_urls", column("paper_id"), column("url"))
paper_aliases = table("paper_aliases", column("alias"), column("paper_id"))
venue_aliases = table("venue_aliases", column("key"), column("venue_id"))

ALL = (papers, venues, authors, paper_authors, categories, paper_categories, frameworks,
       paper_frameworks, list_meta, paper_urls, paper_aliases, venue_aliases)
