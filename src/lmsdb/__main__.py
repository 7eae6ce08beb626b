"""``python -m lmsdb``: the same as the ``lmsdb`` command."""

from lmsdb.cli.app import main

main()
