"""Reading input files: the markdown list and .bib files, into parsed cells and entries (no database)."""
