#!/usr/bin/env python3
"""Write docs/cli.md, the CLI reference, from the ``--help`` of every lmsdb command.

    .venv/bin/python scripts/cli_reference.py            # rewrite docs/cli.md
    .venv/bin/python scripts/cli_reference.py --check    # exit 1 if docs/cli.md is stale

Run it with an interpreter that has lmsdb installed. Each section of the page is exactly
what ``lmsdb COMMAND --help`` prints in a terminal 100 columns wide; the test suite runs
``--check`` (tests/test_docs.py), so the page cannot drift from the commands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import click

PAGE = Path(__file__).resolve().parents[1] / "docs" / "cli.md"

HEADER = """# CLI reference

Every `lmsdb` command and subcommand, as its `--help` prints it (in a terminal 100 columns
wide). This page is generated: `.venv/bin/python scripts/cli_reference.py` rewrites it
after a command changes, and the test suite fails while it is stale. [The tour](tour.md)
shows the commands at work; the exit codes are in the [README](../README.md#exit-codes).
"""


# click wraps help at the terminal's width less 2 (and at most the group's
# max_content_width): a terminal 100 columns wide.
WIDTH = 98


def contexts(ctx: click.Context) -> list[click.Context]:
    """``ctx`` and the context of every command below it, depth first, in click's
    (alphabetical) order."""
    out = [ctx]
    if isinstance(ctx.command, click.Group):
        for name in ctx.command.list_commands(ctx):
            cmd = ctx.command.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                out += contexts(click.Context(cmd, info_name=name, parent=ctx,
                                             **cmd.context_settings))
    return out


def page() -> str:
    """The whole reference page: each command's ``--help``, as `lmsdb ... --help` prints it."""
    from lmsdb.cli.app import cli

    parts = [HEADER]
    root = click.Context(cli, info_name="lmsdb", terminal_width=WIDTH, **cli.context_settings)
    for ctx in contexts(root):
        parts.append(f"## {ctx.command_path}\n\n```text\n{ctx.get_help().rstrip()}\n```\n")
    return "\n".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true",
                    help="write nothing; exit 1 if the page is not what would be written")
    ap.add_argument("--page", type=Path, default=PAGE, metavar="FILE",
                    help="the page to write or check (default: docs/cli.md)")
    args = ap.parse_args()
    text = page()
    if args.check:
        if args.page.exists() and args.page.read_text(encoding="utf-8") == text:
            return 0
        print(f"{args.page} is stale: run `python scripts/cli_reference.py`", file=sys.stderr)
        return 1
    args.page.write_text(text, encoding="utf-8")
    print(f"wrote {args.page}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
