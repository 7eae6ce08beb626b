"""Tests for lmsdb.domain.latex, .latex_plain and .html: HTML/plain/LaTeX title conversions."""

from __future__ import annotations

import doctest

import bibtexparser
import pytest

from lmsdb.domain import html, latex, latex_plain
from lmsdb.domain.html import html_to_plain
from lmsdb.domain.latex import title_to_latex
from lmsdb.domain.latex_plain import latex_to_plain

# The 26 title cells of seeds/awesome-lm-system.md, verbatim (DeepSpeed-MoE
# is listed under both Training and Inference).
SEED_TITLES = [
    "Understanding INT4 Quantization for Transformer Models: Latency Speedup, Composability, and Failure Cases",  # noqa: E501
    "DySR: Adaptive Super-Resolution via Algorithm and System Co-design",
    "Scaling Vision-Language Models with Sparse Mixture of Experts",
    "MCR-DL: Mix-and-Match Communication Runtime for Deep Learning",
    "A Hybrid Tensor-Expert-Data Parallelism Approach to Optimize Mixture-of-Experts Training",
    "AlpaServe: Statistical Multiplexing with Model Parallelism for Deep Learning Serving",
    "On Optimizing the Communication of Model Parallelism",
    "1-bit LAMB: Communication Efficient Large-Scale Large-Batch Training with LAMB's Convergence Speed",  # noqa: E501
    "The Stability-Efficiency Dilemma: Investigating Sequence Length Warmup for Training GPT Models",  # noqa: E501
    "Maximizing Communication Efficiency for Large-scale Training via 0/1 Adam",
    "DeepSpeed-MoE: Advancing Mixture-of-Experts Inference and Training to Power Next-Generation AI Scale",  # noqa: E501
    "Using DeepSpeed and Megatron to Train Megatron-Turing NLG 530B, A Large-Scale Generative Language Model",  # noqa: E501
    "Extreme Compression for Pre-trained Transformers Made Simple and Efficient",
    "ZeroQuant: Efficient and Affordable Post-Training Quantization for Large-Scale Transformers",
    "Random-LTD: Random and Layerwise Token Dropping Brings Efficient Training for Large-scale Transformers",  # noqa: E501
    "DeepSpeed Data Efficiency: Improving Deep Learning Model Quality and Training Efficiency via Efficient "  # noqa: E501
    "Data Sampling and Routing",
    "Alpa: Automating Inter- and Intra-Operator Parallelism for Distributed Deep Learning",
    "ZeRO-Infinity: Breaking the GPU Memory Wall for Extreme Scale Deep Learning",
    "1-bit Adam: Communication Efficient Large-Scale Training with Adam's Convergence Speed",
    "ZeRO-Offload: Democratizing Billion-Scale Model Training.",
    "DeepSpeed: System Optimizations Enable Training Deep Learning Models with Over 100 Billion Parameters.",  # noqa: E501
    "ZeRO: memory optimizations toward training trillion parameter models.",
    "Accelerating Training of Transformer-Based Language Models with Progressive Layer Dropping",
    "Megatron-LM: Training Multi-Billion Parameter Language Models Using Model Parallelism",
    "DeepSpeed-MoE: Advancing Mixture-of-Experts Inference and Training to Power Next-Generation AI Scale",  # noqa: E501
    "DeepSpeed Inference: Enabling Efficient Inference of Transformer Models at Unprecedented Scale",  # noqa: E501
]

