"""The metadata services lmsdb asks about papers: DBLP, Crossref, arXiv, Semantic Scholar.

Each module builds its requests and parses its answers into :class:`~lmsdb.services.record.
Found` records; :mod:`lmsdb.services.http` is the one HTTP client (cache, pace, retries).
"""
