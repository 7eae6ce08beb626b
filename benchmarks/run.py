#!/usr/bin/env python3
"""Benchmark lmsdb's import and export against raw SQLite floors.

    python benchmarks/run.py [--sizes 1000,10000,100000] [--repeat 1] [--json FILE]

For each size N it generates a synthetic list (tests/generate.py) into a temporary
directory and runs, each as a whole process of this interpreter (so every figure includes
interpreter start-up and imports, as a user sees it):

    floors.py import LIST DB0                  (a) import floor
    python -m lmsdb --db sqlite:///DB import LIST
    floors.py export DB OUT.bib                (b) export floor, on lmsdb's database
    python -m lmsdb --db sqlite:///DB export bib -o OUT.bib
    python -m lmsdb --db sqlite:///DB export md -o OUT.md
    floors.py bibtexparser DB OUT.bib          (c) bibtexparser v2, for reference
    floors.py bibtexparser-copy DB OUT.bib     (c) with bibtexparser's default unparse stack
    python -m lmsdb --db sqlite:///DB sql "select count(*) from papers"
    sqlite3 -json DB "select * from paper_view"                  (d) the sqlite3 shell
    python -m lmsdb --db sqlite:///DB sql "select * from paper_view" --format json|jsonl
    python -m lmsdb --help
    python -c pass                             interpreter start-up, for reference

and prints a markdown table: N | command | seconds | peak MB | ratio to floor | growth.
The ratio is lmsdb import / (a), lmsdb export bib and export md / (b), (c) / (b), the two
`sql ... paper_view` runs / (d) (the target is 2x; (d) needs the sqlite3 shell, e.g. Debian's
``sqlite3`` package: without it those rows are left out and the run says so). Growth is
time(N) / time(previous N), i.e. time(N)/time(N/10) with the default sizes; linear
scaling shows as ~10.

Exit status: 0 when every command ran and exited 0, 1 otherwise (the table is printed in
both cases; failed commands show FAIL and the end of their stderr is printed).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
# The synthetic lists come from the test suite's generator (tests/generate.py).
sys.path.insert(0, str(REPO))

from tests.generate import generate  # noqa: E402

PY = sys.executable
FLOORS = str(HERE / "floors.py")


# --- measuring one child process -------------------------------------------------------
#
# Wall time and peak memory of exactly one command, robustly:
# * resource.getrusage(RUSAGE_CHILDREN).ru_maxrss is a maximum over *all* children reaped
#   so far, so its deltas say nothing about the latest child once an earlier one was bigger.
# * os.wait4(pid) gives that one child's own rusage, but on Linux a child's ru_maxrss starts
#   from the resident size of the process that spawned it (fork copies the parent's RSS
#   into the child's high-water mark; vfork/posix_spawn share the parent's memory until
#   exec, and exec keeps its high-water mark). run.py holds the generated lists in memory,
#   so spawning from here would report run.py's own peak (tens of MB) for `python -c pass`.
# * `/usr/bin/time -v` gets this right (it is a small C program) but is not installed
#   everywhere and its output has to be scraped from the command's stderr.
# So each command runs under benchmarks/_measure.py, a fresh `python -S` that imports only
# builtin modules (~9 MB resident), spawns the command with os.posix_spawnp, reaps it with
# os.wait4 and writes "seconds ru_maxrss exit_code timed_out" to a report file. Figures are
# thus exact above ~9 MB, which every Python process exceeds anyway. Wall time is
# time.perf_counter() around spawn and reap inside the wrapper, so the wrapper's own
# start-up is not counted. ru_maxrss is KiB on Linux and bytes on macOS. Without os.wait4
# (Windows) the command runs directly and peak memory is reported as None.

MEASURE = str(HERE / "_measure.py")


def measure(cmd: list[str], *, cwd: Path, timeout: float) -> dict:
    with (
        tempfile.TemporaryFile() as fo,
        tempfile.TemporaryFile() as fe,
        tempfile.TemporaryDirectory() as tmp,
    ):
        timed_out = False
        if hasattr(os, "wait4") and hasattr(os, "posix_spawnp"):
            report = Path(tmp) / "report"
            p = subprocess.run(
                [PY, "-S", MEASURE, str(report), str(timeout), *cmd],
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=fo,
                stderr=fe,
                check=False,
            )
            try:
                secs, maxrss, rc, killed = report.read_text().split()
                seconds, rc, timed_out = float(secs), int(rc), killed == "1"
                scale = 1 if sys.platform == "darwin" else 1024
                peak_mb = int(maxrss) * scale / 1e6
            except (OSError, ValueError):  # the wrapper itself failed
                seconds, peak_mb, rc = float("nan"), None, p.returncode or 1
        else:  # pragma: no cover - no os.wait4 (Windows)
            t0 = time.perf_counter()
            try:
                p = subprocess.run(
                    cmd,
                    cwd=cwd,
                    stdin=subprocess.DEVNULL,
                    stdout=fo,
                    stderr=fe,
                    timeout=timeout,
                    check=False,
                )
                rc = p.returncode
            except subprocess.TimeoutExpired:
                rc, timed_out = -9, True
            seconds, peak_mb = time.perf_counter() - t0, None
        fo.seek(0)
        fe.seek(0)
        out = fo.read().decode("utf-8", "replace")
        err = fe.read().decode("utf-8", "replace")
    if timed_out:
        err += f"\n[killed after {timeout:.0f} s timeout]"
        rc = rc or -9
    return {"seconds": seconds, "peak_mb": peak_mb, "rc": rc, "stdout": out, "stderr": err}


# --- machine ----------------------------------------------------------------------------


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        usable = os.cpu_count()
    info = {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "python": platform.python_version(),
        "python_executable": PY,
        "sqlite": sqlite3.sqlite_version,
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    try:
        from importlib.metadata import PackageNotFoundError, version

        for pkg in ("lmsdb", "sqlalchemy", "bibtexparser"):
            try:
                info[pkg] = version(pkg)
            except PackageNotFoundError:
                info[pkg] = None
    except ImportError:  # pragma: no cover
        pass
    try:
        info["loadavg"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):  # pragma: no cover
        pass
    return info


# --- the suite ----------------------------------------------------------------------------


def count(db: Path, sql: str) -> int | None:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return None


SQLITE3 = shutil.which("sqlite3")
VIEW_QUERY = "select * from paper_view"
FLOOR_D = "floor (d) sqlite3 -json"


def _json_steps(lm: list[str]) -> list[tuple]:
    """`sql` printing paper_view as JSON and JSONL beside the sqlite3 shell doing the same
    (``--timeout 0``: a loaded machine must not turn a slow run into a failed one)."""
    if SQLITE3 is None:
        return []
    return [
        (FLOOR_D, [SQLITE3, "-json", "{DB}", VIEW_QUERY], None, None),
        ("lmsdb sql paper_view json",
         lm + ["sql", VIEW_QUERY, "--format", "json", "--timeout", "0"], None, FLOOR_D),
        ("lmsdb sql paper_view jsonl",
         lm + ["sql", VIEW_QUERY, "--format", "jsonl", "--timeout", "0"], None, FLOOR_D),
    ]


def _pg_reset(url: str) -> None:
    """Drop lmsdb's schema (and everything in it) from the PostgreSQL database at ``url``."""
    import psycopg

    from lmsdb.store.db import make_engine, pg_schema

    engine = make_engine(url)
    dsn = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{pg_schema(engine)}" CASCADE')
    engine.dispose()