OTHER_TITLES = [
    # LaTeX specials
    "50% Faster Training with $0 Budget & #1 Results",
    "Snake_case, C# and F# for ML",
    "Approximate k~NN Search with x^2 Costs",
    "A {Braced} Title and an Unbalanced { Brace",
    "Closing } Brace First",
    "Backslash \\ in a Title and \\emph{Fake} Commands",
    "Less < More > Equal | Pipe",
    # TeX ligatures typed as ASCII
    "Pages 1--2 and 3---4",
    "``Quoted'' Text and ''Odd`` Quotes",
    "Really!` and Why?`",
    # accents, symbols, non-Latin scripts
    "Über Größe naïve café",
    "ÜBER-Fast Łódź Ørsted Æsir Ærø",
    "Crème Brûlée and Smørrebrød: Deep Learning for Señor Nuñez",
    "α-Synuclein and the β Distribution: × and ± Symbols",
    "Dashes – and — with “curly” ‘quotes’, Ich bin’s „Gänsefüßchen“ «guillemets»",
    "Ellipsis… and Non\u00a0Breaking Space",
    "日本語の論文: Transformer Models for 中文 Text 😀",
    "Combining e\u0301 Acute and ﬁ Ligature",
    # inline HTML
    "H<sub>2</sub>O and CO<sub>2</sub> Emissions of LLM Training",
    "E = mc<sup>2</sup>: A <i>Brief</i> <b>History</b>",
    '<em>DeepSpeed-MoE:</em> <strong>Scaling</strong> <span class="x">Inference</span>',
    "<i>Deep Learning</i> for <b>GPT</b>s and <i>BERT-Large</i>",
    "Q&amp;A &lt;Systems&gt; &quot;Quoted&quot; &#39;Single&#39; Non&nbsp;Breaking",
    "Unclosed <i>Italic and Stray</i></b> Close",
    "Crossed <b><i>Tags</b> Here</i>",
    "x<y and z>w is Not a Tag",
    "Line<br/>Break<br>and <!-- comment -->Comment",
    # whitespace and punctuation
    "  Leading and  Double   Spaces ",
    "Tabs\tand\nNewlines",
    '"Why Should I Trust You?": Explaining the Predictions of Any Classifier',
    "(GPT-4) Technical Report?!",
    "",
]

ALL_TITLES = SEED_TITLES + OTHER_TITLES


@pytest.mark.parametrize("module", [latex, html, latex_plain])
def test_doctests(module) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0


# --------------------------------------------------------------------------
# html_to_plain
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "plain"),
    [
        ("H<sub>2</sub>O", "H2O"),
        ("<i>x</i>", "x"),
        ("<I>x</I> <EM>y</EM> <b>z</b> <strong>w</strong> <sup>2</sup>", "x y z w 2"),
        ('<span class="a">x</span><br/>y', "xy"),
        ("&amp; &lt; &gt; &quot; &#39; &nbsp;", "& < > \" ' \u00a0"),
        ("&#x41;&#66;", "AB"),
        ("&lt;i&gt;not a tag&lt;/i&gt;", "<i>not a tag</i>"),
        ("a < b and c > d", "a < b and c > d"),
        ("x<y and z>w", "x<y and z>w"),
        ("AT&T and R&D", "AT&T and R&D"),
        ("plain title", "plain title"),
    ],
)
def test_html_to_plain(title: str, plain: str) -> None:
    assert html_to_plain(title) == plain


def test_html_to_plain_fast_path_returns_same_object() -> None:
    title = "No Markup Here"
    assert html_to_plain(title) is title


