"""Write the hostile inputs of tests/data/bad/ and their expected outcomes (EXPECTED.tsv).

Run ``python tests/data/bad/make_bad.py`` to rewrite the small files and the table. The
large and byte-level inputs (a 1 MB title, a 100,000-cell row, ...) are not stored: the
table names them ``gen:NAME`` and ``tests/test_hostile_corpus.py`` builds them with
:func:`generate` into a temporary directory.

Each case is imported (``lmsdb import [ARGS] FILE``) into a database that already holds the
reference list. Outcomes: ``error`` (exit 1, ``FILE:WHERE: error:`` and the message on
stderr, the database dump unchanged), ``refused`` (exit 1, dump unchanged, ``FILE:WHERE``
named in the refusal), ``warning`` (exit 0, ``FILE:WHERE: warning:`` and the message),
``success`` (exit 0, no error). WHERE is LINE or LINE:COLUMN, counted by hand from the
templates below (row 9 of a list; the title cell starts at column 17).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

# A list whose one paper row is line 9 and whose Frameworks table defines #ds at line 15.
HEAD = ("# Hostile\n\n## Papers\n\n### Training\n\n| Year | Publisher | Title | Framework |\n"
        "|:----:|:---------:|:------|:---------:|\n")
FRAMEWORKS = ("\n## Frameworks\n\n| Year | Name | Training | Inference | Serving | Comments |\n"
              "|:----:|:----:|:---------|:---------:|:-------:|:---------|\n"
              "| 2021 | <span id=\"ds\"></span>[DeepSpeed](https://github.com/microsoft/DeepSpeed)"
              " | ✔ | ✔ | ✗ | |\n")


def row(title: str, year: str = "2021", venue: str = "ICML", fw: str = "[DeepSpeed](#ds)") -> str:
    return f"| {year} | {venue} | {title} | {fw} |\n"


def listing(paper_row: str, frameworks: str = FRAMEWORKS) -> str:
    return HEAD + paper_row + frameworks


OK_ROW = row("[A Hostile Paper](https://example.org/hostile)")
SEED = HERE.parents[2] / "seeds" / "awesome-lm-system.md"


def _seed_with(after: str, extra: str, replace: tuple[str, str] | None = None) -> str:
    text = SEED.read_text(encoding="utf-8")
    if replace:
        assert replace[0] in text
        text = text.replace(replace[0], replace[1], 1)
    i = text.index(after) + len(after)
    return text[:i] + extra + text[i:]


# (file, args, outcome, where, message substring, content)
MD: list[tuple[str, str, str, str, str, str]] = [
    ("link_open_bracket.md", "", "error", "9:17", "never closed by '](URL)'",
     listing(row("[T(https://example.org/t)"))),
    ("link_unclosed_paren.md", "", "error", "9:17", "'(' is never closed",
     listing(row("[T](https://example.org/t"))),
    ("link_space_in_url.md", "", "error", "9:17", "contains whitespace",
     listing(row("[T](https://example.org/t y)"))),
    ("link_space_in_url_lenient.md", "--lenient", "warning", "9:17", "row skipped (--lenient)",
     listing(row("[T](https://example.org/t y)"))),
    ("link_text_before.md", "", "error", "9:17", "text before the link",
     listing(row("See [T](https://example.org/t)"))),
    ("link_text_after.md", "", "error", "9:17", "'(' is never closed",
     listing(row("[T](https://example.org/t) and more"))),
    ("link_ftp.md", "", "error", "9:17", "is not http(s)",
     listing(row("[T](ftp://example.org/t)"))),
    ("title_empty_html.md", "", "error", "9:17", "empty once its HTML is removed",
     listing(row("<b></b>"))),
    ("title_empty_html_link.md", "", "error", "9:17", "empty once its HTML is removed",
     listing(row("[<i> </i>](https://example.org/t)"))),
    ("title_comment_only.md", "", "error", "9:17", "empty once its HTML is removed",
     listing(row("[<!-- nothing -->](https://example.org/t)"))),
    ("title_nul.md", "", "error", "9:19", "control character U+0000",
     listing(row("[a\x00b](https://example.org/t)"))),
    ("title_esc.md", "", "error", "9:19", "control character U+001B",
     listing(row("[a\x1b[31mb](https://example.org/t)"))),
    ("title_u2028.md", "", "error", "9:19", "control character U+2028",
     listing(row("[a\u2028b](https://example.org/t)"))),
    ("title_u2029.md", "", "error", "9:19", "control character U+2029",
     listing(row("[a\u2029b](https://example.org/t)"))),
    ("title_formfeed.md", "", "error", "9:19", "control character U+000C",
     listing(row("[a\x0cb](https://example.org/t)"))),
    ("title_vtab.md", "", "error", "9:19", "control character U+000B",
     listing(row("[a\x0bb](https://example.org/t)"))),
    ("title_nel.md", "", "error", "9:19", "control character U+0085",
     listing(row("[a\x85b](https://example.org/t)"))),
    ("title_del.md", "", "error", "9:19", "control character U+007F",
     listing(row("[a\x7fb](https://example.org/t)"))),
    ("venue_control.md", "", "error", "9:11", "control character U+0007",
     listing(row("[T](https://example.org/t)", venue="I\x07CML"))),
    ("year_5000_digits.md", "", "error", "9:3", "of 5000 digits is outside",
     listing(row("[T](https://example.org/t)", year="9" * 5000))),
    ("year_words.md", "", "error", "9:3", "is not a number",
     listing(row("[T](https://example.org/t)", year="20x1"))),
    ("year_plus.md", "", "error", "9:3", "is not a number",
     listing(row("[T](https://example.org/t)", year="+2021"))),
    ("year_1899.md", "", "error", "9:3", "is outside 1900..",
     listing(row("[T](https://example.org/t)", year="1899"))),
    ("year_2999.md", "", "error", "9:3", "is outside 1900..",
     listing(row("[T](https://example.org/t)", year="2999"))),
    ("year_arabic_digits.md", "", "error", "9:3", "is not a number",
     listing(row("[T](https://example.org/t)", year="٢٠٢١"))),
    ("unescaped_pipe.md", "", "error", "9:", "cells, the header has 4",
     listing(row("[A | B](https://example.org/t)"))),
    ("unknown_anchor.md", "", "error", "9:", "#nope matches no <span id=...>",
     listing(row("[T](https://example.org/t)", fw="[X](#nope)"))),
    ("unknown_anchor_lenient.md", "--lenient", "warning", "9", "imported without it",
     listing(row("[T](https://example.org/t)", fw="[X](#nope)"))),
    ("framework_no_anchor_link.md", "", "warning", "9", "has no #anchor link",
     listing(row("[T](https://example.org/t)", fw="DeepSpeed"))),
    ("framework_no_span.md", "", "error", "15:10", "has no <span id=",
     listing(OK_ROW, FRAMEWORKS.replace('<span id="ds"></span>', ""))),
    ("framework_flag.md", "", "error", "15:", "is not ✔ or ✗",
     listing(OK_ROW, FRAMEWORKS.replace("| ✔ | ✔ | ✗ |", "| maybe | ✔ | ✗ |"))),
    ("framework_year_digits.md", "", "error", "15:3", "of 5000 digits is outside",
     listing(OK_ROW, FRAMEWORKS.replace("| 2021 | <span", "| " + "7" * 5000 + " | <span"))),
    ("framework_control.md", "", "error", "15:", "control character U+0000",
     listing(OK_ROW, FRAMEWORKS.replace("| |\n", "| a\x00b |\n"))),
    ("framework_twice.md", "", "warning", "16", "already defined at line 15",
     listing(OK_ROW, FRAMEWORKS + FRAMEWORKS.splitlines(keepends=True)[-1].replace("✗", "✔"))),
    ("no_papers_section.md", "", "error", "", "no '## Papers' section",
     "# Just a title\n\nSome text.\n"),
    ("empty.md", "", "error", "", "no '## Papers' section", ""),
    ("header_without_title.md", "", "error", "7", "table header has no title column",
     listing(OK_ROW).replace("| Year | Publisher | Title |", "| Year | Publisher | Name |")),
    ("template_row.md", "", "warning", "9", "template row",
     listing("| Year | Pub | Title | Framework |\n" + OK_ROW)),
    ("table_outside_section.md", "", "warning", "5", "outside any ### section",
     listing(OK_ROW).replace("### Training\n\n", "")),
    # The seed list with a stray fence after "### Training" (line 15): line 16 onwards is code.
    ("stray_fence_prune.md", "--prune", "refused", "16", "could not read all of the list",
     _seed_with("### Training\n", "```\n")),
    ("stray_fence.md", "", "warning", "16", "is not kept", _seed_with("### Training\n", "```\n")),
    # The seed list with a typo in the Training table's separator (line 18): its header
    # (line 17) and rows are text, not a table.
    ("separator_typo_prune.md", "--prune", "refused", "17", "could not read all of the list",
     _seed_with("", "", ("|:----:|:---------------:|", "|:----:|:------x--------:|"))),
    ("crlf_bom.md", "", "success", "", "", "\ufeff" + listing(OK_ROW).replace("\n", "\r\n")),
    ("cr_only.md", "", "success", "", "", listing(OK_ROW).replace("\n", "\r")),
    ("mixed_newlines.md", "", "success", "", "",
     listing(OK_ROW).replace("\n", "\r\n", 5).replace("\n\n## F", "\r\r## F")),
    ("nbsp_title.md", "", "success", "", "",
     listing(row("[A\u00a0Hostile\u00a0Paper](https://example.org/nbsp)"))),
    ("escaped_pipe_title.md", "", "success", "", "",
     listing(row("[A \\| B](https://example.org/pipe)"))),
    ("html_title.md", "", "success", "", "",
     listing(row("[H<sub>2</sub>O <!-- x --> at <i>scale</i>](https://example.org/h2o)"))),
    ("brackets_title.md", "", "success", "", "", listing(row("[RE] Reproducing a paper"))),
    ("tabs.md", "", "success", "", "", listing(OK_ROW.replace(" | ", "\t|\t"))),
]

BIB_OK = "@inproceedings{ok,\n  title = {A Hostile Paper},\n  year = {2021}\n}\n"
ALPA = "Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed Deep Learning"


def alpa(field: str) -> str:
    """Alpa's entry (it matches a paper of the reference list) with one field; field line 3."""
    return f"@inproceedings{{alpa,\n  title = {{{ALPA}}},\n  {field},\n  year = {{2022}}\n}}\n"