def _pg_count(url: str) -> int | None:
    from sqlalchemy import text

    from lmsdb.store.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("select count(*) from papers")).scalar()
    except Exception:  # noqa: BLE001 - the check reports None
        return None
    finally:
        engine.dispose()


BEFORE = " [baseline]"


def _baseline_twins(steps: list[tuple], lm: list[str], lm_base: list[str], out: str,
                    out_base: str, db_base: Path, rm) -> list[tuple]:
    """Each SQLite ``lmsdb`` step, followed by the same command run by the baseline
    interpreter on its own database (the same floor, so the two ratios compare)."""
    twins = []
    for label, argv, prepare, floor in steps:
        twins.append((label, argv, prepare, floor))
        if argv[: len(lm)] != lm:
            continue
        base_argv = lm_base + [a.replace(out, out_base) for a in argv[len(lm):]]
        base_prepare = None
        if prepare is not None:
            base_prepare = (lambda: rm(db_base)) if label == "lmsdb import" else (
                lambda: _forget_replay(db_base))
        base_floor = floor + BEFORE if floor and floor.startswith("lmsdb") else floor
        twins.append((label + BEFORE, base_argv, base_prepare, base_floor))
    return twins


def run_size(n: int, work: Path, repeat: int, timeout: float, seed: int,
             pg_url: str | None = None, baseline: str | None = None) -> tuple[list, list]:
    """Run every command for size n; return (results, checks). With ``pg_url``, also
    ``lmsdb import`` into that PostgreSQL database (its ratio is to the SQLite import).
    With ``baseline`` (another interpreter with another lmsdb installed), each SQLite
    ``lmsdb`` command also runs under it, right after ours, on a database of its own."""
    md = work / f"list_{n}.md"
    md.write_text(generate(n, seed), encoding="utf-8")
    floor_db = work / f"floor_{n}.db"
    db = work / f"lmsdb_{n}.db"
    url = f"sqlite:///{db}"
    lm = [PY, "-m", "lmsdb", "--db", url]
    out = {k: work / f"{k}_{n}" for k in ("floor_b", "floor_c", "floor_c2", "lmsdb")}

    def _rm(*paths: Path) -> None:
        for p in paths:
            for q in (p, Path(f"{p}-journal"), Path(f"{p}-wal"), Path(f"{p}-shm")):
                if q.exists():
                    q.unlink()

    # (label, argv, prepare, floor label, export_db_dependent)
    steps = [
        (
            "floor (a) import",
            [PY, FLOORS, "import", str(md), str(floor_db)],
            lambda: _rm(floor_db),
            None,
        ),
        ("lmsdb import", lm + ["import", str(md)], lambda: _rm(db), "floor (a) import"),
        # The maintainer's most common command: the same list again. It is replayed from
        # what the first import stored (issue 9); the next step forces the full comparison
        # (as after a .bib merge, which empties what is replayed).
        ("lmsdb re-import, unchanged", lm + ["import", str(md)], None, "lmsdb import"),
        (
            "lmsdb re-import, unchanged, full sync",
            lm + ["import", str(md)],
            lambda: _forget_replay(db),
            "lmsdb import",
        ),
        *([(
            "lmsdb import (postgresql)",
            [PY, "-m", "lmsdb", "--db", pg_url, "import", str(md)],
            lambda: _pg_reset(pg_url),
            "lmsdb import",
        )] if pg_url else []),
        (
            "floor (b) export",
            [PY, FLOORS, "export", "{DB}", str(out["floor_b"]) + ".bib"],
            None,
            None,
        ),
        (
            "lmsdb export bib",
            lm + ["export", "bib", "-o", str(out["lmsdb"]) + ".bib"],
            None,
            "floor (b) export",
        ),
        (
            "lmsdb export md",
            lm + ["export", "md", "-o", str(out["lmsdb"]) + ".md"],
            None,
            "floor (b) export",
        ),
        (
            "(c) bibtexparser",
            [PY, FLOORS, "bibtexparser", "{DB}", str(out["floor_c"]) + ".bib"],
            None,
            "floor (b) export",
        ),
        (
            "(c) bibtexparser, default stack",
            [PY, FLOORS, "bibtexparser-copy", "{DB}", str(out["floor_c2"]) + ".bib"],
            None,
            "floor (b) export",
        ),
        ("lmsdb sql count", lm + ["sql", "select count(*) from papers"], None, None),
        *_json_steps(lm),
        ("lmsdb --help", [PY, "-m", "lmsdb", "--help"], None, "python -c pass"),
        ("python -c pass", [PY, "-c", "pass"], None, None),
    ]
    if baseline:
        db_base = work / f"baseline_{n}.db"
        lm_base = [baseline, "-m", "lmsdb", "--db", f"sqlite:///{db_base}"]
        steps = _baseline_twins(steps, lm, lm_base, str(out["lmsdb"]),
                                str(work / f"baseline_{n}"), db_base, _rm)
    runs: dict[str, list[dict]] = {s[0]: [] for s in steps}
    for _ in range(repeat):
        for label, argv, prepare, _floor in steps:
            if prepare:
                prepare()
            # The export floors read lmsdb's database; if lmsdb import failed, the floor's.
            export_db = db if count(db, "select count(*) from papers") else floor_db
            argv = [str(export_db) if a == "{DB}" else a for a in argv]
            r = measure(argv, cwd=REPO, timeout=timeout)
            r["cmd"] = argv
            runs[label].append(r)
            if r["rc"] != 0:
                print(
                    f"!! N={n} {label} failed (exit {r['rc']}): {' '.join(argv)}", file=sys.stderr
                )
                print("   " + "\n   ".join(r["stderr"].strip().splitlines()[-15:]), file=sys.stderr)

    results = []
    best = {}
    for label, _argv, _prepare, floor in steps:
        rs = runs[label]
        ok = all(r["rc"] == 0 for r in rs)
        secs = [r["seconds"] for r in rs]
        mems = [r["peak_mb"] for r in rs if r["peak_mb"] is not None]
        best[label] = min(secs) if ok else None
        results.append(
            {
                "n": n,
                "command": label,
                "argv": rs[-1]["cmd"],
                "ok": ok,
                "rc": [r["rc"] for r in rs],
                "seconds": min(secs),
                "all_seconds": secs,
                "peak_mb": max(mems) if mems else None,
                "floor": floor,
                "stderr_tail": rs[-1]["stderr"][-2000:],
                "stdout_tail": rs[-1]["stdout"][-500:],
            }
        )
    for r in results:
        f = r["floor"]
        r["ratio"] = (
            best[r["command"]] / best[f] if f and best.get(f) and best.get(r["command"]) else None
        )

    # Sanity checks: lmsdb did the same job as the floor.
    checks = []

    def check(what: str, got, want) -> None:
        checks.append({"n": n, "check": what, "got": got, "want": want, "ok": got == want})

    def q(d: Path, sql: str):
        return count(d, sql)

    rows_md = sum(
        1
        for line in md.read_text(encoding="utf-8").split("\n")
        if line.startswith("| ") and "](http" in line and "<span" not in line
    )
    check("papers in lmsdb db", q(db, "select count(*) from papers"), n)
    if pg_url:
        check("papers in the PostgreSQL db", _pg_count(pg_url), n)
    check(
        "paper_categories in lmsdb db",
        q(db, "select count(*) from paper_categories"),
        q(floor_db, "select count(*) from paper_categories"),
    )
    check(
        "paper_frameworks in lmsdb db",
        q(db, "select count(*) from paper_frameworks"),
        q(floor_db, "select count(*) from paper_frameworks"),
    )
    check(
        "frameworks in lmsdb db",
        q(db, "select count(*) from frameworks"),
        q(floor_db, "select count(*) from frameworks"),
    )
    check(
        "categories in lmsdb db",
        q(db, "select count(*) from categories"),
        q(floor_db, "select count(*) from categories"),
    )
    bib = Path(str(out["lmsdb"]) + ".bib")
    if bib.exists():
        text = bib.read_text(encoding="utf-8")
        check(
            "entries in lmsdb .bib",
            sum(1 for line in text.split("\n") if line.startswith("@") and "{" in line),
            n,
        )
    mdout = Path(str(out["lmsdb"]) + ".md")
    if mdout.exists():
        got = sum(
            1
            for line in mdout.read_text(encoding="utf-8").split("\n")
            if line.startswith("|") and "](http" in line and "<span" not in line
        )
        check("paper rows in lmsdb .md", got, rows_md)
    view = next((r for r in results if r["command"] == "lmsdb sql paper_view jsonl"), None)
    if view is not None and view["ok"]:
        check("lmsdb sql paper_view jsonl ends with a row", view["stdout_tail"].endswith("}\n"),
              True)
    for label in ("lmsdb re-import, unchanged", "lmsdb re-import, unchanged, full sync"):
        again = next(r for r in results if r["command"] == label)
        if again["ok"]:
            check(f"{label}: nothing changed", "nothing changed" in again["stderr_tail"], True)
    if baseline:
        for ext in (".bib", ".md"):
            ours, theirs = Path(str(out["lmsdb"]) + ext), work / f"baseline_{n}{ext}"
            if ours.exists() and theirs.exists():
                check(f"export {ext[1:]} identical to the baseline's",
                      ours.read_bytes() == theirs.read_bytes(), True)
    sql = next(r for r in results if r["command"] == "lmsdb sql count")
    if sql["ok"]:
        words = sql["stdout_tail"].replace("|", " ").split()
        check("lmsdb sql count prints N", str(n) in words, True)
    return results, checks


