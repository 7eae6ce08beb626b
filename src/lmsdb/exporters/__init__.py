"""Writing the database out as text: BibTeX and the markdown list (rows in, text out)."""
