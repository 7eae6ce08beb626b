"""The models' own Core tables, one name each, for the fast paths that skip the ORM.

Bulk reads and writes (the list sync, the ``.bib`` merge, enrichment, add/edit/rm) work on
rows, not objects: they use ``Paper.__table__`` and its columns by name. Import the names
from here rather than defining ``papers_t = Paper.__table__`` again::

    from lmsdb.store.tables import papers_t, venues_t
"""

from __future__ import annotations

from lmsdb.store.schema import (
    Author,
    Category,
    EnrichLookup,
    FieldProvenance,
    Framework,
    ListMeta,
    ListSync,
    Paper,
    PaperAlias,
    PaperAuthor,
    PaperBase,
    PaperCategory,
    PaperFramework,
    PaperUrl,
    RemovedPaper,
    Venue,
    VenueAlias,
)

papers_t = Paper.__table__
venues_t = Venue.__table__
venue_aliases_t = VenueAlias.__table__
authors_t = Author.__table__
pa_t = PaperAuthor.__table__  # paper_authors
urls_t = PaperUrl.__table__  # paper_urls: a paper's other links
frameworks_t = Framework.__table__
categories_t = Category.__table__  # the list's sections
pf_t = PaperFramework.__table__  # paper_frameworks
pc_t = PaperCategory.__table__  # paper_categories: a paper's place in a section
meta_t = ListMeta.__table__  # the list's own text
base_t = PaperBase.__table__  # what the list last said of each paper (three-way sync)
aliases_t = PaperAlias.__table__  # old citation keys
removed_t = RemovedPaper.__table__  # papers removed with `lmsdb rm`
prov_t = FieldProvenance.__table__
lookups_t = EnrichLookup.__table__
syncs_t = ListSync.__table__  # the imports recorded for replay