def fmt_table(results: list[dict], sizes: list[int]) -> str:
    by = {(r["n"], r["command"]): r for r in results}
    lines = [
        "| N | command | seconds | peak MB | ratio to floor | growth |",
        "|---:|:---|---:|---:|---:|---:|",
    ]
    for i, n in enumerate(sizes):
        prev = sizes[i - 1] if i else None
        for r in (r for r in results if r["n"] == n):
            secs = f"{r['seconds']:.3f}" if r["ok"] else f"FAIL (exit {r['rc'][-1]})"
            mem = f"{r['peak_mb']:.0f}" if r["peak_mb"] is not None else "?"
            if r["ratio"] is not None:
                ratio = f"{r['ratio']:.2f}× {_short(r['floor'])}"
            elif r["floor"] is None:
                ratio = "floor" if r["command"].startswith("floor") else "—"
            else:
                ratio = "—"
            growth = ""
            p = by.get((prev, r["command"])) if prev else None
            if p and p["ok"] and r["ok"] and p["seconds"] > 0:
                g = r["seconds"] / p["seconds"]
                growth = f"{g:.1f}" if prev * 10 == n else f"{g:.1f} (vs {prev})"
            r["growth"] = growth or None
            lines.append(f"| {n:,} | {r['command']} | {secs} | {mem} | {ratio} | {growth} |")
    return "\n".join(lines)


