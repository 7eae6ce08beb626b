"""The ``lmsdb`` command line: a thin layer over the library."""