BIB: list[tuple[str, str, str, str, str, str]] = [
    ("unbalanced.bib", "", "error", "1", "unbalanced braces",
     "@inproceedings{a,\n  title = {Open {brace},\n  year = {2021}\n}\n"),
    ("extra_brace.bib", "", "error", "2", "an extra '}' ends the entry",
     "@inproceedings{a,\n  title = {A title}},\n  year = {2021}\n}\n"),
    ("undefined_macro.bib", "", "warning", "2", "no @string defines",
     "@inproceedings{a,\n  title = undefinedmacro,\n  year = {2021}\n}\n"),
    ("defined_macro.bib", "", "success", "", "",
     '@string{t = "A Hostile Paper"}\n@inproceedings{a,\n  title = t,\n  year = {2021}\n}\n'),
    ("pages_input.bib", "", "warning", "3", "the TeX command \\input",
     alpa("pages = {\\input /etc/passwd 1--2}")),
    ("doi_write.bib", "", "warning", "3", "the TeX command \\write",
     alpa("doi = {10.1145/\\write18{touch x}}")),
    ("doi_space.bib", "", "warning", "3", "is not a DOI", alpa("doi = {10.1145/12 34}")),
    ("doi_not_doi.bib", "", "warning", "3", "is not a DOI", alpa("doi = {not-a-doi}")),
    ("url_space.bib", "", "warning", "3", "is not a URL", alpa("url = {https://x.org/a b}")),
    ("url_backslash.bib", "", "warning", "3", "is not a URL", alpa("url = {https://x.org/\\x}")),
    ("pages_words.bib", "", "warning", "3", "is not a page or page range",
     alpa("pages = {one to two}")),
    ("volume_def.bib", "", "warning", "3", "the TeX command \\def",
     alpa("volume = {\\def\\x{1}1}")),
    ("volume_words.bib", "", "warning", "3", "is not a volume", alpa("volume = {#1; drop}")),
    ("publisher_immediate.bib", "", "warning", "3", "the TeX command \\immediate",
     alpa("publisher = {\\immediate\\write18{rm -rf x}}")),
    ("publisher_catcode.bib", "", "warning", "3", "the TeX command \\catcode",
     alpa("publisher = {\\catcode`\\@=11 ACM}")),
    ("booktitle_openout.bib", "", "warning", "3", "the TeX command \\openout",
     alpa("booktitle = {\\openout1=x.tex OSDI}")),
    ("note_control.bib", "", "warning", "3", "control character U+001B",
     alpa("note = {a\x1bb}")),
    ("title_input.bib", "", "warning", "2", "entry skipped",
     "@inproceedings{a,\n  title = {\\input{/etc/passwd}},\n  year = {2021}\n}\n"),
    ("title_nul.bib", "", "warning", "2", "control character U+0000",
     "@inproceedings{a,\n  title = {A\x00B},\n  year = {2021}\n}\n"),
    ("year_5000_digits.bib", "", "error", "3", "of 5000 digits is outside",
     "@inproceedings{a,\n  title = {T},\n  year = {" + "9" * 5000 + "}\n}\n"),
    ("year_words.bib", "", "error", "3", "is not a number",
     "@inproceedings{a,\n  title = {T},\n  year = {twenty}\n}\n"),
    ("missing_year.bib", "", "error", "1", "missing field 'year'",
     "@inproceedings{a,\n  title = {T}\n}\n"),
    ("missing_title.bib", "", "error", "1", "missing field 'title'",
     "@inproceedings{a,\n  year = {2021}\n}\n"),
    ("duplicate_key.bib", "", "error", "5", "duplicate entry key", BIB_OK + BIB_OK),
    ("duplicate_key_case.bib", "", "error", "5", "another case", BIB_OK + BIB_OK.replace("{ok,", "{OK,")),
    ("duplicate_field.bib", "", "error", "1", "given twice",
     "@inproceedings{a,\n  title = {T},\n  title = {U},\n  year = {2021}\n}\n"),
    ("author_commas.bib", "", "error", "3", "more than two commas",
     "@inproceedings{a,\n  title = {T},\n  author = {a, b, c, d},\n  year = {2021}\n}\n"),
    ("empty.bib", "", "success", "", "", ""),
    ("matches_nothing.bib", "", "warning", "1", "matches no paper", BIB_OK),
    ("good_merge.bib", "", "success", "", "",
     alpa("pages = {559--578},\n  doi = {10.5555/3571885.3571946},\n  volume = {16}")),
]