def _short(floor: str) -> str:
    return {"floor (a) import": "(a)", "floor (b) export": "(b)", "python -c pass": "startup",
            FLOOR_D: "(d)", "lmsdb import": "lmsdb import"}.get(floor, floor)


def _forget_replay(db: Path) -> None:
    """Empty lmsdb's list_sync table, so that the next import compares the whole list."""
    con = sqlite3.connect(db)
    with con:
        con.execute("DELETE FROM list_sync")
    con.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Benchmark lmsdb against raw SQLite floors.")
    ap.add_argument(
        "--sizes",
        default="1000,10000,100000",
        help="comma-separated list sizes (default: 1000,10000,100000)",
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per command; the table shows the fastest (default: 1)",
    )
    ap.add_argument("--seed", type=int, default=0, help="generator seed (default: 0)")
    ap.add_argument("--json", metavar="FILE", help="also write the raw figures as JSON")
    ap.add_argument(
        "--workdir",
        metavar="DIR",
        help="keep lists, databases and exports here (default: a temp dir, removed afterwards)",
    )
    ap.add_argument(
        "--timeout",
        type=float,
        default=1800,
        help="seconds before a command is killed (default: 1800)",
    )
    ap.add_argument(
        "--db",
        metavar="URL",
        help="also time `lmsdb import` into this PostgreSQL database (a scratch one: lmsdb's "
        "schema is dropped before each run), as a ratio to the SQLite import of the same run; "
        "'temporary' starts a throwaway server with tests/pg_server.py",
    )
    ap.add_argument(
        "--baseline",
        metavar="PYTHON",
        help="also run every SQLite lmsdb command with this interpreter (another virtualenv "
        "holding another lmsdb, e.g. the last release), right after ours, on its own "
        "database; rows marked [baseline]; the exports must be byte-identical",
    )
    args = ap.parse_args(argv)
    sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    if not sizes or min(sizes) < 1 or args.repeat < 1:
        ap.error("sizes and --repeat must be positive")

    info = machine()
    print("# lmsdb benchmark")
    print()
    print(f"- date: {info['date']}")
    print(
        f"- machine: {info['platform']}; CPU: {info['cpu']}; cores: {info['cores']} "
        f"(usable: {info['usable_cores']}); load average at start: {info.get('loadavg')}"
    )
    print(
        f"- Python {info['python']} ({PY}); SQLite {info['sqlite']}; "
        f"lmsdb {info.get('lmsdb')}; SQLAlchemy {info.get('sqlalchemy')}; "
        f"bibtexparser {info.get('bibtexparser')}"
    )
    print(
        f"- sizes: {', '.join(f'{n:,}' for n in sizes)}; repeat: {args.repeat} "
        f"(fastest run shown; peak memory is the largest); seed: {args.seed}"
    )
    print(flush=True)

    # Warm-up (not measured): compiles lmsdb's .pyc files so the first timed run does not
    # pay for it, and tells early whether lmsdb runs at all.
    warm = measure([PY, "-m", "lmsdb", "--help"], cwd=REPO, timeout=120)
    if warm["rc"] != 0:
        print(
            f"!! `{PY} -m lmsdb --help` fails (exit {warm['rc']}); is lmsdb installed in "
            f"this interpreter's environment?\n   "
            + "\n   ".join(warm["stderr"].strip().splitlines()[-5:]),
            file=sys.stderr,
        )

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="lmsdb-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    results: list[dict] = []
    checks: list[dict] = []
    server = None
    pg_url = args.db
    if pg_url == "temporary":
        from tests.pg_server import temporary_server

        server = temporary_server()
        pg_url = server.__enter__()
    try:
        for n in sizes:
            t0 = time.perf_counter()
            r, c = run_size(n, work, args.repeat, args.timeout, args.seed, pg_url,
                            args.baseline)
            results += r
            checks += c
            print(
                f"[N={n:,} done in {time.perf_counter() - t0:.1f} s]", file=sys.stderr, flush=True
            )
    finally:
        if server is not None:
            server.__exit__(None, None, None)
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)

    print(fmt_table(results, sizes))
    print()
    print(
        "Ratios: lmsdb import ÷ floor (a); lmsdb re-import ÷ lmsdb import (the first import, "
        "same run); lmsdb export bib / export md ÷ floor (b); (c) ÷ (b); lmsdb --help ÷ "
        "`python -c pass`. Growth: time(N) ÷ time(previous N)."
    )
    top = sizes[-1]
    target = []
    for cmd in ("lmsdb import", "lmsdb export bib", "lmsdb export md"):
        r = next((x for x in results if x["n"] == top and x["command"] == cmd), None)
        if r is None:
            continue
        if r["ratio"] is None:
            target.append(f"{cmd}: no ratio (failed)")
        else:
            target.append(f"{cmd} {r['ratio']:.2f}× ({'ok' if r['ratio'] <= 4 else 'OVER'})")
    note = (
        ""
        if top >= 100_000
        else " (the target is for N=100,000; at small N start-up dominates the ratios)"
    )
    print(f"Target (within 4× of the floor) at N={top:,}: " + "; ".join(target) + note)
    json_target = []
    for cmd in ("lmsdb sql paper_view json", "lmsdb sql paper_view jsonl"):
        r = next((x for x in results if x["n"] == top and x["command"] == cmd), None)
        if r is not None and r["ratio"] is not None:
            json_target.append(f"{cmd} {r['ratio']:.2f}× ({'ok' if r['ratio'] <= 2 else 'OVER'})")
    if SQLITE3 is None:
        print("JSON output vs `sqlite3 -json`: not measured, the sqlite3 shell is not installed "
              "(apt-get install sqlite3).")
    elif json_target:
        print(f"Target (within 2× of `sqlite3 -json`) at N={top:,}: " + "; ".join(json_target))
    pg = next((x for x in results if x["n"] == top and x["command"] == "lmsdb import (postgresql)"),
              None)
    if pg is not None:
        verdict = "no ratio (failed)" if pg["ratio"] is None else (
            f"{pg['ratio']:.2f}× ({'ok' if pg['ratio'] <= 1.5 else 'OVER'})")
        print(f"Target (PostgreSQL import within 1.5× of SQLite's) at N={top:,}: {verdict}")
    again = next((x for x in results if x["n"] == top
                  and x["command"] == "lmsdb re-import, unchanged"), None)
    if again is not None and again["ratio"] is not None:
        verdict = "ok" if again["ratio"] <= 0.5 else "OVER"
        print(f"Target (an unchanged re-import costs at most half of the first import) at "
              f"N={top:,}: {again['ratio']:.2f}× ({verdict})")
    bad = [c for c in checks if not c["ok"]]
    print()
    if bad:
        print("Checks that did not hold (lmsdb's output vs the floor's / the input):")
        for c in bad:
            print(f"- N={c['n']:,}: {c['check']}: got {c['got']}, expected {c['want']}")
    else:
        print(
            f"Checks: all {len(checks)} held (row counts of lmsdb's database equal the "
            "floor's; one .bib entry per paper; one .md row per listed paper)."
        )

    if args.json:
        payload = {
            "machine": info,
            "sizes": sizes,
            "repeat": args.repeat,
            "seed": args.seed,
            "results": results,
            "checks": checks,
        }
        Path(args.json).write_text(
            json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    failed = [r for r in results if not r["ok"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
