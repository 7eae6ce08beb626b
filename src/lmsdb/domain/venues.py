"""The venue catalogue shipped with lmsdb, and the lookup that maps a "Publisher" cell to it.

List authors write the same venue in many ways ("NeurIPS 2020", "NIPS", "NeuraIPS",
"USENIX ATC'21", "SIGKDD Tutorial", ...). :func:`lookup` folds those spellings onto one
canonical :class:`Venue`, so the database holds one row per real venue and the BibTeX
exporter can print the official full name. Anything not in the catalogue is still kept,
verbatim, as an *unknown* venue, so no information from the list is lost.

The catalogue is a plain table (:data:`_ROWS`); the alias index is built from it once at
import time and refuses to build if one alias would name two different venues.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["KINDS", "CATALOGUE", "Venue", "by_name", "lookup"]

#: The kinds a catalogue venue may have. Unknown venues get kind ``"unknown"``.
KINDS: frozenset[str] = frozenset({"conference", "journal", "workshop", "tutorial"})


@dataclass(frozen=True, slots=True)
class Venue:
    """A place where a paper appeared.

    ``name`` is the canonical short name ("NeurIPS"); ``full_name`` is the official name,
    used as BibTeX ``booktitle``/``journal``; ``known`` is False for venues that are not in
    the catalogue (then ``name`` and ``full_name`` are the text the list author wrote).
    """

    name: str
    full_name: str
    kind: str
    known: bool = True


# Short kind names keep the table below readable.
_C, _J, _W, _T = "conference", "journal", "workshop", "tutorial"

# One row per venue: (canonical name, kind, official full name, aliases).
# The canonical name and the full name are aliases too, implicitly. Aliases are matched after
# normalisation (see _key), so case, spacing, surrounding punctuation and a trailing year never
# need their own alias; only genuinely different spellings (and real misspellings seen in lists)
# are listed.
#
# Findings of ACL/EMNLP/NAACL are their own venues rather than aliases of the main conference:
# they are published as separate proceedings ("Findings of the Association for Computational
# Linguistics: ACL 2023"), and citing a Findings paper as the main conference would overstate it.
#
# arXiv is deliberately absent: a preprint has no venue, and treating arXiv as one would make
# every preprint look published.
_ROWS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # --- Machine learning / AI ---------------------------------------------------------------
    ("NeurIPS", _C, "Advances in Neural Information Processing Systems",
     ("NIPS", "NeuraIPS", "NeurlPS", "NeuIPS", "NerIPS", "NeurIPS Conference",
      "NeurIPS Main Track", "Neural Information Processing Systems",
      "Conference on Neural Information Processing Systems")),
    ("NeurIPS Datasets and Benchmarks", _C,
     "Neural Information Processing Systems Track on Datasets and Benchmarks",
     ("NeurIPS Datasets and Benchmarks Track", "NeurIPS Datasets & Benchmarks",
      "NeurIPS D&B", "NeurIPS DB Track", "NeurIPS Track on Datasets and Benchmarks")),
    ("NeurIPS Workshop", _W, "Workshops at the Conference on Neural Information Processing Systems",
     ("NeurIPS Workshops", "NIPS Workshop", "NeurIPS WS")),
    ("ICML", _C, "International Conference on Machine Learning",
     ("ICML Conference", "PMLR ICML")),
    ("ICML Workshop", _W, "Workshops at the International Conference on Machine Learning",
     ("ICML Workshops", "ICML WS")),
    ("ICLR", _C, "International Conference on Learning Representations",
     ("ICLR Conference",)),
    ("ICLR Workshop", _W, "Workshops at the International Conference on Learning Representations",
     ("ICLR Workshops", "ICLR WS")),
    ("AAAI", _C, "AAAI Conference on Artificial Intelligence",
     ("AAAI Conference",)),
    ("IJCAI", _C, "International Joint Conference on Artificial Intelligence",
     ("IJCAI-ECAI",)),
    ("UAI", _C, "Conference on Uncertainty in Artificial Intelligence", ()),
    ("AISTATS", _C, "International Conference on Artificial Intelligence and Statistics", ()),
    ("COLT", _C, "Conference on Learning Theory", ()),
    ("ECML PKDD", _C,
     "European Conference on Machine Learning and Principles and Practice of Knowledge "
     "Discovery in Databases",
     ("ECML-PKDD", "ECMLPKDD", "ECML")),
    ("JMLR", _J, "Journal of Machine Learning Research",
     ("J. Mach. Learn. Res.",)),
    ("TMLR", _J, "Transactions on Machine Learning Research", ()),
    ("TPAMI", _J, "IEEE Transactions on Pattern Analysis and Machine Intelligence",
     ("IEEE TPAMI", "PAMI", "T-PAMI")),
    ("TNNLS", _J, "IEEE Transactions on Neural Networks and Learning Systems",
     ("IEEE TNNLS",)),
    ("Nature", _J, "Nature", ()),
    ("Nature Machine Intelligence", _J, "Nature Machine Intelligence",
     ("Nat. Mach. Intell.",)),
    ("Science", _J, "Science", ()),
    # --- Data mining / databases / IR / web ----------------------------------------------------
    ("KDD", _C, "ACM SIGKDD Conference on Knowledge Discovery and Data Mining",
     ("SIGKDD", "ACM SIGKDD", "ACM KDD", "SIGKDD Conference", "KDD Conference")),
    ("KDD Tutorial", _T, "ACM SIGKDD Conference on Knowledge Discovery and Data Mining (Tutorial)",
     ("SIGKDD Tutorial", "ACM SIGKDD Tutorial", "KDD Tutorials", "SIGKDD Tutorials")),
    ("ICDM", _C, "IEEE International Conference on Data Mining", ("IEEE ICDM",)),
    ("CIKM", _C, "ACM International Conference on Information and Knowledge Management",
     ("ACM CIKM",)),
    ("WSDM", _C, "ACM International Conference on Web Search and Data Mining", ("ACM WSDM",)),
    ("SIGIR", _C,
     "International ACM SIGIR Conference on Research and Development in Information Retrieval",
     ("ACM SIGIR",)),
    ("WWW", _C, "ACM Web Conference",
     ("The Web Conference", "TheWebConf", "WebConf", "ACM WWW")),
    ("SIGMOD", _C, "ACM SIGMOD International Conference on Management of Data",
     ("ACM SIGMOD", "SIGMOD Conference")),
    # Lists say "VLDB" for what is, since 2008, the PVLDB journal, so both land here.
    ("VLDB", _J, "Proceedings of the VLDB Endowment",
     ("PVLDB", "Proc. VLDB Endow.", "VLDB Endowment", "VLDB Conference")),
    ("ICDE", _C, "IEEE International Conference on Data Engineering", ("IEEE ICDE",)),
    ("TKDE", _J, "IEEE Transactions on Knowledge and Data Engineering", ("IEEE TKDE",)),
    # --- Computer vision / multimedia --------------------------------------------------------
    ("CVPR", _C, "IEEE/CVF Conference on Computer Vision and Pattern Recognition",
     ("IEEE CVPR", "CVPR Conference")),
    ("ICCV", _C, "IEEE/CVF International Conference on Computer Vision", ("IEEE ICCV",)),
    ("ECCV", _C, "European Conference on Computer Vision", ()),
    ("WACV", _C, "IEEE/CVF Winter Conference on Applications of Computer Vision", ()),
    ("ACM MM", _C, "ACM International Conference on Multimedia",
     ("ACM Multimedia", "ACMMM")),
    # --- NLP ---------------------------------------------------------------------------------
    ("ACL", _C, "Annual Meeting of the Association for Computational Linguistics",
     ("ACL Conference", "ACL Main", "ACL Long", "ACL Short")),
    ("ACL Findings", _C, "Findings of the Association for Computational Linguistics: ACL",
     ("Findings of ACL", "Findings of the ACL", "ACL (Findings)", "Findings-ACL")),
    ("EMNLP", _C, "Conference on Empirical Methods in Natural Language Processing",
     ("EMNLP Main",)),
    ("EMNLP Findings", _C, "Findings of the Association for Computational Linguistics: EMNLP",
     ("Findings of EMNLP", "EMNLP (Findings)", "Findings-EMNLP")),
    ("NAACL", _C,
     "Conference of the North American Chapter of the Association for Computational "
     "Linguistics: Human Language Technologies",
     ("NAACL-HLT", "NAACL HLT")),
    ("NAACL Findings", _C, "Findings of the Association for Computational Linguistics: NAACL",
     ("Findings of NAACL", "NAACL (Findings)", "Findings-NAACL")),
    ("EACL", _C,
     "Conference of the European Chapter of the Association for Computational Linguistics", ()),
    ("COLING", _C, "International Conference on Computational Linguistics", ()),
    ("TACL", _J, "Transactions of the Association for Computational Linguistics", ()),
    # --- Systems / OS / networking -----------------------------------------------------------
    ("OSDI", _C, "USENIX Symposium on Operating Systems Design and Implementation",
     ("USENIX OSDI",)),
    ("SOSP", _C, "ACM Symposium on Operating Systems Principles",
     ("ACM SOSP", "SIGOPS SOSP")),
    ("ATC", _C, "USENIX Annual Technical Conference",
     ("USENIX ATC", "USENIX-ATC", "USENIX Annual Tech")),
    ("EuroSys", _C, "European Conference on Computer Systems",
     ("ACM EuroSys", "Euro Sys")),
    ("NSDI", _C, "USENIX Symposium on Networked Systems Design and Implementation",
     ("USENIX NSDI",)),
    ("FAST", _C, "USENIX Conference on File and Storage Technologies", ("USENIX FAST",)),
    ("MLSys", _C, "Conference on Machine Learning and Systems",
     ("SysML", "Proceedings of Machine Learning and Systems", "MLSys Conference",
      "SysML Conference")),
    ("EuroMLSys", _W, "Workshop on Machine Learning and Systems", ("Euro-MLSys",)),
    ("SoCC", _C, "ACM Symposium on Cloud Computing", ("ACM SoCC",)),
    ("Middleware", _C, "ACM/IFIP International Middleware Conference", ("ACM Middleware",)),
    ("SIGCOMM", _C, "ACM SIGCOMM Conference", ("ACM SIGCOMM",)),
    ("INFOCOM", _C, "IEEE International Conference on Computer Communications",
     ("IEEE INFOCOM",)),
    ("MobiSys", _C, "ACM International Conference on Mobile Systems, Applications, and Services",
     ("ACM MobiSys",)),
    ("MobiCom", _C, "Annual International Conference on Mobile Computing and Networking",
     ("ACM MobiCom",)),
    ("SenSys", _C, "ACM Conference on Embedded Networked Sensor Systems", ("ACM SenSys",)),
    ("SIGMETRICS", _C,
     "ACM SIGMETRICS International Conference on Measurement and Modeling of Computer Systems",
     ("ACM SIGMETRICS",)),
    ("ICDCS", _C, "IEEE International Conference on Distributed Computing Systems",
     ("IEEE ICDCS",)),
    ("HotOS", _W, "Workshop on Hot Topics in Operating Systems", ()),
    ("HotCloud", _W, "USENIX Workshop on Hot Topics in Cloud Computing", ()),
    ("APSys", _W, "ACM SIGOPS Asia-Pacific Workshop on Systems", ()),
    ("TOCS", _J, "ACM Transactions on Computer Systems", ("ACM TOCS",)),
    # --- HPC / parallel computing / architecture ---------------------------------------------
    ("SC", _C,
     "International Conference for High Performance Computing, Networking, Storage and Analysis",
     ("Supercomputing", "Supercomputing Conference", "SC Conference", "ACM/IEEE SC",
      "IEEE/ACM SC")),
    ("PPoPP", _C, "ACM SIGPLAN Symposium on Principles and Practice of Parallel Programming",
     ("ACM PPoPP",)),
    ("ASPLOS", _C,
     "ACM International Conference on Architectural Support for Programming Languages and "
     "Operating Systems",
     ("ACM ASPLOS",)),
    ("ISCA", _C, "ACM/IEEE International Symposium on Computer Architecture", ()),
    ("MICRO", _C, "IEEE/ACM International Symposium on Microarchitecture", ()),
    ("HPCA", _C, "IEEE International Symposium on High-Performance Computer Architecture",
     ("IEEE HPCA",)),
    ("IPDPS", _C, "IEEE International Parallel and Distributed Processing Symposium",
     ("IEEE IPDPS",)),
    ("ICS", _C, "ACM International Conference on Supercomputing", ("ACM ICS",)),
    ("ICPP", _C, "International Conference on Parallel Processing", ()),
    ("HiPC", _C, "IEEE International Conference on High Performance Computing, Data, and Analytics",
     ("IEEE HiPC",)),
    ("HPDC", _C,
     "ACM International Symposium on High-Performance Parallel and Distributed Computing",
     ("ACM HPDC",)),
    ("CLUSTER", _C, "IEEE International Conference on Cluster Computing", ("IEEE CLUSTER",)),
    ("CCGrid", _C, "IEEE/ACM International Symposium on Cluster, Cloud and Internet Computing",
     ("IEEE/ACM CCGrid",)),
    ("Euro-Par", _C, "International European Conference on Parallel and Distributed Computing",
     ("EuroPar", "Euro Par")),
    ("SPAA", _C, "ACM Symposium on Parallelism in Algorithms and Architectures", ()),
    ("PACT", _C, "International Conference on Parallel Architectures and Compilation Techniques",
     ()),
    ("CGO", _C, "IEEE/ACM International Symposium on Code Generation and Optimization", ()),
    ("PLDI", _C, "ACM SIGPLAN Conference on Programming Language Design and Implementation",
     ("ACM PLDI",)),
    ("DAC", _C, "ACM/IEEE Design Automation Conference", ()),
    ("TPDS", _J, "IEEE Transactions on Parallel and Distributed Systems", ("IEEE TPDS",)),
    ("TC", _J, "IEEE Transactions on Computers", ("IEEE TC",)),
    ("TACO", _J, "ACM Transactions on Architecture and Code Optimization", ("ACM TACO",)),
    ("JPDC", _J, "Journal of Parallel and Distributed Computing", ()),
    ("CSUR", _J, "ACM Computing Surveys", ("ACM CSUR",)),
    ("CACM", _J, "Communications of the ACM", ("Commun. ACM",)),
)

# Characters stripped from both ends of a cell: ASCII punctuation plus the typographic quotes
# and dashes that markdown editors substitute, so "(NeurIPS)", "**OSDI**" or "“ICML”." all match.
_EDGE_PUNCT = "".join(chr(c) for c in range(33, 127) if not chr(c).isalnum()) + "‘’“”–—…·"

# A stand-alone 4-digit year anywhere in the cell ("2022 NeurIPS", "EMNLP 2023 Findings"):
# years never distinguish venues, so dropping them cannot merge two catalogue entries.
_YEAR_TOKEN = re.compile(r"(?<!\w)['‘’`]?(?:19|20)\d{2}(?!\w)")

# A year at the end of the cell, which lists append freely ("OSDI 2022", "OSDI'22",
# "AAAI-21", "NeurIPS2020"). A 4-digit 19xx/20xx year may follow a separator or letters
# directly; a 2-digit year needs a separator or to follow letters directly ("SC22"), never
# another digit, so e.g. a 3-digit number is left alone.
_TRAILING_YEAR = re.compile(
    r"(?:[\s'‘’`\-_,]*(?:19|20)\d{2}|(?:[\s'‘’`\-_,]+|(?<=[^\W\d_]))\d{2})$"
)


def _key(raw: str) -> str:
    """Normalise a cell (or an alias) to its dictionary key.

    NFKC folds full-width letters and non-breaking spaces; casefold + whitespace collapse make
    the match case- and spacing-insensitive. Stand-alone years go wherever they are; edge
    punctuation and a trailing (possibly attached or 2-digit) year are peeled repeatedly
    because they nest ("(OSDI '22)." -> "osdi '22" -> "osdi").
    """
    text = unicodedata.normalize("NFKC", raw).casefold()
    text = " ".join(_YEAR_TOKEN.sub(" ", text).split())
    while True:
        stripped = _TRAILING_YEAR.sub("", text.strip(_EDGE_PUNCT + " "))
        if stripped == text:
            return text
        text = stripped


def _build_index(
    rows: Iterable[tuple[str, str, str, tuple[str, ...]]],
) -> tuple[tuple[Venue, ...], dict[str, Venue], dict[str, Venue]]:
    """Build (catalogue, alias index, canonical-name index) from catalogue rows.

    Raises ValueError on a bad kind, an empty name/full name, a duplicate canonical name, or an
    alias that normalises to the key of a different venue: a silent collision would send papers
    to the wrong venue, so the module refuses to import instead.
    """
    catalogue: list[Venue] = []
    aliases: dict[str, Venue] = {}
    names: dict[str, Venue] = {}
    for name, kind, full_name, extra in rows:
        if kind not in KINDS:
            raise ValueError(f"venue {name!r}: kind {kind!r} is not one of {sorted(KINDS)}")
        if not name.strip() or not full_name.strip():
            raise ValueError(f"venue {name!r}: empty name or full name")
        if name in names:
            raise ValueError(f"venue {name!r} is listed twice")
        venue = Venue(name=name, full_name=full_name, kind=kind)
        catalogue.append(venue)
        names[name] = venue
        for alias in (name, full_name, *extra):
            key = _key(alias)
            if not key:
                raise ValueError(f"venue {name!r}: alias {alias!r} normalises to nothing")
            other = aliases.setdefault(key, venue)
            if other is not venue:
                raise ValueError(
                    f"alias {alias!r} (key {key!r}) names both {other.name!r} and {name!r}"
                )
    return tuple(catalogue), aliases, names


CATALOGUE: tuple[Venue, ...]
_ALIASES: dict[str, Venue]
_BY_NAME: dict[str, Venue]
CATALOGUE, _ALIASES, _BY_NAME = _build_index(_ROWS)


# A Publisher cell naming a preprint server says "no venue", as an empty cell does.
PREPRINT_SERVERS = frozenset({"arxiv", "corr", "preprint", "arxiv preprint", "biorxiv",
                              "medrxiv", "ssrn", "openreview preprint"})


@lru_cache(maxsize=8192)
def lookup(raw: str) -> Venue | None:
    """Map a "Publisher" cell to a Venue.

    Returns None for an empty cell, one holding only punctuation (a "-" placeholder), or one
    naming a preprint server (arXiv, CoRR): the paper is a preprint with no venue. A known
    alias, matched ignoring case, spacing, surrounding punctuation and a trailing year,
    returns the catalogue Venue. Anything else
    returns an unknown Venue (``known=False``, ``kind="unknown"``) whose name and full name are
    the cell text as written, only stripped and with whitespace collapsed.

    Cached: an import calls this once per row, and lists repeat the same few hundred cells.
    """
    if not raw or not raw.strip():
        return None
    key = _key(raw)
    if not key or key in PREPRINT_SERVERS:
        return None
    venue = _ALIASES.get(key)
    if venue is not None:
        return venue
    text = " ".join(raw.split())
    return Venue(name=text, full_name=text, kind="unknown", known=False)


def by_name(name: str) -> Venue | None:
    """Return the catalogue Venue whose canonical name is exactly ``name``, or None."""
    return _BY_NAME.get(name)


# Leading words of a BibTeX booktitle that name no venue: "Proceedings of the 16th ...".
_BIB_PREAMBLE = re.compile(r"^(?:proceedings\s+of\s+)?(?:the\s+)?(?:\d+(?:st|nd|rd|th)\s+)?",
                           re.I)
_PARENS = re.compile(r"\(([^()]*)\)")
_HAS_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def lookup_bib(text: str) -> Venue | None:
    """Map a BibTeX ``booktitle``/``journal`` (plain text) to a Venue.

    DBLP writes the whole proceedings title ("16th USENIX Symposium on Operating Systems
    Design and Implementation, OSDI 2022, Carlsbad, CA, USA, July 11-13, 2022"), so besides
    the whole text, the first comma-separated part, parts holding a year ("SC 2020") and
    parenthesised parts are tried, each without a leading "Proceedings of the 16th". Places
    and dates are never tried, so "USA" cannot pick a venue. Unmatched: an unknown Venue.

    >>> lookup_bib("Proceedings of the International Conference for High Performance "
    ...            "Computing, Networking, Storage and Analysis, SC 2020, Virtual Event").name
    'SC'
    """
    if not text or not text.strip():
        return None
    parts = [p.strip() for p in text.split(",")]
    candidates = [text, parts[0], *(p for p in parts[1:] if _HAS_YEAR.search(p)),
                  *_PARENS.findall(text)]
    for c in candidates:
        c = _BIB_PREAMBLE.sub("", c.strip())
        v = lookup(c) if c else None
        if v is not None and v.known:
            return v
    return lookup(text)


def alias_key(raw: str) -> str:
    """The form under which a spelling is looked up (case, spacing, a trailing year ignored).

    >>> alias_key("  HiPC '22 ")
    'hipc'
    """
    return _key(raw)


class VenueBook:
    """The catalogue plus the venues a user defined (``lmsdb venue add``), which win.

    ``user`` maps an alias key (see :func:`alias_key`) to the user's venue.
    """

    def __init__(self, user: dict[str, Venue] | None = None):
        self.user = user or {}

    def lookup(self, raw: str) -> Venue | None:
        """As :func:`lookup`, with the user's venues first."""
        if self.user and raw and raw.strip():
            venue = self.user.get(_key(raw))
            if venue is not None:
                return venue
        return lookup(raw)

    def lookup_bib(self, text: str) -> Venue | None:
        """As :func:`lookup_bib`; a booktitle that is exactly a user venue's spelling wins."""
        if self.user and text and text.strip():
            venue = self.user.get(_key(text))
            if venue is not None:
                return venue
        return lookup_bib(text)


CATALOGUE_BOOK = VenueBook()
