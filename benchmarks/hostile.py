#!/usr/bin/env python3
"""Time imports of lists and .bib files holding one huge hostile cell, to show linearity.

    python benchmarks/hostile.py                 # 0.5, 1 and 2 MB cells
    python benchmarks/hostile.py --sizes 1000000 --kinds title_comments,fw_span

Each case is a whole ``python -m lmsdb import`` process into a fresh database that already
holds the reference list (the fastest of ``--repeat`` runs). The baseline is the same list
with a short cell, run in the same invocation: most of a case's time is the process's
start and the import of the reference-sized rest. The table shows each case's time and its
time above the baseline; a quadratic pattern (what this guards against) shows as an excess
that grows 4x per doubling of the cell, and took 25 s for 120 KB before issue 10. Issue
10's target: a 1 MB cell of any content is imported or refused within 2 seconds.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "awesome-lm-system.md"
HEAD = ("# L\n\n## Papers\n\n### T\n\n| Year | Publisher | Title | Framework |\n"
        "|---|---|---|---|\n")
FW = ("\n## Frameworks\n\n| Year | Name | Training | Inference | Serving | Comments |\n"
      "|---|---|---|---|---|---|\n")
SPAN = '| 2021 | <span id="ds"></span>[DeepSpeed](https://x.org/ds) | ✔ | ✔ | ✗ | |\n'


def _rep(s: str, n: int) -> str:
    return (s * (n // len(s) + 1))[:n]


def _md(title: str = "[T](https://x.org/t)", venue: str = "ICML", fw: str = "",
        name: str | None = None, year: str = "2021") -> str:
    fw_row = SPAN if name is None else f"| 2021 | {name} | ✔ | ✔ | ✗ | |\n"
    return HEAD + f"| {year} | {venue} | {title} | {fw} |\n" + FW + fw_row


def _bib(title: str = "T", author: str = "A B", pages: str = "1--2") -> str:
    return (f"@misc{{k,\n  title = {{{title}}},\n  author = {{{author}}},\n"
            f"  pages = {{{pages}}},\n  year = {{2021}}\n}}\n")


KINDS = {
    "title_text": (".md", lambda n: _md(f"[{_rep('A long title ', n)}](https://x.org/t)")),
    "title_comments": (".md", lambda n: _md(f"[x{_rep('<!--', n)}](https://x.org/t)")),
    "title_tags": (".md", lambda n: _md(f"[x{_rep('<b>', n)}](https://x.org/t)")),
    "title_lt": (".md", lambda n: _md(f"[x{_rep('<', n)}](https://x.org/t)")),
    "title_brackets": (".md", lambda n: _md(_rep("[", n))),
    "title_link_attempt": (".md", lambda n: _md("[" + _rep("](a", n))),
    "title_entities": (".md", lambda n: _md(f"[x{_rep('&#1', n)}](https://x.org/t)")),
    "title_backslashes": (".md", lambda n: _md(f"[x{_rep(chr(92), n)}](https://x.org/t)")),
    "url": (".md", lambda n: _md(f"[T](https://x.org/{_rep('a/', n)})")),
    "venue": (".md", lambda n: _md(venue=_rep("Conf 2020 (", n))),
    "year_digits": (".md", lambda n: _md(year=_rep("9", n))),
    "fw_anchors": (".md", lambda n: _md(fw=_rep("](#a", n))),
    "fw_span": (".md", lambda n: _md(name=_rep("<span ", n))),
    "fw_span_id": (".md", lambda n: _md(name=_rep("<span id=", n))),
    "cells": (".md", lambda n: _md(fw=_rep("|", n))),
    "bib_title": (".bib", lambda n: _bib(title=_rep("\\'{e}x ", n))),
    "bib_authors": (".bib", lambda n: _bib(author=_rep("Ann Author and ", n) + "B C")),
    "bib_pages": (".bib", lambda n: _bib(pages=_rep("1 - ", n))),
}


def _time(args: list[str], timeout: float) -> tuple[float, int]:
    t = time.perf_counter()
    try:
        rc = subprocess.run(args, capture_output=True, timeout=timeout).returncode
    except subprocess.TimeoutExpired:
        return float("inf"), -1
    return time.perf_counter() - t, rc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="500000,1000000,2000000",
                    help="cell sizes in characters, comma-separated")
    ap.add_argument("--kinds", default=",".join(KINDS), help="which cases, comma-separated")
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds per command")
    ap.add_argument("--repeat", type=int, default=1, help="runs per case; the fastest counts")
    a = ap.parse_args(argv)
    sizes = [int(s) for s in a.sizes.split(",")]
    work = Path(tempfile.mkdtemp(prefix="lmsdb-hostile-"))
    try:
        ref = work / "ref.sqlite"
        lmsdb = [sys.executable, "-m", "lmsdb"]
        subprocess.run([*lmsdb, "--db", f"sqlite:///{ref}", "import", str(SEED)],
                       capture_output=True, check=True)

        def run(ext: str, text: str) -> tuple[float, int]:
            src = work / f"case{ext}"
            src.write_text(text, encoding="utf-8")
            db = work / "db.sqlite"
            shutil.copyfile(ref, db)
            return _time([*lmsdb, "--db", f"sqlite:///{db}", "import", str(src)], a.timeout)

        def best(ext: str, text: str) -> tuple[float, int]:
            runs = [run(ext, text) for _ in range(max(a.repeat, 1))]
            return min(r[0] for r in runs), runs[-1][1]

        base = {ext: best(ext, _md() if ext == ".md" else _bib())[0] for ext in (".md", ".bib")}
        print(f"baseline (short cell): .md {base['.md']:.2f} s, .bib {base['.bib']:.2f} s")
        print("| case | size | exit | seconds | above baseline |")
        print("|:---|---:|---:|---:|---:|")
        for kind in a.kinds.split(","):
            ext, make = KINDS[kind]
            for n in sizes:
                secs, rc = best(ext, make(n))
                print(f"| {kind} | {n:,} | {rc} | {secs:.2f} | {secs - base[ext]:+.2f} |",
                      flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