# Large and byte-level inputs: (name, args, outcome, where, message)
GENERATED: list[tuple[str, str, str, str, str]] = [
    ("title_1mb.md", "", "success", "", ""),
    ("title_1mb_comments.md", "", "success", "", ""),
    ("title_1mb_brackets.md", "", "success", "", ""),
    ("title_1mb_link_attempt.md", "", "error", "9:17", "'(' is never closed"),
    ("framework_name_1mb_span.md", "", "error", "15:10", "has no <span id="),
    ("framework_cell_1mb_anchors.md", "", "warning", "9", "has no #anchor link"),
    ("venue_1mb.md", "", "warning", "9", "unknown venue"),
    ("row_100000_cells.md", "", "error", "9:", "100004 cells, the header has 4"),
    ("latin1.md", "", "error", "9", "not UTF-8"),
    ("utf16.md", "", "error", "1", "not UTF-8"),
    ("overlong_utf8.md", "", "error", "9", "not UTF-8"),
    ("surrogate_utf8.md", "", "error", "9", "not UTF-8"),
    ("truncated_utf8.md", "", "error", "16", "not UTF-8"),  # after the last of 15 lines
    ("nul_bytes.md", "", "error", "", "no '## Papers' section"),
    ("random_bytes.md", "", "error", "4", "not UTF-8"),
    ("title_1mb.bib", "", "warning", "1", "matches no paper"),
    ("author_1mb.bib", "", "warning", "1", "matches no paper"),
    ("latin1.bib", "", "error", "2", "not UTF-8"),
]
MB = 1_000_000


