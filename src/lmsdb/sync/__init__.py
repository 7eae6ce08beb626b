"""Writing into the database: the list sync, the .bib merge, curation, rekeying."""
