"""lmsdb: a curated list of research papers, kept as a real database."""

__version__ = "0.1.0"
