"""Reading input files (the markdown list, .bib files) into parsed cells and entries;
no database."""