# --------------------------------------------------------------------------
# title_to_latex: examples
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        # Each hyphen-separated part on its own: only parts whose case means something.
        ("GPT-3: Language Models", "{GPT}-3: Language Models"),
        ("DeepSpeed-MoE: Advancing", "{DeepSpeed}-{MoE}: Advancing"),
        ("Megatron-LM and Mixture-of-Experts", "Megatron-{LM} and Mixture-of-Experts"),
        ("Inter- and Intra-Operator Large-Scale", "Inter- and Intra-Operator Large-Scale"),
        ("Über-GPU Zürich-Scale", "{\\\"U}ber-{GPU} Z{\\\"u}rich-Scale"),
        ("INT4 MoE ZeRO DySR 530B AI", "{INT4} {MoE} {ZeRO} {DySR} {530B} {AI}"),
        ("LAMB's Convergence", "{LAMB's} Convergence"),
        ("Models, GPT. Really? ZeRO! NLG; x", "Models, {GPT}. Really? {ZeRO}! {NLG}; x"),
        ("A Model", "A Model"),  # one capital letter is not protected
        ("1-bit Adam", "1-bit Adam"),
        ("0/1 Adam", "0/1 Adam"),
        ("iPhone eBay 3D I/O", "{iPhone} {eBay} {3D} {I/O}"),
        (
            "(Deep Learning) (GPT-4)",
            "(Deep Learning) {(GPT}-4)",
        ),  # leading "(" is not the first letter
        ('"Why Should I"', '"Why Should I"'),
        ("", ""),
    ],
)
def test_title_to_latex_protection(title: str, expected: str) -> None:
    assert title_to_latex(title) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("A & B", r"A \& B"),
        ("50% off", r"50\% off"),
        ("$5", r"\$5"),
        ("#1", r"\#1"),
        ("a_b", r"a\_b"),
        ("{x}", r"\textbraceleft{}x\textbraceright{}"),
        ("a~b", r"a\textasciitilde{}b"),
        ("x^2", r"x\textasciicircum{}2"),
        ("a\\b", r"a\textbackslash{}b"),
        ("a < b > c | d", r"a \textless{} b \textgreater{} c \textbar{} d"),
        ("1--2", "1-{}-2"),
        ("1---2", "1-{}-{}-2"),
        ("``q''", "`{}`q'{}'"),
        ("!` ?`", "!{}` ?{}`"),
        ("R&D: A&B", r"{R\&D}: {A\&B}"),
        ("#GPT", r"{{\#GPT}}"),  # "{\..." alone would be a BibTeX special char
    ],
)
def test_title_to_latex_specials(title: str, expected: str) -> None:
    assert title_to_latex(title) == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("H<sub>2</sub>O", r"{H\textsubscript{2}O}"),
        ("x<sup>2</sup>", r"x\textsuperscript{2}"),
        ("<i>deep</i> <em>learning</em>", r"\emph{deep} \emph{learning}"),
        ("<b>bold</b> <strong>strong</strong>", r"\textbf{bold} \textbf{strong}"),
        ("<span>plain</span> <u>text</u>", "plain text"),
        ("Q&amp;A &lt;3", r"{Q\&A} \textless{}3"),
        ("<i>Deep Learning</i>", r"\emph{Deep Learning}"),
        ("<i>DeepSpeed</i> x", r"{{\emph{DeepSpeed}}} x"),
        ("<i>GPT-3</i>: x", r"{{\emph{GPT-3}}}: x"),
        ("<i>Big GPT</i> x", r"\emph{Big {GPT}} x"),
        ("<i>About GPT</i>s", r"\emph{About {GPT}}{s}"),  # tag crosses words: pieces protected
        ("<i>unclosed", r"\emph{unclosed}"),
        ("stray</i> close", "stray close"),
    ],
)
def test_title_to_latex_html(title: str, expected: str) -> None:
    assert title_to_latex(title) == expected


def test_title_to_latex_accents() -> None:
    # What latexcodec's "ulatex+ascii" produces, one brace group per character.
    assert title_to_latex("Über Größe naïve café") == r"{\"U}ber Gr{\"o}{\ss}e na{\"\i}ve caf{\'e}"
    assert title_to_latex("Señor Ørsted Łódź") == r"Se{\~n}or {\O}rsted {\L}{\'o}d{\'z}"
    assert title_to_latex("a–b — c") == "a{--}b {---} c"
    assert title_to_latex("α β") == r"{$\alpha$} {$\beta$}"
    # capitals after the first letter are found in Unicode text too
    assert title_to_latex("naÏve ÜBER") == r"{na{\"I}ve} {{\"U}BER}"


def test_title_to_latex_ascii_output() -> None:
    for title in ALL_TITLES:
        out = title_to_latex(title)
        # Only characters latexcodec has no LaTeX form for may stay Unicode.
        leftovers = {c for c in out if not c.isascii()}
        assert leftovers <= set("日本語の論文中文😀\u0301ﬁ"), (title, leftovers)


def test_title_to_latex_unicode_keeps_characters() -> None:
    assert title_to_latex("Über Größe naïve café", unicode=True) == "Über Größe naïve café"
    assert title_to_latex("Dashes – and — “q”", unicode=True) == "Dashes – and — “q”"
    assert title_to_latex("ÜBER & Co", unicode=True) == r"{ÜBER} \& Co"
    assert title_to_latex("H<sub>2</sub>O café", unicode=True) == r"{H\textsubscript{2}O} café"


def test_title_to_latex_fast_path_matches_slow_path() -> None:
    for title in SEED_TITLES + ["(GPT-4) Technical Report?!", "A", "aB", "x.Y.", "?A"]:
        assert latex._takes_fast_path(title)
        assert title_to_latex(title) == latex._title_to_latex_slow(title, False)