def _rep(s: str, n: int = MB) -> str:
    return (s * (n // len(s) + 1))[:n]


def generate(name: str, path: Path) -> None:
    """Write the generated input ``name`` to ``path``."""
    ok = listing(OK_ROW).encode()
    data: bytes
    if name == "title_1mb.md":
        data = listing(row(f"[{_rep('A long title ')}](https://example.org/long)")).encode()
    elif name == "title_1mb_comments.md":
        data = listing(row(f"[x{_rep('<!--')}](https://example.org/c)")).encode()
    elif name == "title_1mb_brackets.md":
        data = listing(row(_rep("["))).encode()
    elif name == "title_1mb_link_attempt.md":
        data = listing(row("[" + _rep("](a"))).encode()
    elif name == "framework_name_1mb_span.md":
        data = listing(OK_ROW, FRAMEWORKS.replace('<span id="ds"></span>', _rep("<span "))).encode()
    elif name == "framework_cell_1mb_anchors.md":
        data = listing(row("[T](https://example.org/t)", fw=_rep("](#a"))).encode()
    elif name == "venue_1mb.md":
        data = listing(row("[T](https://example.org/t)", venue=_rep("Conf "))).encode()
    elif name == "row_100000_cells.md":
        data = listing(row("[T](https://example.org/t)", fw="|" * 100_000)).encode()
    elif name == "latin1.md":
        data = ok.replace(b"A Hostile Paper", "Caf\u00e9".encode("latin-1"))
    elif name == "utf16.md":
        data = listing(OK_ROW).encode("utf-16")
    elif name == "overlong_utf8.md":
        data = ok.replace(b"A Hostile Paper", b"A Host\xc0\xafile Paper")
    elif name == "surrogate_utf8.md":
        data = ok.replace(b"A Hostile Paper", b"A Host\xed\xa0\x80ile Paper")
    elif name == "truncated_utf8.md":
        data = ok + b"\xe2\x9c"
    elif name == "nul_bytes.md":
        data = b"\x00" * 10_000
    elif name == "random_bytes.md":
        import random

        rnd = random.Random(10)
        data = b"# T\n\n## Papers\n" + bytes([0xFF]) + bytes(rnd.randrange(256) for _ in range(MB))
    elif name == "title_1mb.bib":
        data = ("@misc{big,\n  title = {" + _rep("Big ") + "},\n  year = {2021}\n}\n").encode()
    elif name == "author_1mb.bib":
        data = ("@misc{big,\n  title = {T},\n  author = {" + _rep("Ann Author and ")
                + "Bo Bee},\n  year = {2021}\n}\n").encode()
    elif name == "latin1.bib":
        data = "@misc{a,\n  title = {Caf\u00e9},\n  year = {2021}\n}\n".encode("latin-1")
    else:
        raise KeyError(name)
    path.write_bytes(data)


def main() -> None:
    rows = ["file\targs\toutcome\twhere\tmessage"]
    for name, args, outcome, where, message, content in MD + BIB:
        (HERE / name).write_bytes(content.encode("utf-8"))
        rows.append("\t".join((name, args, outcome, where, message)))
    for name, args, outcome, where, message in GENERATED:
        rows.append("\t".join(("gen:" + name, args, outcome, where, message)))
    (HERE / "EXPECTED.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    print(f"{len(rows) - 1} cases", file=sys.stderr)


if __name__ == "__main__":
    main()