def _balanced(s: str) -> bool:
    depth = 0
    for c in s:
        depth += (c == "{") - (c == "}")
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("title", ALL_TITLES)
@pytest.mark.parametrize("unicode", [False, True])
def test_title_to_latex_balanced(title: str, unicode: bool) -> None:
    # Counted as BibTeX does: every brace, with or without a backslash.
    assert _balanced(title_to_latex(title, unicode=unicode))


def test_check_balanced_raises() -> None:
    with pytest.raises(ValueError):
        latex._check_balanced("{a}}")
    with pytest.raises(ValueError):
        latex._check_balanced("}{")
    latex._check_balanced("{a{b}}{c}")


# --------------------------------------------------------------------------
# latex_to_plain
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("{GPT-3}: Language Models", "GPT-3: Language Models"),
        (r"{H\textsubscript{2}O}", "H2O"),
        (r"\emph{x} \textbf{y} \textit{z}", "x y z"),
        (r"\& \% \$ \# \_ \{ \}", "& % $ # _ { }"),
        (r"\textasciitilde{} \textasciicircum{} \textbackslash{}", "~ ^ \\"),
        (r"{\"U}ber \"{U}ber \"Uber", "Über Über Über"),
        (r"Gr{\"o}{\ss}e \ss e", "Größe ße"),
        (r"{\'e} \'{e} \c{c} {\c c} \v{s} \~n", "é é ç ç š ñ"),
        (r"na{\"\i}ve", "naïve"),
        (r"{$\alpha$}", "α"),
        (r"$x^2$", "x^2"),
        ("1--2 3---4 ``q'' a~b", "1–2 3—4 “q” a\u00a0b"),
        (r"\LaTeX{} and \TeX\ rock", "LaTeX and TeX rock"),
        ("no  markup\there", "no  markup\there"),
        # unknown commands: dropped before an argument, else kept verbatim
        (r"\unknowncommand{x} y", "x y"),
        (r"\foo bar", r"\foo bar"),
    ],
)
def test_latex_to_plain(text: str, plain: str) -> None:
    assert latex_to_plain(text) == plain


# --------------------------------------------------------------------------
# Round trip and BibTeX parse-back
# --------------------------------------------------------------------------


@pytest.mark.parametrize("title", ALL_TITLES)
def test_round_trip(title: str) -> None:
    assert latex_to_plain(title_to_latex(title)) == html_to_plain(title)


@pytest.mark.parametrize("title", ALL_TITLES)
def test_round_trip_unicode(title: str) -> None:
    assert latex_to_plain(title_to_latex(title, unicode=True)) == html_to_plain(title)


def test_round_trip_every_latin_character() -> None:
    # Latin-1 supplement, Latin Extended-A and general punctuation: every
    # character, next to ASCII neighbours that could fuse with it.
    chars = [chr(cp) for cp in (*range(0xA0, 0x180), *range(0x2010, 0x2040))]
    for ch in chars:
        for title in (ch, f"a{ch}b", f"-{ch}-", f"'{ch}'", f"`{ch}`", f"A{ch}B"):
            assert latex_to_plain(title_to_latex(title)) == title, repr(title)


@pytest.mark.parametrize("unicode", [False, True])
def test_bibtexparser_parse_back(unicode: bool) -> None:
    entries = [
        f"@article{{key{i},\n  title = {{{title_to_latex(t, unicode=unicode)}}},\n}}\n"
        for i, t in enumerate(ALL_TITLES)
    ]
    library = bibtexparser.parse_string("\n".join(entries))
    assert library.failed_blocks == []
    assert len(library.entries) == len(ALL_TITLES)
    for entry, title in zip(library.entries, ALL_TITLES, strict=True):
        assert latex_to_plain(entry["title"]) == html_to_plain(title), title


def test_markdown_escapes_are_resolved_for_latex_and_plain_text() -> None:
    """A title cell's `\\*` is a literal `*` (markdown), not a backslash for LaTeX."""
    title = r"\*Not\* emphasis: C\_1 \[draft\]"
    assert html_to_plain(title) == "*Not* emphasis: C_1 [draft]"
    latex = title_to_latex(title)
    assert "textbackslash" not in latex
    assert latex == r"*Not* emphasis: C\_1 [draft]"
    assert latex_to_plain(latex) == html_to_plain(title)
